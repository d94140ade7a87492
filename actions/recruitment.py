"""Replies for what pre-departure training hands out: the emergency card, the quiz and alerts.

Like every action these only decide: the open quiz and the subscription are read by the engine
and passed in (``actions.routes.Situation``), and what changes comes back as effects
(``StartQuiz``, ``AnswerQuiz``, ``Subscribe``, ``Unsubscribe``) that the engine applies.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, replace

from actions.base import Action, menu_button
from actions.emergency import ShowEmergencyAction
from actions.menu import StaleButtonAction
from actions.reply import AnswerQuiz, Reply, StartQuiz, Subscribe, Unsubscribe, Verb, button
from bot.content.repository import ContentRepository
from bot.i18n import _, country_name
from bot.recruitment import quiz
from bot.recruitment.card import emergency_card
from bot.recruitment.fonts import FontMissing
from bot.recruitment.quiz import LETTERS, Outcome, Question, QuizState
from bot.recruitment.sheet import NoPublishedContent

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmergencyCardAction(Action):
    """``/the``: an image of the country's emergency numbers to keep in the photo gallery."""

    country: str

    def run(self, repo: ContentRepository) -> Reply:
        try:
            image = emergency_card(repo, self.country)
        except NoPublishedContent:
            return ShowEmergencyAction(self.country).run(repo)
        except FontMissing as exc:  # the numbers matter more than the picture
            logger.warning("Emergency card not drawn: %s", exc)
            return ShowEmergencyAction(self.country).run(repo)
        message = _(
            "Thẻ khẩn cấp {country}. Hãy lưu ảnh này vào thư viện ảnh: "
            "khi không có mạng bạn vẫn xem được số cần gọi."
        ).format(country=country_name(self.country))
        return Reply(kind="card", message=message, image=image, buttons=((menu_button(),),))


@dataclass(frozen=True)
class QuizQuestionAction(Action):
    """One question of the quiz; the options are lettered in the text, the buttons are letters.
    ``again``: the person typed a letter the question does not have, so it is asked again."""

    position: int
    total: int
    question: Question
    intro: bool = False
    again: bool = False

    def run(self, repo: ContentRepository) -> Reply:
        letters = ", ".join(LETTERS[: len(self.question.options)])
        lines = []
        if self.intro:
            lines += [
                _("Kiểm tra nhanh trước khi đi: {n} câu hỏi.").format(n=self.total),
                _("Bấm nút hoặc gõ chữ ({letters}) để trả lời.").format(letters=letters),
                "",
            ]
        if self.again:
            lines += [_("Câu này chỉ có {letters}. Bạn chọn chữ nào?").format(letters=letters), ""]
        lines.append(
            _("Câu {n}/{total}: {question}").format(
                n=self.position + 1, total=self.total, question=self.question.text
            )
        )
        lines += [f"{LETTERS[i]}. {option}" for i, option in enumerate(self.question.options)]
        buttons = tuple(
            button(LETTERS[i], Verb.QUIZ, str(self.position), str(i))
            for i in range(len(self.question.options))
        )
        return Reply(kind="quiz", message="\n".join(lines), buttons=(buttons,))


@dataclass(frozen=True)
class QuizOutcomeAction(Action):
    """Right or wrong, the right answer and its topic; then the next question or the score."""

    outcome: Outcome
    next_question: tuple[int, Question] | None

    def run(self, repo: ContentRepository) -> Reply:
        question = self.outcome.question
        right = f"{LETTERS[question.correct]}. {question.options[question.correct]}"
        message = (
            _("✅ Đúng rồi!")
            if self.outcome.right
            else _("Chưa đúng. Đáp án đúng: {answer}").format(answer=right)
        )
        topic = repo.answer(question.topic, self.outcome.country)
        buttons = ((button(f"📖 {topic.title}", Verb.ANSWER, topic.id),),) if topic else ()
        follow: tuple[Reply, ...] = ()
        if self.next_question is not None:
            position, following = self.next_question
            follow = (QuizQuestionAction(position, self.outcome.total, following).run(repo),)
        else:
            score = _("Bạn trả lời đúng {score}/{total} câu. Gõ /kiemtra để làm lại.").format(
                score=self.outcome.score, total=self.outcome.total
            )
            follow = (Reply(kind="menu", message=score, buttons=((menu_button(),),)),)
        return Reply(kind="quiz", message=message, buttons=buttons, then=follow)


@dataclass(frozen=True)
class AlertsAction(Action):
    """``/thongbao``: what changed about the user's announcements, and what that stores."""

    country: str
    subscribed: bool | None  # None: this channel cannot receive announcements

    def run(self, repo: ContentRepository) -> Reply:
        if self.subscribed is None:
            message = _("Thông báo chỉ gửi được qua Telegram.")
        elif self.subscribed:
            message = _(
                "Đã bật thông báo cho người lao động tại {country} (ví dụ: bão, nắng nóng, "
                "số điện thoại thay đổi). Để gửi được, mình lưu mã cuộc trò chuyện Telegram "
                "của bạn. Gõ /thongbao lần nữa để tắt và xóa mã đó."
            ).format(country=country_name(self.country))
        else:
            message = _("Đã tắt thông báo. Mình đã xóa mã cuộc trò chuyện dùng để gửi.")
        return Reply(kind="text", message=message, buttons=((menu_button(),),))


@dataclass(frozen=True)
class StartQuizAction(Action):
    """``/kiemtra``: a new quiz of up to five questions on the country's published content."""

    country: str
    seed: int | None = None  # the questions' order and options (None: a new order each time)

    def run(self, repo: ContentRepository) -> Reply:
        questions = quiz.build_quiz(repo, self.country, random.Random(self.seed))
        if not questions:
            return StaleButtonAction().run(repo)
        first = QuizQuestionAction(0, len(questions), questions[0], intro=True).run(repo)
        return replace(first, effects=(StartQuiz(self.country, tuple(questions)),))


@dataclass(frozen=True)
class AnswerQuizAction(Action):
    """An answer to the open question, by button (``q:<position>:<option>``) or typed letter."""

    state: QuizState | None
    position: int
    choice: int
    typed: bool = False  # typed: a letter the question does not have asks it again

    def run(self, repo: ContentRepository) -> Reply:
        now = self.state.current() if self.state is not None else None
        if self.typed and now is not None and self.choice >= len(now[1].options):
            total = len(self.state.questions) if self.state is not None else 0
            return QuizQuestionAction(now[0], total, now[1], again=True).run(repo)
        outcome = quiz.grade(self.state, self.position, self.choice)
        if outcome is None or self.state is None:  # pressed twice, restarted or finished
            return StaleButtonAction().run(repo)
        following = None if outcome.finished else self.state.questions[self.position + 1]
        after = (self.position + 1, following) if following is not None else None
        reply = QuizOutcomeAction(outcome, after).run(repo)
        return replace(reply, effects=(AnswerQuiz(self.position, outcome.right),))


@dataclass(frozen=True)
class ToggleAlertsAction(Action):
    """``/thongbao``: announcements on (keeping the chat to send them to) or off."""

    country: str
    subscribed: bool  # now, before the toggle
    chat_id: int | None  # None: this channel cannot receive announcements

    def run(self, repo: ContentRepository) -> Reply:
        if self.chat_id is None:
            return AlertsAction(self.country, None).run(repo)
        if self.subscribed:
            return replace(AlertsAction(self.country, False).run(repo), effects=(Unsubscribe(),))
        reply = AlertsAction(self.country, True).run(repo)
        return replace(reply, effects=(Subscribe(self.country, self.chat_id),))
