"""Actions: what the bot replies, decided from intent, entities, country and published content.

One class per action (as in Rasa's financial-demo, but plain Python with no Rasa SDK): each
takes what it needs as fields and ``run(repo)`` returns a channel-independent ``Reply``.
``decide`` is the entry point for typed messages; ``button_action`` and ``command_action`` map
buttons and commands to actions.
"""

from actions.base import EMERGENCY_ANSWER_ID, Action, answer_reply
from actions.clarify import ClarifyAction
from actions.country import ChooseCountryAction, NoCountryAction
from actions.decide import button_action, choose_action, command_action, decide, named_country
from actions.emergency import ShowEmergencyAction
from actions.menu import (
    DatabaseDownAction,
    DeleteDataAction,
    HelpAction,
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
from actions.smalltalk import FeedbackAction, GoodbyeAction, GreetAction, ThanksAction
from actions.topic import AnswerTopicAction, OutOfScopeAction, SearchAction, ShowAnswerAction

__all__ = [
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
    "Rows",
    "SearchAction",
    "SetCountry",
    "SetLocale",
    "ShowAnswerAction",
    "ShowChapterAction",
    "ShowEmergencyAction",
    "ShowHandbookAction",
    "StaleButtonAction",
    "ThanksAction",
    "UnsupportedAction",
    "Verb",
    "Vote",
    "answer_reply",
    "button_action",
    "choose_action",
    "command_action",
    "decide",
    "named_country",
]
