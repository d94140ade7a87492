"""The safety net's reply: the emergency numbers, for the user's country or for all three."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from actions.base import (
    EMERGENCY_ANSWER_ID,
    Action,
    answer_reply,
    country_buttons,
    emergency_line,
    menu_button,
)
from actions.countries import COUNTRY_CODES
from actions.reply import Reply, Rows
from bot.content.repository import ContentRepository
from bot.i18n import _

# The answer that follows up each kind of emergency, offered as a button under the numbers.
FOLLOW_UP_ANSWER = {"medical": "ambulance", "police": "police", "suicide": "mental-health-crisis"}


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

    name: ClassVar[str] = "show_emergency"
    country: str | None
    kind: str | None = None  # medical | police | suicide when the lexicon fired
    nlu_down: bool = False

    def run(self, repo: ContentRepository) -> Reply:
        intro = _intro(self.kind, self.nlu_down)
        answer = repo.answer(EMERGENCY_ANSWER_ID, self.country) if self.country else None
        if answer is not None:
            follow_up = FOLLOW_UP_ANSWER.get(self.kind or "")
            return answer_reply(
                repo,
                answer,
                intro=intro,
                kind="emergency",
                alternatives=(follow_up,) if follow_up else (),
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
