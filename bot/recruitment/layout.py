"""A tiny page description (headings, paragraphs, contacts, QR code) and its two renderers.

Flyers and emergency cards are described once as a list of blocks; ``render_png`` draws them with
Pillow (photo-gallery cards, flyer previews) and ``render_pdf`` with fpdf2 (printable A4 with real,
searchable text). Each line picks a font that can draw it: DejaVu Sans for Vietnamese, a CJK font
for Japanese/Korean/Chinese phrases.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import segno
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from bot.recruitment.fonts import cjk_font, latin_font, needs_cjk

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


# --- PNG (Pillow) -------------------------------------------------------------------------------


@cache
def _pil_font(size: int, bold: bool, cjk: bool) -> ImageFont.FreeTypeFont:
    path = cjk_font() if cjk else latin_font(bold)
    return ImageFont.truetype(str(path), size)


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    """Greedy word wrap (character wrap for CJK text, which has no spaces)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        units = list(paragraph) if needs_cjk(paragraph) else paragraph.split(" ")
        joiner = "" if needs_cjk(paragraph) else " "
        line = ""
        for unit in units:
            candidate = f"{line}{joiner}{unit}" if line else unit
            if draw.textlength(candidate, font=font) <= width or not line:
                line = candidate
            else:
                lines.append(line)
                line = unit
        lines.append(line)
    return lines


def render_png(blocks: Sequence[Block], width: int, scale: float = 2.0, margin: int = 40) -> bytes:
    """Draw the blocks top to bottom on a white page of ``width`` pixels; returns PNG bytes."""
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
            y = _draw_text(draw, block.caption, 14, False, GREY, y, margin, inner, scale, True)
        else:
            bold = isinstance(block, Heading) or (isinstance(block, Paragraph) and block.bold)
            y = _draw_text(draw, block.text, block.size, bold, block.color, y, margin, inner, scale)
    page = canvas.crop((0, 0, width, y + margin))
    out = io.BytesIO()
    page.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _draw_text(
    draw: ImageDraw.ImageDraw,
    text: str,
    size: int,
    bold: bool,
    color: tuple[int, int, int],
    y: int,
    margin: int,
    inner: int,
    scale: float,
    centre: bool = False,
) -> int:
    font = _pil_font(int(size * scale), bold, needs_cjk(text))
    line_height = int(size * scale * 1.35)
    for line in _wrap(draw, text, font, inner):
        x = margin + (inner - int(draw.textlength(line, font=font))) // 2 if centre else margin
        draw.text((x, y), line, font=font, fill=color)
        y += line_height
    return y


# --- PDF (fpdf2) --------------------------------------------------------------------------------


def render_pdf(blocks: Sequence[Block], title: str) -> bytes:
    """An A4 page (or more, when the text is long) with embedded fonts; returns PDF bytes."""
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=14)
    pdf.add_font("DejaVu", "", str(latin_font()))
    pdf.add_font("DejaVu", "B", str(latin_font(bold=True)))
    if any(needs_cjk(getattr(b, "text", "")) for b in blocks):
        pdf.add_font("CJK", "", str(cjk_font()))
        pdf.set_fallback_fonts(["CJK"])
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
            pdf.set_font("DejaVu", "", 10)
            pdf.set_text_color(*GREY)
            pdf.multi_cell(0, 5, block.caption, align="C")
        else:
            bold = isinstance(block, Heading) or (isinstance(block, Paragraph) and block.bold)
            pdf.set_font("DejaVu", "B" if bold else "", block.size * 0.75)
            pdf.set_text_color(*block.color)
            pdf.multi_cell(0, block.size * 0.75 * 0.5, block.text, align="L")
            pdf.ln(1)
    return bytes(pdf.output())
