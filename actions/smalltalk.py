"""Small talk and feedback: hello, thanks, goodbye, 👍/👎 and "I want to give feedback"."""

from __future__ import annotations

from dataclasses import dataclass, replace

from actions.base import Action, country_buttons, main_menu, menu_button
from actions.reply import RecordSignup, Reply, Verb, Vote, button
from bot.content.repository import ContentRepository
from bot.i18n import _


@dataclass(frozen=True)
class GreetAction(Action):
    """Hello (and /start): introduce the bot; without a country yet, ask for it."""

    country: str | None
    payload: str | None = None  # a deep link's ``/start CODE``: counted for that company

    def run(self, repo: ContentRepository) -> Reply:
        reply = self._greeting()
        return replace(reply, effects=(RecordSignup(self.payload),)) if self.payload else reply

    def _greeting(self) -> Reply:
        if self.country is None:
            message = "\n\n".join(
                [
                    _(
                        "Xin chào! Mình là trợ lý cho người Việt đi làm ở Nhật Bản, Hàn Quốc và "
                        "Đài Loan: số khẩn cấp, sức khỏe, quyền lợi và bảo hộ công dân."
                    ),
                    _("Bạn đang làm việc ở nước nào?"),
                ]
            )
            # Bilingual on purpose: someone who cannot read Vietnamese must find it.
            language = (button("🔤 Language / Ngôn ngữ", Verb.LANGUAGE),)
            return Reply(kind="country", message=message, buttons=(*country_buttons(), language))
        return Reply(
            kind="menu",
            message=_("Xin chào! Mình có thể giúp gì cho bạn? Chọn bên dưới hoặc gõ câu hỏi."),
            buttons=main_menu(),
        )


@dataclass(frozen=True)
class ThanksAction(Action):
    """Thanks: you're welcome."""

    def run(self, repo: ContentRepository) -> Reply:
        return Reply(
            kind="text",
            message=_("Không có gì! Chúc bạn mạnh khỏe. Cần gì bạn cứ nhắn nhé."),
            buttons=((menu_button(),),),
        )


@dataclass(frozen=True)
class GoodbyeAction(Action):
    """Goodbye, and where the emergency numbers are."""

    def run(self, repo: ContentRepository) -> Reply:
        return Reply(
            kind="text",
            message=_("Tạm biệt, chúc bạn bình an! Khi cần, gõ /sos để xem số khẩn cấp."),
            buttons=((button(_("🆘 Số khẩn cấp"), Verb.SOS), menu_button()),),
        )


@dataclass(frozen=True)
class FeedbackAction(Action):
    """A 👍/👎 on an answer (counted, not linked to the user), or feedback typed as text."""

    answer_id: str | None = None
    country: str | None = None
    helpful: bool = True

    def run(self, repo: ContentRepository) -> Reply:
        if self.answer_id is None or self.country is None:
            return Reply(
                kind="text",
                message=_(
                    "Cảm ơn bạn đã góp ý! Dưới mỗi câu trả lời có nút 👍 và 👎: bạn bấm để cho "
                    "mình biết câu trả lời có giúp được không."
                ),
                buttons=((menu_button(),),),
            )
        vote = Vote(self.answer_id, self.country, self.helpful)
        if self.helpful:
            message = _("Cảm ơn bạn! Mình đã ghi nhận.")
        else:
            message = _(
                "Cảm ơn bạn đã cho biết. Mình sẽ cải thiện câu trả lời này. Bạn có thể hỏi lại "
                "theo cách khác hoặc chọn trong menu."
            )
        return Reply(kind="text", message=message, buttons=((menu_button(),),), effects=(vote,))
