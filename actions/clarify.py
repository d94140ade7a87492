"""Low confidence: "Ý bạn là…?" with the likeliest topics, and the emergency line just in case."""

from __future__ import annotations

from dataclasses import dataclass

from actions.base import Action, emergency_line, main_menu, menu_button, topic_buttons
from actions.emergency import crisis_lines
from actions.reply import Reply
from bot.content.repository import ContentRepository
from bot.i18n import _

RANKED_TOPICS = 3  # from the NLU's ranking
SEARCHED_TOPICS = 2  # from the words of the question, when the ranking has fewer
SUGGESTIONS = 3  # "Ý bạn là…?" offers three: more is a menu, not a question


@dataclass(frozen=True)
class ClarifyAction(Action):
    """Offer the top topics from the NLU ranking plus search as buttons."""

    text: str
    country: str
    ranking: tuple[tuple[str, float], ...] = ()
    intent: str | None = None
    confidence: float | None = None

    def ranked(self, repo: ContentRepository) -> list[str]:
        """The first published answer of each of the top-ranked intents (small talk has none)."""
        ids: list[str] = []
        for intent, _confidence in self.ranking:
            published = repo.published_for_intent(intent, self.country)
            if published:
                ids.append(published[0])
            if len(ids) == RANKED_TOPICS:
                break
        return ids

    def candidates(self, repo: ContentRepository) -> list[str]:
        """Answer ids to offer: the ranked answers, then search hits."""
        ids = self.ranked(repo)
        ids += [hit.id for hit in repo.search(self.text, self.country, limit=SEARCHED_TOPICS)]
        return list(dict.fromkeys(ids))[:SUGGESTIONS]

    def run(self, repo: ContentRepository) -> Reply:
        rows = topic_buttons(repo, self.country, self.candidates(repo))
        if rows:
            first = _("Ý bạn là…?")
            buttons = (*rows, (menu_button(),))
        else:
            first = _(
                "Mình chưa hiểu rõ câu hỏi. Bạn thử viết lại ngắn hơn, hoặc chọn trong menu nhé."
            )
            buttons = main_menu()
        safety = [_("Nếu khẩn cấp:"), emergency_line(repo, self.country)]
        crisis = crisis_lines(repo, self.country)
        if crisis:  # unsure what was meant: a cry for help must not be missed either
            safety += [_("Nếu bạn đang quá buồn hoặc nghĩ đến chuyện làm hại bản thân:"), *crisis]
        message = "\n\n".join([first, "\n".join(safety)])
        return Reply(
            kind="clarify",
            message=message,
            buttons=buttons,
            intent=self.intent,
            confidence=self.confidence,
        )
