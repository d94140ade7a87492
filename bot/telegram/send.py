"""Sending the engine's replies to Telegram: clean splitting of long HTML, keyboards, fallbacks.

Telegram refuses messages longer than 4096 characters. ``split_html`` cuts long HTML at the best
place it can find (paragraph, then line, then word; a hard cut only for a single enormous word),
never inside a tag or an ``&entity;``, closing the tags still open at the end of a part and opening
them again at the start of the next one, so every part is valid HTML on its own. Lengths are
counted in UTF-16 code units (Telegram's unit) over the HTML *including* tags, which is never less
than what Telegram counts after parsing — a part that fits here always fits there.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Sequence

from telegram import (
    Bot,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyKeyboardMarkup,
)
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest, Forbidden

from bot.conversation import OutMessage
from bot.telegram.keyboards import inline_keyboard

logger = logging.getLogger(__name__)

# A tag, an entity, or one character: the units a cut may fall between.
_TOKEN = re.compile(r"<[^<>]*>|&#?[0-9A-Za-z]+;|.", re.DOTALL)
_OPEN_TAG = re.compile(r"<([A-Za-z][A-Za-z0-9-]*)")
_CLOSE_TAG = re.compile(r"</([A-Za-z][A-Za-z0-9-]*)\s*>")
# Preferred cut points, best first: after a blank line, after a line, after a word.
_PARAGRAPH, _LINE, _WORD = 3, 2, 1
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

OpenTags = tuple[tuple[str, str], ...]  # (tag name, opening tag as written), outermost first


def utf16_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: most emoji count 2)."""
    return len(text.encode("utf-16-le")) // 2


def _after(tags: OpenTags, token: str) -> OpenTags:
    """The open tags after ``token``."""
    if token.startswith("</"):
        closing = _CLOSE_TAG.match(token)
        if closing and tags and tags[-1][0] == closing.group(1).lower():
            return tags[:-1]
        return tags
    opening = _OPEN_TAG.match(token) if token.startswith("<") else None
    if opening and not token.endswith("/>"):
        return (*tags, (opening.group(1).lower(), token))
    return tags


def _closing(tags: OpenTags) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(tags))


def _opening(tags: OpenTags) -> str:
    return "".join(raw for _, raw in tags)


def split_html(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Split Telegram HTML into parts of at most ``limit`` characters, each valid on its own.

    Blank parts are dropped, so an empty text gives an empty list.
    """
    if utf16_length(text) <= limit:
        return [text] if text.strip() else []
    tokens = _TOKEN.findall(text)
    sizes = [utf16_length(token) for token in tokens]
    parts: list[str] = []
    tags: OpenTags = ()
    start = 0
    while start < len(tokens):
        while parts and start < len(tokens) and tokens[start].isspace():
            start += 1  # the next part starts at its first word, not with the break
        prefix = _opening(tags)
        size = utf16_length(prefix)
        open_now = tags
        end = start
        cuts: dict[int, tuple[int, OpenTags]] = {}  # kind of cut -> the last such cut
        while end < len(tokens):
            after = _after(open_now, tokens[end])
            if size + sizes[end] + utf16_length(_closing(after)) > limit:
                break
            size += sizes[end]
            open_now = after
            end += 1
            # A nicer cut is only worth it if the part keeps at least half a message.
            if size >= limit // 2 and tokens[end - 1] in ("\n", " "):
                blank_line = tokens[end - 1] == "\n" and tokens[end - 2] == "\n"
                kind = _PARAGRAPH if blank_line else _LINE if tokens[end - 1] == "\n" else _WORD
                cuts[kind] = (end, open_now)
        if end == start:
            raise ValueError(f"a single tag or entity is longer than {limit} characters")
        if end < len(tokens) and cuts:
            end, open_now = cuts[max(cuts)]
        body = "".join(tokens[start:end]).rstrip()
        part = prefix + body + _closing(open_now)
        if html.unescape(re.sub(r"<[^<>]*>", "", part)).strip():
            parts.append(part)
        tags = open_now
        start = end
    return parts


def plain_as_html(text: str) -> str:
    """Plain text made safe for parse_mode HTML (the fallback when the HTML was refused)."""
    return html.escape(text, quote=False)


async def send_html(
    bot: Bot,
    chat_id: int,
    text: str,
    markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None,
    *,
    plain: str | None = None,
) -> list[Message]:
    """Send HTML, split if needed, with ``markup`` on the last part.

    If Telegram refuses the HTML (a renderer bug must not silence the bot), ``plain`` is sent
    instead, escaped.
    """
    parts = split_html(text)
    sent: list[Message] = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        try:
            sent.append(
                await bot.send_message(
                    chat_id,
                    part,
                    parse_mode=ParseMode.HTML,
                    link_preview_options=NO_PREVIEW,
                    reply_markup=markup if last else None,
                )
            )
        except BadRequest as error:
            if plain is None or "parse" not in error.message.lower():
                raise
            logger.error("Telegram refused our HTML (%s); sending the plain text", error.message)
            return sent + await send_html(bot, chat_id, plain_as_html(plain), markup)
    return sent


async def send_photo(
    bot: Bot,
    chat_id: int,
    reply: OutMessage,
    markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None,
) -> list[Message]:
    """A photo (the emergency card) with the text as its caption, or — when the text is longer
    than a caption may be — the photo, then the text carrying the keyboard."""
    assert reply.photo is not None
    if utf16_length(reply.html) <= MessageLimit.CAPTION_LENGTH:
        caption = reply.html if reply.html.strip() else None
        photo = await bot.send_photo(
            chat_id, reply.photo, caption=caption, parse_mode=ParseMode.HTML, reply_markup=markup
        )
        return [photo]
    photo = await bot.send_photo(chat_id, reply.photo)
    return [photo, *await send_html(bot, chat_id, reply.html, markup, plain=reply.plain)]


async def send_replies(
    bot: Bot,
    chat_id: int,
    replies: Sequence[OutMessage],
    reply_keyboard: ReplyKeyboardMarkup | None,
) -> list[int]:
    """Send the engine's messages in order; returns the ids of the messages sent.

    A message with buttons carries them as an inline keyboard; the others carry
    ``reply_keyboard`` (the persistent "🆘 Khẩn cấp" row in private chats). When the person has
    blocked the bot there is nobody to answer: that is logged, not raised.
    """
    ids: list[int] = []
    try:
        for reply in replies:
            markup = inline_keyboard(reply.buttons) or reply_keyboard
            if reply.photo is not None:
                sent = await send_photo(bot, chat_id, reply, markup)
            else:
                sent = await send_html(bot, chat_id, reply.html, markup, plain=reply.plain)
            ids += [message.message_id for message in sent]
    except Forbidden:
        logger.info("Cannot send to a chat: the bot was blocked or removed")
    return ids
