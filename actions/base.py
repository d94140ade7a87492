"""The action interface, and the reply pieces several actions share (answer, menu, countries).

``answer_reply`` is the single place that turns an answer into a reply with its buttons, so an
answer looks the same whether it came from the NLU, a search, a menu or a button.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import replace

from actions.reply import AnswerPart, Button, Reply, Rows, Verb, button
from bot.content.repository import AnswerView, ContentRepository
from bot.i18n import _, country_name
from vietnlp.countries import COUNTRIES, COUNTRY_CODES

EMERGENCY_ANSWER_ID = "emergency-numbers"
MAX_TOPIC_BUTTONS = 5


class Action(ABC):
    """One thing the bot can do; ``run`` decides the reply from published content."""

    @abstractmethod
    def run(self, repo: ContentRepository) -> Reply:
        """Decide the reply (no side effects: changes are returned as ``Reply.effects``)."""


def menu_button() -> Button:
    return button(_("☰ Menu"), Verb.MENU)


def main_menu() -> Rows:
    """The main menu: SOS, handbook, consular help, card and quiz, country, language, privacy."""
    return (
        (button(_("🆘 Số khẩn cấp"), Verb.SOS), button(_("📖 Sổ tay sức khỏe"), Verb.HANDBOOK)),
        (button(_("🇻🇳 Đại sứ quán, bảo hộ công dân"), Verb.CONSULAR),),
        (button(_("🪪 Thẻ khẩn cấp"), Verb.CARD), button(_("📝 Kiểm tra nhanh"), Verb.QUIZ)),
        (button(_("🌏 Đổi quốc gia"), Verb.ASK_COUNTRY), button(_("🔤 Ngôn ngữ"), Verb.LANGUAGE)),
        (button(_("ℹ️ Giới thiệu và quyền riêng tư"), Verb.PRIVACY),),
    )


def country_buttons(then_answer: str | None = None) -> Rows:
    """One button per host country; pressing it may go on to show ``then_answer``."""
    extra = (then_answer,) if then_answer else ()
    return tuple(
        (button(f"{COUNTRIES[code].flag} {country_name(code)}", Verb.COUNTRY, code, *extra),)
        for code in COUNTRY_CODES
    )


def topic_buttons(
    repo: ContentRepository,
    country: str,
    answer_ids: Iterable[str],
    limit: int = MAX_TOPIC_BUTTONS,
) -> Rows:
    """A button per published answer (title as label), one per row, at most ``limit``."""
    rows: list[tuple[Button, ...]] = []
    for answer_id in dict.fromkeys(answer_ids):
        answer = repo.answer(answer_id, country)
        if answer is not None:
            rows.append((button(answer.title, Verb.ANSWER, answer.id),))
        if len(rows) == limit:
            break
    return tuple(rows)


def offer_answers(reply: Reply, repo: ContentRepository, answer_ids: Iterable[str]) -> Reply:
    """The reply with buttons for more answers, placed right under its first row."""
    assert reply.answer is not None
    shown = {b.data for row in reply.buttons for b in row}
    rows = [
        row
        for row in topic_buttons(repo, reply.answer.country, answer_ids)
        if row[0].data not in shown
    ]
    if not rows:
        return reply
    first, *rest = reply.buttons or ((),)
    return replace(reply, buttons=tuple(r for r in (first, *rows, *rest) if r))


def emergency_line(repo: ContentRepository, country: str) -> str:
    """A line like "🇯🇵 Nhật Bản: Cấp cứu 119 · Cảnh sát 110", from the published contacts."""
    contacts = repo.contacts(country, kind="emergency")
    standard = {f"{country}-ambulance", f"{country}-police"}
    chosen = [c for c in contacts if c.id in standard] or list(contacts)
    numbers = " · ".join(f"{c.name} {' / '.join(c.phones)}" for c in chosen if c.phones)
    return f"{COUNTRIES[country].flag} {country_name(country)}: {numbers}"


def answer_reply(
    repo: ContentRepository,
    answer: AnswerView,
    *,
    part: AnswerPart = "short",
    intro: str = "",
    kind: str = "answer",
    alternatives: Iterable[str] = (),
    intent: str | None = None,
    confidence: float | None = None,
) -> Reply:
    """An answer with its buttons: more, phrase card, other topics, 👍/👎, menu."""
    first_row: list[Button] = []
    if part == "short":
        first_row.append(button(_("📄 Xem thêm"), Verb.MORE, answer.id))
    if part == "phrases":
        first_row.append(button(_("↩️ Quay lại câu trả lời"), Verb.ANSWER, answer.id))
    elif answer.phrases is not None:
        first_row.append(button(_("🗣️ Câu nói đưa nhân viên xem"), Verb.PHRASES, answer.id))
    others = [a for a in (*alternatives, *answer.related) if a != answer.id]
    last_row: tuple[Button, ...] = (menu_button(),)
    if part != "phrases":
        last_row = (
            button("👍", Verb.HELPFUL, answer.id),
            button("👎", Verb.UNHELPFUL, answer.id),
            *last_row,
        )
    rows = (tuple(first_row), *topic_buttons(repo, answer.country, others), last_row)
    return Reply(
        kind="phrases" if part == "phrases" else kind,
        message=intro,
        answer=answer,
        part=part,
        buttons=tuple(row for row in rows if row),
        intent=intent,
        confidence=confidence,
    )
