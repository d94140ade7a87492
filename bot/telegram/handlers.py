"""Telegram update handlers: each turns one kind of update into a call of the conversation engine
and sends back what the engine returns. They are wired in one place, ``bot.telegram.app``.

Decisions, and why:

* **Every message in a private chat gets an answer.** Text goes to the engine; stickers, photos,
  voice, video, locations, contacts, documents, polls, dice… get the engine's "I can only read
  text" answer (``handle_unsupported(kind)``), except media with a caption: the caption is the
  question and is answered like text. Commands are those of the route table
  (``actions.routes``): ``/start`` and ``/an`` have handlers here, every other one goes to the
  engine, which answers unknown ones with the help. Service messages
  (pinned message, auto-delete timer changed) are not something the person said: no answer.
* **Edited messages are not re-read**, the answer to the first version stands and a short note
  says so — unless the new text contains emergency words: then it is handled like a new message,
  because a person who corrects "cứu" into a full sentence must get the numbers.
* **Group chats never carry personal questions.** In groups the bot answers only commands and
  messages that mention it or reply to it (Telegram's privacy mode delivers only those), with one
  short note and a button to the private chat; ``/sos`` also gets the emergency numbers there,
  because they are nobody's private data. Everything else in a group is ignored: answering every
  message would be spam, and a question about pregnancy or a broker must not be answered where
  colleagues read it.
* **Button presses** are acknowledged at once (the spinner stops even if the engine is slow), and
  the engine's replies arrive as new messages so earlier answers stay readable; outdated buttons
  are the engine's to explain.
* **An update delivered twice** (webhook retry, two processes) is answered once: its id is claimed
  in the database before anything else runs.
* **/an** (hide) deletes the bot's messages and the person's own messages of the last 48 hours in
  this chat (Telegram lets bots delete messages younger than 48 hours, and in private chats the
  person's messages too), plus the ``/an`` itself, for a phone an employer or broker may look at.
  Their ids are kept 48 hours for this purpose only (see ``bot.models.telegram``). The short
  confirmation deletes itself after a little while.
* **Errors** are logged by type and stack only — never the message text — and the person is told
  something went wrong, with the SOS button under the message.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import traceback
from collections.abc import Sequence

from telegram import Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.error import Forbidden, TelegramError
from telegram.ext import ApplicationHandlerStop

from actions.routes import button_route, find_command
from bot import metrics
from bot.conversation import LONG_TEXT_CHARS, OutMessage
from bot.i18n import gettext as _
from bot.safety import detect
from bot.telegram.context import Context
from bot.telegram.flood import Verdict
from bot.telegram.keyboards import main_keyboard, private_chat_keyboard, sos_labels
from bot.telegram.send import plain_as_html, send_html, send_replies

logger = logging.getLogger(__name__)

# Telegram's deleteMessages takes at most 100 ids per call.
DELETE_BATCH = 100
HIDE_CONFIRMATION_SECONDS = 20.0

# Message kinds the engine can name in its "I only read text" answer; the first present wins
# (a venue also has a location, an animation also has a document).
MESSAGE_KINDS = (
    "venue", "location", "animation", "sticker", "photo", "voice", "video_note", "video",
    "audio", "document", "contact", "poll", "dice", "story", "game", "invoice", "paid_media",
    "checklist",
)  # fmt: skip


def message_kind(message: Message) -> str:
    """What kind of non-text message this is (``"other"`` for kinds newer than this list)."""
    return next((kind for kind in MESSAGE_KINDS if getattr(message, kind, None)), "other")


def _user_key(update: Update, context: Context) -> str:
    user = update.effective_user
    if user is None:  # channel posts and anonymous admins: never routed here
        raise ValueError("update without a user")
    return context.bot_data.conversation.user_key_for(user.id)


def _chat_id(update: Update) -> int:
    chat = update.effective_chat
    if chat is not None:
        return chat.id
    if update.effective_user is None:
        raise ValueError("update without a chat or a user")
    return update.effective_user.id  # a private chat's id is the person's id


def _is_private(update: Update) -> bool:
    return update.effective_chat is None or update.effective_chat.type == ChatType.PRIVATE


async def note(context: Context, chat_id: int, text: str) -> list[int]:
    """A short plain-text message of the Telegram channel itself in a private chat, with the SOS
    keyboard, remembered for /an; returns its ids."""
    messages = await send_html(context.bot, chat_id, plain_as_html(text), main_keyboard())
    sent = [m.message_id for m in messages]
    await context.bot_data.records.remember_messages(chat_id, sent)
    return sent


async def reply(update: Update, context: Context, replies: Sequence[OutMessage]) -> None:
    """Send the engine's replies; in private chats remember them (and the question) for /an."""
    chat_id = _chat_id(update)
    private = _is_private(update)
    sent = await send_replies(context.bot, chat_id, replies, main_keyboard() if private else None)
    if private:
        incoming = [update.message.message_id] if update.message else []
        await context.bot_data.records.remember_messages(chat_id, sent + incoming)


