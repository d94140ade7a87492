"""Actions: what the bot replies, decided from intent, entities, country and published content.

One class per action (as in Rasa's financial-demo, but plain Python with no Rasa SDK): each
takes what it needs as fields and ``run(repo)`` returns a channel-independent ``Reply``.
``actions.routes`` is the route table of every command and button kind; ``actions.decide``
decides typed messages (``respond``). The engine asks either for a ``Route`` and only
orchestrates.
"""

from actions.base import EMERGENCY_ANSWER_ID, Action, answer_reply
from actions.clarify import ClarifyAction
from actions.country import ChooseCountryAction, NoCountryAction
from actions.decide import choose_action, decide, named_country, respond, text_route
from actions.emergency import ShowEmergencyAction
from actions.menu import (
    DatabaseDownAction,
    DeleteDataAction,
    LanguageAction,
    PrivacyAction,
    ShowChapterAction,
    ShowHandbookAction,
    StaleButtonAction,
    UnsupportedAction,
)
from actions.reply import (
    Button,
    Callback,
    DeleteUserData,
    Effect,
    KeepQuestion,
    Reply,
    Rows,
    SetCountry,
    SetLocale,
    Verb,
    Vote,
)
from actions.routes import (
    COMMANDS,
    HelpAction,
    Route,
    Situation,
    button_action,
    button_route,
    command_action,
    command_route,
    find_command,
    parse_command,
    typed_choice_route,
)
from actions.smalltalk import FeedbackAction, GoodbyeAction, GreetAction, ThanksAction
from actions.topic import AnswerTopicAction, OutOfScopeAction, SearchAction, ShowAnswerAction

__all__ = [
    "COMMANDS",
    "EMERGENCY_ANSWER_ID",
    "Action",
    "AnswerTopicAction",
    "Button",
    "Callback",
    "ChooseCountryAction",
    "ClarifyAction",
    "DatabaseDownAction",
    "DeleteDataAction",
    "DeleteUserData",
    "Effect",
    "FeedbackAction",
    "GoodbyeAction",
    "GreetAction",
    "HelpAction",
    "KeepQuestion",
    "LanguageAction",
    "NoCountryAction",
    "OutOfScopeAction",
    "PrivacyAction",
    "Reply",
    "Route",
    "Rows",
    "SearchAction",
    "SetCountry",
    "SetLocale",
    "ShowAnswerAction",
    "ShowChapterAction",
    "ShowEmergencyAction",
    "ShowHandbookAction",
    "Situation",
    "StaleButtonAction",
    "ThanksAction",
    "UnsupportedAction",
    "Verb",
    "Vote",
    "answer_reply",
    "button_action",
    "button_route",
    "choose_action",
    "command_action",
    "command_route",
    "decide",
    "find_command",
    "named_country",
    "parse_command",
    "respond",
    "text_route",
    "typed_choice_route",
]
