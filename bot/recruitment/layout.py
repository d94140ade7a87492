"""A tiny page description (headings, paragraphs, contacts, QR code) and its two renderers.

Flyers and emergency cards are described once as a list of blocks; ``render_png`` draws them with
Pillow (photo-gallery cards, flyer previews) and ``render_pdf`` with fpdf2 (printable A4 with real,
searchable text). Each line picks a font that can draw it: DejaVu Sans for Vietnamese, a CJK font
for Japanese/Korean/Chinese phrases, in the face of the page's language (``lang``).
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from bot.recruitment.fonts import FontFace, font_for

if TYPE_CHECKING:  # the drawing libraries are imported when a page is drawn: the conversation
    # imports this module (for /the) and the chat and ask start faster without loading them.
    from fpdf import FPDF
    from PIL import ImageDraw, ImageFont

RED = (178, 34, 34)
DARK = (33, 33, 33)
GREY = (110, 110, 110)


@dataclass(frozen=True)
class Heading:
    text: str
    size: int = 30
    color: tuple[int, int, int] = RED


@dataclass(frozen=True)
class Paragraph:
    text: str
    size: int = 16
    bold: bool = False
    color: tuple[int, int, int] = DARK


@dataclass(frozen=True)
class QrCode:
    data: str
    caption: str


@dataclass(frozen=True)
class Spacer:
    height: int = 10


Block = Heading | Paragraph | QrCode | Spacer


def drawn_text(blocks: Sequence[Block]) -> Iterator[tuple[str, bool]]:
    """Every piece of text the renderers draw, and whether it is bold."""
    for block in blocks:
        if isinstance(block, QrCode):
            yield block.caption, False
        elif isinstance(block, Heading):
            yield block.text, True
        elif isinstance(block, Paragraph):
            yield block.text, block.bold


# --- PNG (Pillow) -------------------------------------------------------------------------------


@cache
def _pil_font(face: FontFace, size: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    return ImageFont.truetype(str(face.path), size, index=face.index)


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    """Greedy word wrap; a word wider than the line (Japanese and Chinese have no spaces) is
    broken between characters, which is where those scripts break lines anyway."""
    lines: list[str] = []

    def fits(candidate: str) -> bool:
        return draw.textlength(candidate, font=font) <= width

    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if fits(candidate):
                line = candidate
                continue
            if line:
                lines.append(line)
            line = ""
            for unit in word:  # a word that fits alone ends up whole on the new line
                if line and not fits(line + unit):
                    lines.append(line)
                    line = ""
                line += unit
        lines.append(line)
    return lines


def render_png(
    blocks: Sequence[Block],
    width: int,
    scale: float = 2.0,
    margin: int = 40,
    lang: str | None = None,
) -> bytes:
    """Draw the blocks top to bottom on a white page of ``width`` pixels; returns PNG bytes.

    ``lang`` (``ja``, ``ko``, ``zh-Hant``) picks the glyph shapes of Japanese/Korean/Chinese text.
    """
    import segno
    from PIL import Image, ImageDraw

    canvas = Image.new("RGB", (width, 8000), "white")
    draw = ImageDraw.Draw(canvas)
    y = margin
    inner = width - 2 * margin
    for block in blocks:
        if isinstance(block, Spacer):
            y += int(block.height * scale)
        elif isinstance(block, QrCode):
            qr = segno.make(block.data, error="m")
            buffer = io.BytesIO()
            qr.save(buffer, kind="png", scale=max(4, int(inner * 0.45) // qr.symbol_size()[0]))
            image = Image.open(buffer).convert("RGB")
            canvas.paste(image, ((width - image.width) // 2, y))
            y += image.height + int(6 * scale)
            face = font_for(block.caption, False, lang)
            y = _draw_text(draw, block.caption, 14, face, GREY, y, margin, inner, scale, True)
        else:
            bold = isinstance(block, Heading) or (isinstance(block, Paragraph) and block.bold)
            face = font_for(block.text, bold, lang)
            y = _draw_text(draw, block.text, block.size, face, block.color, y, margin, inner, scale)
    page = canvas.crop((0, 0, width, y + margin))
    out = io.BytesIO()
    # zlib's fastest level, not ``optimize`` (its highest): a card file 10 % larger, drawn in a
    # fifth of the CPU (44 ms instead of 200, most of it compressing; Telegram re-encodes
    # photos anyway, and a flyer's size does not matter to a printer).
    page.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _draw_text(
    draw: ImageDraw.ImageDraw,
    text: str,
    size: int,
    face: FontFace,
    color: tuple[int, int, int],
    y: int,
    margin: int,
    inner: int,
    scale: float,
    centre: bool = False,
) -> int:
    font = _pil_font(face, int(size * scale))
    line_height = int(size * scale * 1.35)
    for line in _wrap(draw, text, font, inner):
        x = margin + (inner - int(draw.textlength(line, font=font))) // 2 if centre else margin
        draw.text((x, y), line, font=font, fill=color)
        y += line_height
    return y


# --- PDF (fpdf2) --------------------------------------------------------------------------------


def _pdf_font(pdf: FPDF, text: str, bold: bool, lang: str | None) -> str:
    """Select (registering on first use) the font that draws ``text``; returns its family."""
    face = font_for(text, bold, lang)
    if face.key not in pdf.fonts:
        pdf.add_font(face.key, "", str(face.path), collection_font_number=face.index)
    return face.key


def render_pdf(blocks: Sequence[Block], title: str, lang: str | None = None) -> bytes:
    """An A4 page (or more, when the text is long) with embedded fonts; returns PDF bytes."""
    import segno
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=14)
    pdf.add_page()
    for block in blocks:
        if isinstance(block, Spacer):
            pdf.ln(block.height * 0.5)
        elif isinstance(block, QrCode):
            qr = segno.make(block.data, error="m")
            buffer = io.BytesIO()
            qr.save(buffer, kind="png", scale=10)
            size = 70
            pdf.image(buffer, x=(pdf.w - size) / 2, w=size, h=size)
            pdf.set_font(_pdf_font(pdf, block.caption, False, lang), "", 10)
            pdf.set_text_color(*GREY)
            pdf.multi_cell(0, 5, block.caption, align="C")
        else:
            bold = isinstance(block, Heading) or (isinstance(block, Paragraph) and block.bold)
            pdf.set_font(_pdf_font(pdf, block.text, bold, lang), "", block.size * 0.75)
            pdf.set_text_color(*block.color)
            pdf.multi_cell(0, block.size * 0.75 * 0.5, block.text, align="L")
            pdf.ln(1)
    return bytes(pdf.output())