# --------------------------------------------------------------------------- guards (run first)
async def is_emergency(update: Update, context: Context) -> bool:
    """Does this update ask for help: emergency words, ``/sos``, the 🆘 buttons?"""
    if update.callback_query is not None:
        return button_route(update.callback_query.data or "").urgent
    message = update.effective_message
    if message is None:
        return False
    words = message.text or message.caption or ""
    if words in sos_labels():
        return True
    command = _command_of(message, context.bot.username)
    found = find_command(command[0]) if command is not None else None
    if found is not None and found.urgent:
        return True
    lexicon = context.bot_data.repository.emergency_lexicon()
    if len(words) > LONG_TEXT_CHARS:  # milliseconds of work: not on the event loop
        return await asyncio.to_thread(detect, words, lexicon) is not None
    return detect(words, lexicon) is not None


async def flood_control(update: Update, context: Context) -> None:
    """Past the per-minute limit: one polite note, then quiet — emergencies always pass."""
    user, flood = update.effective_user, context.bot_data.flood
    if user is None or flood is None:
        return
    verdict = flood.check(user.id)
    if verdict is Verdict.OK or await is_emergency(update, context):
        return
    metrics.FLOOD_DROPPED.inc()
    if verdict is Verdict.WARN and _is_private(update):
        await note(
            context,
            _chat_id(update),
            _(
                "Bạn gửi nhanh quá, mình chưa kịp đọc hết. Bạn đợi khoảng một phút rồi gửi tiếp "
                "nhé. Nếu khẩn cấp, cứ bấm 🆘 Khẩn cấp: lúc nào cũng được trả lời ngay."
            ),
        )
    raise ApplicationHandlerStop


async def skip_duplicates(update: Update, context: Context) -> None:
    """Stop an update that was already handled (by this or another process)."""
    if not await context.bot_data.records.claim_update(update.update_id):
        logger.info("Update %d was delivered again; skipped", update.update_id)
        raise ApplicationHandlerStop


def _addresses_bot(message: Message, bot_id: int, username: str) -> bool:
    """A command for this bot, an @mention of it, or a reply to one of its messages."""
    replied_to = message.reply_to_message.from_user if message.reply_to_message else None
    if replied_to is not None and replied_to.id == bot_id:
        return True
    if _command_of(message, username) is not None:
        return True
    return any(
        (entity.type == MessageEntity.MENTION and text[1:].lower() == username.lower())
        or (entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot_id)
        for entity, text in message.parse_entities().items()
    )


def _command_of(message: Message, username: str) -> tuple[str, str] | None:
    """``/quocgia@TroLyLaoDongBot nhat`` → ``("quocgia", "nhat")``; None when the message is not
    a command, or a command for another bot (``/start@OtherBot`` in a group)."""
    text = message.text or ""
    if not text.startswith("/") or not any(
        e.type == MessageEntity.BOT_COMMAND and e.offset == 0 for e in message.entities
    ):
        return None
    first, *rest = text.split(maxsplit=1)
    name, _at, addressee = first[1:].partition("@")
    if addressee and addressee.lower() != username.lower():
        return None
    return name.lower(), rest[0].strip() if rest else ""


