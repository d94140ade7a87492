"""The safety net's reply: the emergency numbers, for the user's country or for all three."""

from __future__ import annotations

from dataclasses import dataclass, replace

from actions.base import (
    EMERGENCY_ANSWER_ID,
    Action,
    answer_reply,
    country_buttons,
    emergency_line,
    menu_button,
)
from actions.reply import Reply, Rows
from bot.content.repository import ContentRepository
from bot.i18n import _
from vietnlp.countries import COUNTRIES, COUNTRY_CODES

CRISIS_ANSWER_ID = "mental-health-crisis"
# The answer that follows up each kind of emergency, offered as a button under the numbers.
FOLLOW_UP_ANSWER = {"medical": "ambulance", "police": "police", "suicide": EMERGENCY_ANSWER_ID}
# Topics that are themselves the emergency answer: shown with the intro, without a banner.
EMERGENCY_TOPICS = frozenset(
    {EMERGENCY_ANSWER_ID, "ambulance", "police", "emergency-phrases", CRISIS_ANSWER_ID}
)


def crisis_lines(repo: ContentRepository, country: str) -> list[str]:
    """ "📞 name: number (hours, languages)" for each published crisis line of the country."""
    lines = []
    for contact in repo.contacts(country, kind="crisis"):
        if not contact.phones:
            continue
        details = [contact.hours] if contact.hours else []
        if "vi" in contact.languages:
            details.append(_("có tiếng Việt"))
        suffix = f" ({', '.join(details)})" if details else ""
        lines.append(f"📞 {contact.name}: {' / '.join(contact.phones)}{suffix}")
    return lines


def emergency_first(reply: Reply, repo: ContentRepository, country: str, kind: str | None) -> Reply:
    """The reply with the emergency numbers on top: one message, the most important first."""
    heading = "\n".join(
        part for part in (_intro(kind, False), emergency_line(repo, country)) if part
    )
    message = f"{heading}\n\n{reply.message}" if reply.message else heading
    return replace(reply, kind="emergency", message=message)


def crisis_first(reply: Reply, repo: ContentRepository, country: str | None) -> Reply:
    """The reply with the crisis lines on top (the country's, or every country's with its flag
    when the country is not known): one message, the lines first."""
    lines: list[str] = []
    for code in (country,) if country else COUNTRY_CODES:
        found = crisis_lines(repo, code) or [emergency_line(repo, code)]
        lines += found if country else [f"{COUNTRIES[code].flag} {line}" for line in found]
    heading = "\n".join([_intro("suicide", False), *lines])
    message = f"{heading}\n\n{reply.message}" if reply.message else heading
    return replace(reply, kind="emergency", message=message)


def _intro(kind: str | None, nlu_down: bool) -> str:
    if kind == "medical":
        return _("Nếu có người ốm nặng hoặc bị thương, hãy gọi cấp cứu ngay. Gọi miễn phí.")
    if kind == "police":
        return _("Nếu bạn đang gặp nguy hiểm, hãy đến chỗ an toàn và gọi cảnh sát ngay.")
    if kind == "suicide":
        return _(
            "Bạn không phải chịu đựng một mình. Nếu bạn đang nghĩ đến việc làm hại bản thân, "
            "hãy gọi ngay số bên dưới hoặc nhờ một người bạn tin tưởng ở bên cạnh."
        )
    if nlu_down:
        return _(
            "Mình đang bị trục trặc nên có thể chưa hiểu hết câu hỏi. "
            "Nếu bạn cần giúp gấp, đây là các số khẩn cấp:"
        )
    return ""


@dataclass(frozen=True)
class ShowEmergencyAction(Action):
    """Emergency numbers: the ``emergency-numbers`` answer, or every country's lines."""

    country: str | None
    kind: str | None = None  # medical | police | suicide when the lexicon fired
    nlu_down: bool = False
    also: tuple[str, ...] = ()  # other answers to offer as buttons (what else was asked)

    def run(self, repo: ContentRepository) -> Reply:
        if self.kind == "suicide":
            return self._crisis(repo)
        intro = _intro(self.kind, self.nlu_down)
        answer = repo.answer(EMERGENCY_ANSWER_ID, self.country) if self.country else None
        if answer is not None:
            follow_up = FOLLOW_UP_ANSWER.get(self.kind or "")
            return answer_reply(
                repo,
                answer,
                intro=intro,
                kind="emergency",
                alternatives=(*self.also, *((follow_up,) if follow_up else ())),
            )
        buttons: Rows
        if self.country:  # the answer is missing from the content: the numbers still go out
            lines = [emergency_line(repo, self.country)]
            buttons = ((menu_button(),),)
        else:
            lines = [emergency_line(repo, code) for code in COUNTRY_CODES]
            lines.append(_("Bạn đang ở nước nào? Chọn để xem đầy đủ:"))
            buttons = country_buttons(EMERGENCY_ANSWER_ID)
        heading = intro or _("Số điện thoại khẩn cấp:")
        return Reply(kind="emergency", message="\n".join([heading, *lines]), buttons=buttons)

    def _crisis(self, repo: ContentRepository) -> Reply:
        """Someone may hurt themselves: the crisis lines first, then the crisis answer."""
        intro = _intro("suicide", False)
        countries = (self.country,) if self.country else COUNTRY_CODES
        lines: list[str] = []
        for code in countries:
            found = crisis_lines(repo, code)
            if self.country is None and found:
                found = [f"{COUNTRIES[code].flag} {line}" for line in found]
            lines += found
        if self.country is None:
            lines += [emergency_line(repo, code) for code in COUNTRY_CODES]
            lines.append(_("Bạn đang ở nước nào? Chọn để xem đầy đủ:"))
            message = "\n".join([intro, *lines])
            return Reply(
                kind="emergency", message=message, buttons=country_buttons(CRISIS_ANSWER_ID)
            )
        message = "\n".join([intro, *lines])
        answer = repo.answer(CRISIS_ANSWER_ID, self.country) or repo.answer(
            EMERGENCY_ANSWER_ID, self.country
        )
        if answer is None:
            message += "\n" + emergency_line(repo, self.country)
            return Reply(kind="emergency", message=message, buttons=((menu_button(),),))
        return answer_reply(
            repo,
            answer,
            intro=message,
            kind="emergency",
            alternatives=(*self.also, EMERGENCY_ANSWER_ID),
        )
