"""Menus and housekeeping: main menu and help, handbook chapters, privacy, deleting data,
language, old buttons and message types the bot cannot read."""

from __future__ import annotations

from dataclasses import dataclass

from actions.base import Action, country_buttons, main_menu, menu_button, topic_buttons
from actions.reply import DeleteUserData, Reply, SetLocale, Verb, button
from bot.content.repository import ContentRepository
from bot.i18n import DEFAULT_LOCALE, _, use_locale
from bot.users import KEEP_QUESTIONS_DAYS

MAX_CHAPTER_TOPICS = 12


def capabilities() -> str:
    """What the bot can do, in two sentences (used by help and the welcome)."""
    return _(
        "Mình có thể: cho bạn số khẩn cấp (gõ /sos bất cứ lúc nào); trả lời câu hỏi về khám bệnh, "
        "bảo hiểm, bệnh truyền nhiễm, sức khỏe sinh sản, bạo lực, mua bán người, an toàn lao động, "
        "sức khỏe tinh thần và quyền lợi; cho bạn liên hệ Đại sứ quán.\n"
        "Bạn cứ gõ câu hỏi bằng tiếng Việt, có dấu hay không dấu đều được. "
        "Mình không thay thế bác sĩ hay luật sư."
    )


@dataclass(frozen=True)
class ShowHandbookAction(Action):
    """The handbook's chapters."""

    country: str

    def run(self, repo: ContentRepository) -> Reply:
        rows = tuple(
            (button(f"{chapter.icon} {chapter.title}", Verb.CHAPTER, chapter.id),)
            for chapter in repo.chapters(self.country)
        )
        return Reply(
            kind="menu",
            message=_("Sổ tay sức khỏe: chọn một chương."),
            buttons=(*rows, (menu_button(),)),
        )


@dataclass(frozen=True)
class ShowChapterAction(Action):
    """The topics of one handbook chapter."""

    chapter_id: str
    country: str

    def run(self, repo: ContentRepository) -> Reply:
        chapter = next((c for c in repo.chapters(self.country) if c.id == self.chapter_id), None)
        if chapter is None:
            return StaleButtonAction().run(repo)
        rows = topic_buttons(repo, self.country, chapter.answer_ids, limit=MAX_CHAPTER_TOPICS)
        back = (button(_("📖 Các chương"), Verb.HANDBOOK), menu_button())
        return Reply(kind="menu", message=f"{chapter.icon} {chapter.title}", buttons=(*rows, back))


@dataclass(frozen=True)
class PrivacyAction(Action):
    """About the bot and exactly what it stores, why, and for how long."""

    def run(self, repo: ContentRepository) -> Reply:
        message = "\n".join(
            [
                _("Giới thiệu và quyền riêng tư"),
                "",
                capabilities(),
                "",
                _("Mình lưu những gì:"),
                _(
                    "• Một mã ẩn danh thay cho tài khoản Telegram của bạn. Mình không lưu tên, "
                    "số điện thoại hay tên tài khoản."
                ),
                _("• Nước và ngôn ngữ bạn chọn, để trả lời đúng nước."),
                _(
                    "• Ngày bạn bắt đầu dùng và ngày dùng gần nhất, để biết có bao nhiêu người "
                    "dùng."
                ),
                _(
                    "• Mã của đường link đã đưa bạn đến đây (nếu có), để nơi giới thiệu biết có "
                    "bao nhiêu người dùng. Họ chỉ thấy số đếm (nhóm dưới 5 người thì không thấy), "
                    "không thấy bạn là ai hay bạn hỏi gì."
                ),
                _("• Số lượt 👍/👎 của từng câu trả lời, không ghi ai đã bấm."),
                _("• Số lần mỗi chủ đề được mở, theo tuần, không ghi ai đã mở."),
                _("• Bài /kiemtra bạn đang làm dở (xóa khi làm xong)."),
                _(
                    "• Nếu bạn bật /thongbao: mã cuộc trò chuyện Telegram để gửi thông báo. "
                    "Tắt /thongbao là mã đó bị xóa."
                ),
                _(
                    "• Mã số (không có nội dung) các tin nhắn gần đây trong 48 giờ, chỉ để lệnh "
                    "/an xóa được chúng khỏi điện thoại của bạn."
                ),
                _(
                    "• Câu hỏi mình chưa trả lời được, để cải thiện câu trả lời: đã xóa tên, số "
                    "điện thoại và email, không gắn với bạn, tự xóa sau {days} ngày."
                ).format(days=KEEP_QUESTIONS_DAYS),
                "",
                _(
                    "Ngoài những điều trên, mình không lưu tin nhắn của bạn. Lịch sử trò chuyện "
                    "vẫn nằm trong Telegram của bạn; bạn có thể xóa nó trong Telegram."
                ),
                _("Gõ /xoadulieu để xóa mọi dữ liệu mình lưu về bạn."),
            ]
        )
        buttons = ((button(_("🗑️ Xóa dữ liệu của tôi"), Verb.DELETE), menu_button()),)
        return Reply(kind="privacy", message=message, buttons=buttons)