async def outside_private_chats(update: Update, context: Context) -> None:
    """Group chats, supergroups and channels (see the module docstring), then stop."""
    if _is_private(update):
        return
    if update.callback_query is not None:  # we send no callback buttons in groups; be polite
        await update.callback_query.answer(_("Hãy nhắn riêng cho trợ lý."), show_alert=True)
    message = update.message
    if (
        message is not None
        and update.effective_user is not None
        and _addresses_bot(message, context.bot.id, context.bot.username)
    ):
        command = _command_of(message, context.bot.username)
        found = find_command(command[0]) if command is not None else None
        if found is not None and found.name == "sos":
            replies = await context.bot_data.conversation.handle_command(
                _user_key(update, context), "sos", ""
            )
            # Without buttons: a press in a group would act for whoever pressed it.
            await reply(update, context, [dataclasses.replace(r, buttons=()) for r in replies])
        pointer = _(
            "Để giữ kín chuyện riêng của bạn, mình chỉ trả lời trong tin nhắn riêng. "
            "Bấm nút dưới đây để nhắn riêng cho mình."
        )
        keyboard = private_chat_keyboard(context.bot.username)
        await send_html(context.bot, message.chat_id, plain_as_html(pointer), keyboard)
    raise ApplicationHandlerStop


# --------------------------------------------------------------------------- private chats
async def start(update: Update, context: Context) -> None:
    """``/start`` and deep links ``t.me/<bot>?start=CODE`` (→ payload ``CODE``).

    A short first message installs the persistent SOS keyboard: the engine's greeting carries
    inline buttons, and a message can carry only one keyboard.
    """
    payload = " ".join(context.args or ()) or None
    conversation = context.bot_data.conversation
    replies = await conversation.start(_user_key(update, context), payload)
    await note(
        context,
        _chat_id(update),
        _("Nút 🆘 Khẩn cấp dưới ô nhập tin luôn ở đó: bấm vào là có ngay số khẩn cấp."),
    )
    await reply(update, context, replies)


async def command(update: Update, context: Context) -> None:
    """Every other command goes to the engine (``/sos``, ``/menu``, ``/quocgia nhat`` …), which
    knows their aliases and answers unknown ones with the help."""
    assert update.message is not None  # wired with filters.UpdateType.MESSAGE
    name, args = _command_of(update.message, context.bot.username) or ("help", "")
    conversation = context.bot_data.conversation
    key = _user_key(update, context)
    # The chat id is stored by the engine only if the person turns on announcements.
    replies = await conversation.handle_command(key, name, args, chat_id=_chat_id(update))
    await reply(update, context, replies)


async def sos_button(update: Update, context: Context) -> None:
    """The persistent "🆘 Khẩn cấp" button: same as ``/sos``."""
    conversation = context.bot_data.conversation
    await reply(
        update, context, await conversation.handle_command(_user_key(update, context), "sos", "")
    )


async def text(update: Update, context: Context) -> None:
    """A question in words."""
    assert update.message is not None and update.message.text is not None
    conversation = context.bot_data.conversation
    await reply(
        update,
        context,
        await conversation.handle_text(_user_key(update, context), update.message.text),
    )


async def other_message(update: Update, context: Context) -> None:
    """Media and everything else that is not text (a caption is answered as text)."""
    message = update.message
    assert message is not None
    conversation = context.bot_data.conversation
    key = _user_key(update, context)
    if message.caption and message.caption.strip():
        replies = await conversation.handle_text(key, message.caption)
    else:
        replies = await conversation.handle_unsupported(key, message_kind(message))
    await reply(update, context, replies)


