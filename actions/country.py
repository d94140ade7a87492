"""Which country the user works in: choosing it, and asking for it when an answer depends on it."""

from __future__ import annotations

from dataclasses import dataclass

from actions.base import Action, country_buttons, emergency_line, main_menu
from actions.menu import capabilities
from actions.reply import Reply, SetCountry
from actions.topic import ShowAnswerAction
from bot.content.repository import ContentRepository
from bot.i18n import _, country_name
from bot.users import KEEP_QUESTIONS_DAYS
from vietnlp.countries import COUNTRIES, COUNTRY_CODES


def privacy_summary() -> str:
    """The one-paragraph version of /privacy shown when someone starts."""
    return _(
        "Mình lưu nước, ngôn ngữ bạn chọn và ngày dùng dưới một mã ẩn danh, không lưu tên hay số "
        "điện thoại của bạn. Mình không lưu tin nhắn của bạn, trừ câu hỏi chưa trả lời được: đã "
        "xóa tên, số điện thoại và email, không gắn với bạn, tự xóa sau {days} ngày. Xem "
        "/privacy, xóa hết bằng /xoadulieu."
    ).format(days=KEEP_QUESTIONS_DAYS)


@dataclass(frozen=True)
class ChooseCountryAction(Action):
    """Set the country (from a button, /quocgia or the NLU's entity), or ask for it."""

    country: str | None  # jp | kr | tw, None to ask
    first_time: bool = False  # completes onboarding: welcome instead of a short confirmation
    then_answer: str | None = None  # what the user wanted before being asked

    def run(self, repo: ContentRepository) -> Reply:
        if self.country is None:
            return Reply(
                kind="country",
                message=_("Bạn đang làm việc ở nước nào?"),
                buttons=country_buttons(self.then_answer),
            )
        chosen = f"{COUNTRIES[self.country].flag} {country_name(self.country)}"
        if self.first_time:
            message = "\n\n".join(
                [_("Đã chọn {country}.").format(country=chosen), capabilities(), privacy_summary()]
            )
        else:
            message = _("Đã chuyển sang {country}.").format(country=chosen)
        follow = (
            (ShowAnswerAction(self.then_answer, self.country).run(repo),)
            if self.then_answer
            else ()
        )
        return Reply(
            kind="country",
            message=message,
            buttons=() if follow else main_menu(),
            effects=(SetCountry(self.country),),
            then=follow,
        )


@dataclass(frozen=True)
class NoCountryAction(Action):
    """The answer depends on the country: ask for it, with every country's emergency lines."""

    then_answer: str | None = None

    def run(self, repo: ContentRepository) -> Reply:
        lines = [
            _("Để trả lời đúng, mình cần biết bạn đang làm việc ở nước nào."),
            "",
            _("Nếu khẩn cấp:"),
            *(emergency_line(repo, code) for code in COUNTRY_CODES),
        ]
        return Reply(
            kind="country", message="\n".join(lines), buttons=country_buttons(self.then_answer)
        )
