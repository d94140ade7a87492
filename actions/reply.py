"""What an action decides: a ``Reply`` (text, answer, buttons) plus the effects to apply.

Replies are channel-independent: buttons carry short callback strings (Telegram limits them to
64 bytes) that every channel sends back to ``Conversation.handle_button``. ``Callback`` is the
one place that defines and parses those strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from bot.content.repository import AnswerView
from bot.recruitment.quiz import Question

CALLBACK_MAX_BYTES = 64  # Telegram's callback_data limit
AnswerPart = Literal["short", "full", "phrases"]


@dataclass(frozen=True)
class Button:
    """A button: what it says, and the callback string it sends back (≤ 64 bytes)."""

    label: str
    data: str


class Verb(StrEnum):
    """The first field of a callback string: what pressing the button does."""

    ANSWER = "a"  # a:<answer id>            show an answer
    MORE = "m"  # m:<answer id>              the full answer ("Xem thêm")
    PHRASES = "p"  # p:<answer id>           the phrase card to show staff or a doctor
    HELPFUL = "fu"  # fu:<answer id>         👍
    UNHELPFUL = "fd"  # fd:<answer id>       👎
    COUNTRY = "c"  # c:<cc>[:<answer id>]   set the country (then show that answer)
    ASK_COUNTRY = "cty"  # choose the country
    CHAPTER = "ch"  # ch:<chapter id>        topics of a handbook chapter
    HANDBOOK = "book"  # the chapters
    SOS = "sos"
    CONSULAR = "cons"
    MENU = "menu"
    PRIVACY = "priv"
    LANGUAGE = "lang"  # lang[:<locale>]
    DELETE = "del"  # del, del:yes, del:no
    CARD = "card"  # the emergency card image
    QUIZ = "q"  # q (start), q:<position>:<option>


@dataclass(frozen=True)
class Callback:
    """A decoded callback string."""

    verb: Verb
    args: tuple[str, ...] = ()

    def encode(self) -> str:
        data = ":".join((self.verb.value, *self.args))
        if len(data.encode("utf-8")) > CALLBACK_MAX_BYTES:
            raise ValueError(f"callback data longer than {CALLBACK_MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def decode(cls, data: str) -> Callback | None:
        """The callback, or None for data this version of the bot does not know."""
        verb, *args = data.split(":")
        try:
            return cls(Verb(verb), tuple(args))
        except ValueError:
            return None


def button(label: str, verb: Verb, *args: str) -> Button:
    """A button that sends ``verb:args`` back when pressed."""
    return Button(label, Callback(verb, args).encode())


@dataclass(frozen=True)
class SetCountry:
    """Remember the user's country (jp | kr | tw; None forgets it)."""

    country: str | None


@dataclass(frozen=True)
class SetLocale:
    """Remember the user's interface language."""

    locale: str


@dataclass(frozen=True)
class Vote:
    """Count a 👍 (helpful) or 👎 for an answer in a country."""

    answer_id: str
    country: str
    helpful: bool


@dataclass(frozen=True)
class DeleteUserData:
    """Delete everything stored about the user."""


@dataclass(frozen=True)
class KeepQuestion:
    """Keep a question the bot did not understand, for editors (scrubbed, no user link)."""

    text: str
    intent: str | None
    confidence: float | None
    country: str | None


@dataclass(frozen=True)
class RecordSignup:
    """A deep link's payload (``/start CODE``): count the user for that company, if it is one.

    Only a real company code is ever stored: a payload can be anything someone typed.
    """

    payload: str


@dataclass(frozen=True)
class CountTopicOpen:
    """+1 for a topic shown, in the statistics of the user's company (only the count)."""

    answer_id: str
    country: str


@dataclass(frozen=True)
class StartQuiz:
    """Begin (or restart) the user's quiz with these questions."""

    country: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class AnswerQuiz:
    """Record the answer to the open quiz question ``position`` (right or not)."""

    position: int
    right: bool


@dataclass(frozen=True)
class Subscribe:
    """Turn announcements on: keep the chat to send them to."""

    country: str
    chat_id: int


@dataclass(frozen=True)
class Unsubscribe:
    """Turn announcements off: forget the chat."""


Effect = (
    SetCountry
    | SetLocale
    | Vote
    | DeleteUserData
    | KeepQuestion
    | RecordSignup
    | CountTopicOpen
    | StartQuiz
    | AnswerQuiz
    | Subscribe
    | Unsubscribe
)
Rows = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class Reply:
    """One message to send: interface text, optionally an answer (which part), and buttons.

    ``kind`` tells channels what it is: text, answer, emergency, menu, clarify, country,
    privacy, phrases. ``then`` holds replies that follow this one (e.g. the answer someone asked
    for before choosing their country).
    """

    kind: str
    message: str = ""
    answer: AnswerView | None = None
    part: AnswerPart = "short"
    buttons: Rows = ()
    intent: str | None = None
    confidence: float | None = None
    effects: tuple[Effect, ...] = ()
    then: tuple[Reply, ...] = ()
    image: bytes | None = None  # a PNG to send as a photo (the emergency card)

    def flatten(self) -> list[Reply]:
        """This reply and everything that follows it, in order."""
        replies = [self]
        for follower in self.then:
            replies.extend(follower.flatten())
        return replies
