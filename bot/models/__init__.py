"""All ORM models, imported here so ``Base.metadata`` knows every table (Alembic, tests)."""

from bot.models.content import (
    Answer,
    Chapter,
    Contact,
    ContentVersion,
    IntentAnswers,
    LexiconTerm,
    QuizQuestion,
)
from bot.models.editor import EditorAccount, EditorAudit
from bot.models.recruitment import (
    AlertDelivery,
    AlertSubscription,
    Announcement,
    Company,
    CompanySignup,
    QuizSession,
    TopicOpenCount,
)
from bot.models.telegram import TelegramRecentMessage, TelegramUpdate
from bot.models.users import FeedbackCount, FeedbackWeek, KeptQuestion, User

__all__ = [
    "AlertDelivery",
    "AlertSubscription",
    "Announcement",
    "Answer",
    "Chapter",
    "Company",
    "CompanySignup",
    "Contact",
    "ContentVersion",
    "EditorAccount",
    "EditorAudit",
    "FeedbackCount",
    "FeedbackWeek",
    "IntentAnswers",
    "KeptQuestion",
    "LexiconTerm",
    "QuizQuestion",
    "QuizSession",
    "TelegramRecentMessage",
    "TelegramUpdate",
    "TopicOpenCount",
    "User",
]
