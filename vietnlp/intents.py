"""The NLU's intents that are base data for both the bot and the Rasa pipeline.

Intents are answer topics: the intent of a question about topic ``work-accident`` is
``work_accident`` (Rasa intent names cannot hold "-"). A few intents are not topics (greetings,
"I am in Japan", out of scope). The emergency intents are defined here once, for the bot's
safety path (``actions.decide``, ``bot.nlu.understand``) and for the quality gate.
"""

from __future__ import annotations

from collections.abc import Mapping

# Intent → the kind of emergency it is (the kinds of the emergency lexicon).
EMERGENCY_INTENTS: Mapping[str, str] = {
    "ambulance": "medical",
    "police": "police",
    "mental_health_crisis": "suicide",
}

# The emergency intents, and the chapter-level ones of content written before topic intents (the
# test content still maps them to the emergency answers).
ANSWER_EMERGENCY_INTENTS: Mapping[str, str] = {
    **EMERGENCY_INTENTS,
    "emergency_medical": "medical",
    "emergency_police": "police",
}

# Intents that are not answer topics.
CHAT_INTENTS = ("greet", "help", "choose_country", "thanks", "goodbye", "feedback", "out_of_scope")


def topic_intent(topic_id: str) -> str:
    """``work-accident`` → ``work_accident``."""
    return topic_id.replace("-", "_")


def intent_topic(intent: str) -> str | None:
    """``work_accident`` → ``work-accident``; None for the chat intents."""
    return None if intent in CHAT_INTENTS else intent.replace("_", "-")
