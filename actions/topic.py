"""Answering from the handbook: by intent, by search, or the answer a button names."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from actions.base import Action, answer_reply, main_menu
from actions.menu import StaleButtonAction
from actions.reply import AnswerPart, Reply
from bot.content.repository import AnswerView, ContentRepository, Phrase, PhraseCard
from bot.i18n import _
from vietnlp.text import normalise

MAX_SEARCH_HITS = 4
# Answers whose phrase card is what the question asks for.
PHRASE_ANSWERS = frozenset({"doctor-phrases", "emergency-phrases"})


@dataclass(frozen=True)
class AnswerTopicAction(Action):
    """Intent → its answers (intents.yml); the words pick the best, the others become buttons."""

    intent: str
    text: str
    country: str
    confidence: float | None = None

    def run(self, repo: ContentRepository) -> Reply:
        ids = repo.published_for_intent(self.intent, self.country)
        if not ids:
            return OutOfScopeAction(self.text, self.country).run(repo)
        hits = repo.search(self.text, self.country, limit=1, among=ids) if self.text else []
        best_id = hits[0].id if hits else ids[0]
        best = repo.answer(best_id, self.country)
        assert best is not None  # ids were filtered to published answers above
        return answer_reply(
            repo,
            best,
            intro=phrases_asked(best, self.text),
            kind="emergency" if self.intent.startswith("emergency_") else "answer",
            alternatives=ids,
            intent=self.intent,
            confidence=self.confidence,
        )


# Words that say nothing about which sentence is wanted ("đau" folds like "đầu" and "đâu").
_PHRASE_STOPWORDS = frozenset(
    [
        "toi",
        "bi",
        "co",
        "the",
        "dang",
        "xin",
        "cho",
        "la",
        "nhu",
        "vay",
        "tu",
        "ngay",
        "truoc",
        "nay",
        "kia",
        "mot",
        "cai",
        "dau",
        "em",
        "anh",
        "chi",
        "minh",
        "tui",
        "ban",
        "noi",
        "voi",
        "bac",
        "si",
        "y",
        "ta",
        "nhan",
        "vien",
        "the",
        "nao",
        "sao",
        "gi",
        "tieng",
    ]
)
MAX_PHRASES = 2


def _generic_pair(pair: tuple[str, str]) -> bool:
    """ "toi bi", "co the": a pair of words that matches any sentence."""
    return any(word in _PHRASE_STOPWORDS and word != "dau" for word in pair)


def _phrase_words(text: str) -> tuple[set[str], set[tuple[str, str]]]:
    words = normalise(text).split()
    return set(words) - _PHRASE_STOPWORDS, set(pairwise(words))


def matching_phrases(card: PhraseCard, text: str) -> list[Phrase]:
    """The card's sentences that the message asks for ("nói với bác sĩ là em bị sốt" → "Tôi bị
    sốt."): sharing a word pair, or a meaningful word, with the message; best first."""
    words, pairs = _phrase_words(text)
    scored = []
    for position, item in enumerate(card.items):
        item_words, item_pairs = _phrase_words(item.vi)
        pair_hits = len({pair for pair in item_pairs & pairs if not _generic_pair(pair)})
        word_hits = len(item_words & words)
        if pair_hits or word_hits:
            scored.append((-(2 * pair_hits + word_hits), position, item))
    return [item for *_, item in sorted(scored)[:MAX_PHRASES]]


def phrases_asked(answer: AnswerView, text: str) -> str:
    """For a phrase-card answer: the sentence(s) the message asks for, at once, or ""."""
    if answer.phrases is None or answer.id not in PHRASE_ANSWERS or not text:
        return ""
    found = matching_phrases(answer.phrases, text)
    if not found:
        return ""
    lines = [_("Câu bạn cần, đưa cho người đối diện xem:")]
    lines += [f"• {phrase.vi}\n  {phrase.local}" for phrase in found]
    return "\n".join(lines)


@dataclass(frozen=True)
class ShowAnswerAction(Action):
    """The answer a button or menu names (short, full, or its phrase card)."""

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

    text: str
    country: str | None

    def run(self, repo: ContentRepository) -> Reply:
        topics = ", ".join(c.title for c in repo.chapters(self.country)) if self.country else ""
        message = _("Câu này mình chưa trả lời được.")
        if topics:
            message += "\n" + _("Mình có thể giúp về: {topics}.").format(topics=topics)
        message += "\n" + _("Bạn chọn trong menu, hoặc hỏi lại theo cách khác nhé.")
        return Reply(kind="menu", message=message, buttons=main_menu())
