"""Understanding a whole message, however long: the classifier reads it whole and in parts.

Workers write their story first and the question last ("em ở Đài Loan làm nhà máy, chủ la suốt,
… giờ em bị sốt cao phải làm sao"), or two questions at once, or a cry for help in the middle of
a message about debt. One label for the whole text is then decided by whatever words dominate it.
So a message of several sentences is also split into its sentences (and comma clauses), each part
is classified too, and the evidence is combined:

* a topic's score is mostly its probability for the whole message (weight 0.8), and a little the
  mean of its two best probabilities among the parts: the whole story is the best evidence of what
  is asked, and the parts break its ties — one part alone (a sentence about the greeting, the
  dormitory, a neighbour topic) no longer outvotes it. The weights were chosen on a development
  set that was neither trained on at the time nor the realistic test set (docs/nlu.md);
* topics beat small talk: "chào chị, em ở Nhật, em bị đau bụng" is a question about a stomach
  ache, not a greeting or a country change (the country is still taken from the entities);
* a second clear question in another part, that the whole message also points to, is kept,
  to be offered as a button;
* the strongest sign of a crisis or an emergency in the whole or ANY part is kept, for the
  safety path.

The country entity comes from the whole message (the extractor sees every word of it).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.nlu.client import NluClient, NluResult
from vietnlp.intents import CHAT_INTENTS, EMERGENCY_INTENTS

# Telegram's own limit: the whole message is read, never cut.
MAX_MESSAGE_CHARS = 4096
MAX_PARTS = 40
MIN_PART_WORDS = 3
# How much the whole message counts against its parts (chosen on a development set, docs/nlu.md).
WHOLE_WEIGHT = 0.8
# A topic this likely beats small talk that scored higher.
TOPIC_OVER_CHAT = 0.25
# A part's own top topic this likely, in another part than the main one, is a second question,
# when the message as a whole also gives it this combined score: one sentence of a story ("em mới
# qua") is no question of its own. Of several, the one the whole message weighs most is kept.
# On both realistic sets this kept about as many right second buttons (first set 23 → 35 of 138,
# fresh 45 → 42 of 90) and cut buttons on messages with one question by 40 % (docs/nlu.md).
SECOND_QUESTION = 0.6
SECOND_MIN_SCORE = 0.1

_BOUNDARY = re.compile(r"[.!?;\n…。！？]+|,\s+|\s+-\s+")


def parts(text: str) -> list[str]:
    """The message's sentences and clauses; fragments under three words join the next one."""
    pieces = [p.strip() for p in _BOUNDARY.split(text) if p and p.strip()]
    merged: list[str] = []
    pending = ""
    for piece in pieces:
        pending = f"{pending} {piece}" if pending else piece
        if len(pending.split()) >= MIN_PART_WORDS:
            merged.append(pending)
            pending = ""
    if pending:
        if merged:
            merged[-1] = f"{merged[-1]} {pending}"
        else:
            merged.append(pending)
    if len(merged) > MAX_PARTS:  # keep the start and, above all, the end (where the question is)
        merged = merged[:4] + merged[-(MAX_PARTS - 4) :]
    return merged


@dataclass(frozen=True)
class Understanding:
    """What a message means: the combined result, and what the safety path and buttons need."""

    result: NluResult
    second: str | None = None  # the intent of another question in the message
    crisis: float = 0.0  # the highest self-harm probability in the whole or any part
    emergency: tuple[str, float] | None = None  # strongest other emergency intent in any part
    parts: int = 1


def _probabilities(result: NluResult) -> dict[str, float]:
    probabilities = dict(result.ranking)
    probabilities.setdefault(result.intent, result.confidence)
    return probabilities


def _is_topic(intent: str) -> bool:
    return intent not in CHAT_INTENTS


def combine(whole: NluResult, pieces: Sequence[NluResult] = ()) -> Understanding:
    """The evidence of the whole message and of its parts, combined (see the module doc)."""
    # The safety signals come from the whole and from every part: a cry for help may be one
    # sentence of a long story, or only show in the story as a whole. Safety errs on the side
    # of showing a crisis line once too often.
    results = [whole, *pieces]
    crisis = max(_probabilities(r).get(_crisis_intent(), 0.0) for r in results)
    emergency = max(
        (
            (intent, p)
            for r in results
            for intent, p in _probabilities(r).items()
            if intent in EMERGENCY_INTENTS and EMERGENCY_INTENTS[intent] != "suicide"
        ),
        key=lambda item: item[1],
        default=None,
    )
    if not pieces:
        return Understanding(whole, crisis=crisis, emergency=emergency)
    whole_p = _probabilities(whole)
    in_parts: dict[str, list[float]] = {}
    for piece in pieces:
        for intent, p in _probabilities(piece).items():
            in_parts.setdefault(intent, []).append(p)
    # The mean of the two best parts (a part that does not rank an intent gives it 0).
    best_two = {
        intent: sum(sorted(ps, reverse=True)[:2]) / min(2, len(pieces))
        for intent, ps in in_parts.items()
    }
    scores = {
        intent: WHOLE_WEIGHT * whole_p.get(intent, 0.0)
        + (1 - WHOLE_WEIGHT) * best_two.get(intent, 0.0)
        for intent in whole_p.keys() | best_two.keys()
    }
    ranking = sorted(scores.items(), key=lambda item: (-item[1], item[0]))  # ties: stable
    top, top_score = ranking[0]
    if not _is_topic(top):
        topic = next(((i, s) for i, s in ranking if _is_topic(i)), None)
        if topic is not None and topic[1] >= TOPIC_OVER_CHAT:
            top, top_score = topic
            ranking = [topic, *(item for item in ranking if item[0] != top)]
    second = None
    main_parts = {i for i, piece in enumerate(pieces) if piece.intent == top}
    candidates = [
        (scores[piece.intent], piece.confidence, piece.intent)
        for i, piece in enumerate(pieces)
        if i not in main_parts
        and piece.intent != top
        and _is_topic(piece.intent)
        and piece.confidence >= SECOND_QUESTION
        and scores[piece.intent] >= SECOND_MIN_SCORE
    ]
    if candidates:
        second = max(candidates)[2]
    result = NluResult(top, top_score, whole.entities, tuple(ranking[:10]))
    return Understanding(result, second, crisis, emergency, parts=len(pieces))


def _crisis_intent() -> str:
    return next(i for i, kind in EMERGENCY_INTENTS.items() if kind == "suicide")


async def understand(client: NluClient, text: str) -> Understanding:
    """Classify the message whole and, when it has several parts, each part (raises
    ``NluUnavailable`` like the client)."""
    text = text[:MAX_MESSAGE_CHARS]
    pieces = parts(text)
    if len(pieces) <= 1:
        return combine(await client.parse(text))
    whole, *rest = await asyncio.gather(client.parse(text), *(client.parse(p) for p in pieces))
    return combine(whole, rest)
