"""The printable QR flyer a recruitment company hands out at pre-departure training.

One A4 PDF (real text, embedded fonts) and one PNG per company and country: the QR code of the
company's deep link, what the bot helps with, and that country's emergency numbers and Vietnamese
mission contacts from the published content, and the card's phrases in the local language for
the worker to show to people nearby.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.content.repository import ContentRepository
from bot.i18n import _, format_date
from bot.models.recruitment import Company
from bot.recruitment.card import phrase_blocks
from bot.recruitment.companies import deep_link
from bot.recruitment.layout import (
    DARK,
    GREY,
    Block,
    Heading,
    Paragraph,
    QrCode,
    Spacer,
    render_pdf,
    render_png,
)
from bot.recruitment.sheet import emergency_sheet
from bot.users import KEEP_QUESTIONS_DAYS

A4_WIDTH_PX = 1240  # A4 at 150 dpi


def helps_with() -> tuple[str, ...]:
    """What the bot is for, in the few lines a flyer has room for."""
    return (
        _("• Gọi số nào khi khẩn cấp; thẻ số khẩn cấp lưu trong điện thoại (/the)."),
        _("• Sổ tay sức khỏe: khám bệnh, bảo hiểm, sinh sản, mang thai, an toàn lao động."),
        _("• Đại sứ quán, lãnh sự quán, bảo hộ công dân; khi bị giữ giấy tờ, bị ép làm."),
        _("• Viết có dấu hay không dấu đều được."),
        _(
            "• Bot không lưu tin nhắn của bạn, trừ câu hỏi chưa trả lời được: đã xóa tên, số "
            "điện thoại và email, không gắn với bạn, tự xóa sau {days} ngày."
        ).format(days=KEEP_QUESTIONS_DAYS),
    )


def _unbroken(phone: str) -> str:
    """A phone number that line wrapping cannot split (no-break spaces)."""
    return phone.replace(" ", "\u00a0")


@dataclass(frozen=True)
class FlyerFiles:
    pdf: Path
    png: Path


def flyer_blocks(repo: ContentRepository, company: Company, country: str, bot: str) -> list[Block]:
    sheet = emergency_sheet(repo, country)
    link = deep_link(bot, company.code)
    blocks: list[Block] = [
        Heading(
            _("Trợ lý sức khỏe và an toàn cho người lao động Việt Nam tại {country}").format(
                country=sheet.country_name
            ),
            26,
        ),
        Paragraph(f"Telegram: @{bot}", 18, bold=True),
        Spacer(6),
        QrCode(link, _("Quét mã hoặc mở: {link}").format(link=link)),
        Spacer(6),
        *(Paragraph(line, 15) for line in helps_with()),
        Spacer(8),
        Heading(_("Số khẩn cấp ở {country}").format(country=sheet.country_name), 20, DARK),
    ]
    blocks += [
        Paragraph(f"{' / '.join(c.phones)} — {c.name}", 16, bold=True) for c in sheet.emergency
    ]
    blocks += phrase_blocks(sheet, size=21)
    if sheet.help_lines:
        blocks += [Spacer(6), Heading(_("Cơ quan Việt Nam và đường dây hỗ trợ"), 20, DARK)]
        blocks += [
            Paragraph(f"{c.name}: {' · '.join(map(_unbroken, c.phones))}", 14)
            for c in sheet.help_lines
        ]
    footer = _("Phát tại: {company}. Thông tin cập nhật ngày {date}.")
    blocks += [
        Spacer(8),
        Paragraph(
            footer.format(company=company.name, date=format_date(sheet.verified_on)), 11, color=GREY
        ),
    ]
    return blocks


def build_flyer(
    repo: ContentRepository, company: Company, country: str, bot: str, out_dir: Path
) -> FlyerFiles:
    """Write ``flyer-<code>-<country>.pdf`` and ``.png`` into ``out_dir``."""
    blocks = flyer_blocks(repo, company, country, bot)
    lang = emergency_sheet(repo, country).phrase_lang
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"flyer-{company.code}-{country}"
    files = FlyerFiles(stem.with_suffix(".pdf"), stem.with_suffix(".png"))
    files.pdf.write_bytes(render_pdf(blocks, title=f"{company.name} — @{bot}", lang=lang))
    files.png.write_bytes(render_png(blocks, A4_WIDTH_PX, scale=2.0, margin=70, lang=lang))
    return files