async def edited_message(update: Update, context: Context) -> None:
    """An edit: re-read only when it contains emergency words (see the module docstring)."""
    message = update.edited_message
    assert message is not None
    new_text = message.text or message.caption or ""
    if detect(new_text, context.bot_data.repository.emergency_lexicon()) is not None:
        conversation = context.bot_data.conversation
        await reply(
            update, context, await conversation.handle_text(_user_key(update, context), new_text)
        )
        return
    await note(
        context,
        message.chat_id,
        _("Mình không đọc lại tin nhắn đã sửa. Bạn hãy gửi câu hỏi thành một tin nhắn mới nhé."),
    )


async def button(update: Update, context: Context) -> None:
    """An inline button press: acknowledge it, then let the engine answer."""
    query = update.callback_query
    assert query is not None
    try:
        await query.answer()
    except TelegramError as error:  # too old to acknowledge; still answer in the chat
        logger.info("Could not acknowledge a button press: %s", error.message)
    conversation = context.bot_data.conversation
    key = _user_key(update, context)
    replies = await conversation.handle_button(key, query.data or "")
    await reply(update, context, replies)


async def hide(update: Update, context: Context) -> None:
    """``/an``: delete this chat's recent messages from the phone (see the module docstring)."""
    message = update.message
    assert message is not None
    chat_id = message.chat_id
    records = context.bot_data.records
    ids = sorted({*await records.recent_messages(chat_id), message.message_id})
    for first in range(0, len(ids), DELETE_BATCH):
        batch = ids[first : first + DELETE_BATCH]
        try:
            await context.bot.delete_messages(chat_id, batch)
        except TelegramError as error:  # e.g. already deleted by the person: nothing to hide
            logger.info("Could not delete %d messages: %s", len(batch), error.message)
    await records.forget_messages(chat_id, ids)
    confirmation = await note(
        context,
        chat_id,
        _(
            "Đã xóa các tin nhắn gần đây (trong 48 giờ qua) của cuộc trò chuyện này. "
            "Tin cũ hơn thì Telegram không cho trợ lý xóa: bạn có thể tự xóa cả cuộc trò chuyện "
            "(giữ tay lên cuộc trò chuyện → Xóa). Tin này sẽ tự biến mất."
        ),
    )
    context.bot_data.run_in_background(_delete_later(context, chat_id, confirmation))


async def _delete_later(context: Context, chat_id: int, message_ids: list[int]) -> None:
    await asyncio.sleep(HIDE_CONFIRMATION_SECONDS)
    try:
        await context.bot.delete_messages(chat_id, message_ids)
    except TelegramError as error:
        logger.info("Could not delete the /an confirmation: %s", error.message)
    await context.bot_data.records.forget_messages(chat_id, message_ids)


# --------------------------------------------------------------------------- errors
async def on_error(update: object, context: Context) -> None:
    """The one error handler: log without personal data, tell the person, offer the SOS button."""
    error = context.error
    if isinstance(error, Forbidden):  # blocked by the person: nobody to tell
        logger.info("A chat is no longer reachable (%s)", type(error).__name__)
        return
    # Type and stack only: an exception's message may quote what the person wrote.
    stack = "".join(traceback.format_tb(error.__traceback__)) if error else ""
    logger.error("%s while handling an update\n%s", type(error).__name__, stack)
    if not isinstance(update, Update) or (
        update.effective_chat is None and update.effective_user is None
    ):
        return
    apology = _("Xin lỗi, mình vừa gặp lỗi nên chưa trả lời được. Bạn thử lại sau ít phút nhé.")
    try:
        if _is_private(update):  # the SOS button is under the input field of private chats
            danger = _("Nếu đang gặp nguy hiểm, hãy bấm nút 🆘 Khẩn cấp bên dưới.")
            await note(context, _chat_id(update), f"{apology} {danger}")
        else:
            await send_html(context.bot, _chat_id(update), plain_as_html(apology))
    except Exception as send_error:  # Telegram or the database may be what failed
        logger.warning("Could not tell the person about the error: %s", type(send_error).__name__)