@dataclass(frozen=True)
class DeleteDataAction(Action):
    """Delete everything about the user, after a confirmation button."""

    step: str = "ask"  # ask | yes | no

    def run(self, repo: ContentRepository) -> Reply:
        if self.step == "yes":
            return Reply(
                kind="text",
                message=_(
                    "Đã xóa mọi dữ liệu mình lưu về bạn. Nếu bạn nhắn tiếp, mình sẽ bắt đầu lại "
                    "từ đầu."
                ),
                effects=(DeleteUserData(),),
            )
        if self.step == "no":
            return Reply(kind="menu", message=_("Không xóa gì cả."), buttons=main_menu())
        return Reply(
            kind="text",
            message=_(
                "Xóa mọi dữ liệu mình lưu về bạn (nước, ngôn ngữ, ngày dùng)? "
                "Việc này không hoàn tác được."
            ),
            buttons=(
                (
                    button(_("🗑️ Có, xóa hết"), Verb.DELETE, "yes"),
                    button(_("Không"), Verb.DELETE, "no"),
                ),
            ),
        )


LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}  # each language's own name, never translated


@dataclass(frozen=True)
class LanguageAction(Action):
    """Choose the interface language (answers themselves are in Vietnamese)."""

    locale: str | None
    country: str | None

    def run(self, repo: ContentRepository) -> Reply:
        if self.locale not in LANGUAGES:
            rows = (tuple(button(name, Verb.LANGUAGE, code) for code, name in LANGUAGES.items()),)
            return Reply(kind="menu", message=_("Chọn ngôn ngữ:"), buttons=rows)
        with use_locale(self.locale):  # confirm in the language just chosen
            if self.country is None:
                message = _("Đã đổi ngôn ngữ. Bạn đang làm việc ở nước nào?")
                buttons = country_buttons()
            else:
                message = _("Đã đổi ngôn ngữ.")
                buttons = main_menu()
            if self.locale != DEFAULT_LOCALE:
                note = _(
                    "Menu và nút bấm sẽ theo ngôn ngữ này. Câu trả lời (sổ tay sức khỏe, "
                    "số điện thoại, địa chỉ) hiện chỉ có bằng tiếng Việt."
                )
                message = f"{message}\n{note}"
            return Reply(
                kind="menu", message=message, buttons=buttons, effects=(SetLocale(self.locale),)
            )


@dataclass(frozen=True)
class StaleButtonAction(Action):
    """A button from an older message (or content that has since changed)."""

    def run(self, repo: ContentRepository) -> Reply:
        return Reply(
            kind="menu",
            message=_("Xin lỗi, nút này đã cũ. Bạn chọn lại trong menu nhé."),
            buttons=main_menu(),
        )


@dataclass(frozen=True)
class UnsupportedAction(Action):
    """Stickers, photos, voice, locations…: say what the bot can read instead."""

    kind: str

    def run(self, repo: ContentRepository) -> Reply:
        if self.kind in {"voice", "audio", "video_note"}:
            first = _("Mình chưa nghe được tin nhắn thoại.")
        elif self.kind in {"photo", "video", "document", "animation"}:
            first = _("Mình chưa xem được ảnh, video hay tệp.")
        elif self.kind in {"location", "venue", "live_location"}:
            first = _("Mình không dùng và không lưu vị trí của bạn.")
        else:
            first = _("Mình chỉ hiểu tin nhắn chữ.")
        message = "\n".join(
            [
                first,
                _("Bạn gõ câu hỏi bằng chữ nhé, có dấu hay không dấu đều được."),
                _("Nếu khẩn cấp, bấm 🆘 Số khẩn cấp."),
            ]
        )
        return Reply(kind="text", message=message, buttons=main_menu())


@dataclass(frozen=True)
class DatabaseDownAction(Action):
    """Something that needs the database (quiz, announcements) while it is unavailable."""

    def run(self, repo: ContentRepository) -> Reply:
        message = "\n".join(
            [
                _("Việc này tạm thời chưa làm được. Bạn thử lại sau ít phút nhé."),
                _("Số khẩn cấp và sổ tay vẫn dùng được: bấm 🆘 Số khẩn cấp hoặc ☰ Menu."),
            ]
        )
        return Reply(kind="text", message=message, buttons=main_menu())
