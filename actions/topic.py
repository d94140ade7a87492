"""Answering from the handbook: by intent, by search, or the answer a button names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from actions.base import Action, answer_reply, main_menu
from actions.menu import StaleButtonAction
from actions.reply import AnswerPart, Reply
from bot.content.repository import ContentRepository
from bot.i18n import _

MAX_SEARCH_HITS = 4


@dataclass(frozen=True)
class AnswerTopicAction(Action):
    """Intent → its answers (intents.yml); the words pick the best, the others become buttons."""

    name: ClassVar[str] = "answer_topic"
    intent: str
    text: str
    country: str
    confidence: float | None = None

    def run(self, repo: ContentRepository) -> Reply:
        ids = [i for i in repo.answer_ids_for_intent(self.intent) if repo.answer(i, self.country)]
        if not ids:
            return OutOfScopeAction(self.text, self.country).run(repo)
        hits = repo.search(self.text, self.country, limit=1, among=ids) if self.text else []
        best_id = hits[0].id if hits else ids[0]
        best = repo.answer(best_id, self.country)
        assert best is not None  # ids were filtered to published answers above
        return answer_reply(
            repo,
            best,
            kind="emergency" if self.intent.startswith("emergency_") else "answer",
            alternatives=ids,
            intent=self.intent,
            confidence=self.confidence,
        )


@dataclass(frozen=True)
class ShowAnswerAction(Action):
    """The answer a button or menu names (short, full, or its phrase card)."""

    name: ClassVar[str] = "show_answer"
    answer_id: str
    country: str
    part: AnswerPart = "short"

    def run(self, repo: ContentRepository) -> Reply:
        answer = repo.answer(self.answer_id, self.country)
        if answer is None or (self.part == "phrases" and answer.phrases is None):
            return StaleButtonAction().run(repo)
        return answer_reply(repo, answer, part=self.part)


@dataclass(frozen=True)
class SearchAction(Action):
    """Without the NLU: the published answers whose words best match the question."""

    name: ClassVar[str] = "search"
    text: str
    country: str

    def run(self, repo: ContentRepository) -> Reply:
        hits = repo.search(self.text, self.country, limit=MAX_SEARCH_HITS)
        if not hits:
            return Reply(
                kind="menu",
                message=_("Mình chưa tìm thấy mục nào khớp với câu hỏi. Bạn chọn trong menu nhé."),
                buttons=main_menu(),
            )
        return answer_reply(
            repo,
            hits[0],
            intro=_("Đây là mục gần nhất với câu hỏi của bạn:"),
            alternatives=[hit.id for hit in hits[1:]],
        )


@dataclass(frozen=True)
class OutOfScopeAction(Action):
    """A question outside the handbook (or without content yet): say what the bot can help with."""

    name: ClassVar[str] = "out_of_scope"
    text: str
    country: str | None

    def run(self, repo: ContentRepository) -> Reply:
        topics = ", ".join(c.title for c in repo.chapters(self.country)) if self.country else ""
        message = _("Câu này mình chưa trả lời được.")
        if topics:
            message += "\n" + _("Mình có thể giúp về: {topics}.").format(topics=topics)
        message += "\n" + _("Bạn chọn trong menu, hoặc hỏi lại theo cách khác nhé.")
        return Reply(kind="menu", message=message, buttons=main_menu())
