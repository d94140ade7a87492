"""The pre-departure quiz (``/kiemtra``): five multiple-choice questions on the user's country.

Three questions come from the live contacts (ambulance number, police number, who helps when a
passport is taken), so they follow an editor's fix; the others are the statements of
``content/quiz.yml``, published with the content, each asked only where its topic answer (whose
sources back it) is published. The questions are frozen in the database when a quiz starts, so a
publish in the middle of a quiz cannot change the answer to a question already on screen.
"""

from __future__ import annotations

import random
import re
from dataclasses import asdict, dataclass

from sqlalchemy.orm import Session

from bot.content.repository import ContactView, ContentRepository, QuizStatement
from bot.i18n import _, country_name
from bot.models.recruitment import QuizSession
from vietnlp.text import nfc

QUESTIONS_PER_QUIZ = 5
LETTERS = "ABCD"  # the options' names, on the buttons and typed
# "B", "b.", "2", "đáp án B", "chọn c)": a typed answer to the open question. Only the bare
# letters count (not "à", "ạ": Vietnamese interjections that fold to "a").
_TYPED_CHOICE = re.compile(r"(?:(?:đáp án|dap an|chọn|chon)\s*)?([abcd1-4])\s*[.):]?")


@dataclass(frozen=True)
class Question:
    text: str
    options: tuple[str, ...]
    correct: int
    topic: str


def _contact(repo: ContentRepository, country: str, contact_id: str) -> ContactView | None:
    return next((c for c in repo.contacts(country) if c.id == contact_id), None)


def _number_question(
    text: str, right: ContactView | None, wrong: list[ContactView | None], topic: str
) -> Question | None:
    numbers = [c.phones[0] for c in (right, *wrong) if c is not None and c.phones]
    if right is None or len(set(numbers)) < 2:
        return None
    return Question(text, tuple(dict.fromkeys(numbers)), 0, topic)


def contact_questions(repo: ContentRepository, country: str) -> list[Question]:
    ambulance = _contact(repo, country, f"{country}-ambulance")
    police = _contact(repo, country, f"{country}-police")
    name = country_name(country)
    questions = [
        _number_question(
            _("Ở {country}, gọi số nào để có xe cấp cứu?").format(country=name),
            ambulance, [police], "ambulance",
        ),
        _number_question(
            _("Ở {country}, gọi số nào để báo cảnh sát?").format(country=name),
            police, [ambulance], "police",
        ),
    ]  # fmt: skip
    passport = repo.answer("passport-held", country)
    helpers = [c for c in passport.contacts if c.kind != "emergency"] if passport else []
    if helpers:
        helper = helpers[0]
        questions.append(
            Question(
                _("Chủ hoặc môi giới giữ hộ chiếu của bạn. Ai có thể giúp bạn?"),
                (
                    f"{helper.name} — {helper.phones[0]}" if helper.phones else helper.name,
                    _("Không ai cả, phải chờ hết hợp đồng."),
                    _("Chỉ công ty môi giới của bạn."),
                ),
                0,
                "passport-held",
            )
        )
    return [q for q in questions if q is not None]


def build_quiz(repo: ContentRepository, country: str, rng: random.Random) -> list[Question]:
    """Up to five questions for ``country``, options shuffled."""
    questions = contact_questions(repo, country)
    statements: list[QuizStatement] = repo.quiz_statements()
    published = [s for s in statements if repo.answer(s.topic, country) is not None]
    rng.shuffle(published)
    questions += [
        Question(s.question, tuple(s.options), s.correct, s.topic)
        for s in published[: QUESTIONS_PER_QUIZ - len(questions)]
    ]
    return [_shuffled(q, rng) for q in questions[:QUESTIONS_PER_QUIZ]]


def _shuffled(question: Question, rng: random.Random) -> Question:
    order = list(range(len(question.options)))
    rng.shuffle(order)
    return Question(
        question.text,
        tuple(question.options[i] for i in order),
        order.index(question.correct),
        question.topic,
    )


def start(session: Session, user_id: str, country: str, questions: list[Question]) -> None:
    """Begin (or restart) the user's quiz with these questions."""
    existing = session.get(QuizSession, user_id)
    if existing is not None:
        session.delete(existing)
        session.flush()
    session.add(
        QuizSession(
            user_id=user_id,
            country=country,
            questions=[asdict(q) for q in questions],
            position=0,
            score=0,
        )
    )


def typed_choice(text: str) -> int | None:
    """The option a typed message picks (``B`` or ``2`` → 1), or ``None`` if it is not one."""
    match = _TYPED_CHOICE.fullmatch(nfc(text).strip().lower())
    if match is None:
        return None
    picked = match.group(1)
    return int(picked) - 1 if picked.isdigit() else LETTERS.lower().index(picked)


@dataclass(frozen=True)
class QuizState:
    """The user's open quiz, as stored: what the quiz actions decide from."""

    country: str
    questions: tuple[Question, ...]
    position: int  # the question on screen (== len(questions) once finished)
    score: int

    def current(self) -> tuple[int, Question] | None:
        """The open question and its position; ``None`` once every question is answered."""
        if self.position >= len(self.questions):
            return None
        return self.position, self.questions[self.position]


@dataclass(frozen=True)
class Outcome:
    country: str
    question: Question
    right: bool
    score: int
    total: int
    finished: bool


def grade(state: QuizState | None, position: int, choice: int) -> Outcome | None:
    """The outcome of answering question ``position`` with ``choice``; ``None`` for a stale or
    unknown button (pressed twice, a quiz restarted or finished, an option it does not have)."""
    now = state.current() if state is not None else None
    if state is None or now is None or now[0] != position:
        return None
    question = now[1]
    if not 0 <= choice < len(question.options):
        return None
    right = choice == question.correct
    total = len(state.questions)
    finished = position + 1 >= total
    return Outcome(state.country, question, right, state.score + int(right), total, finished)


def load(session: Session, user_id: str) -> QuizState | None:
    """The user's quiz, or ``None`` when none is open."""
    quiz = session.get(QuizSession, user_id)
    if quiz is None:
        return None
    questions = tuple(
        Question(q["text"], tuple(q["options"]), q["correct"], q["topic"]) for q in quiz.questions
    )
    return QuizState(quiz.country, questions, quiz.position, quiz.score)


def record_answer(session: Session, user_id: str, position: int, right: bool) -> None:
    """Move the quiz past question ``position`` (once: a second press of it changes nothing);
    a finished quiz is deleted."""
    quiz = session.get(QuizSession, user_id)
    if quiz is None or quiz.position != position:
        return
    quiz.score += int(right)
    quiz.position += 1
    if quiz.position >= len(quiz.questions):
        session.delete(quiz)


def question_count(session: Session, user_id: str) -> int:
    state = load(session, user_id)
    return len(state.questions) if state is not None else 0


def current(session: Session, user_id: str) -> tuple[int, Question] | None:
    state = load(session, user_id)
    return state.current() if state is not None else None


def answer(session: Session, user_id: str, position: int, choice: int) -> Outcome | None:
    """Record an answer to question ``position``; ``None`` for a stale or unknown button."""
    outcome = grade(load(session, user_id), position, choice)
    if outcome is not None:
        record_answer(session, user_id, position, outcome.right)
    return outcome
