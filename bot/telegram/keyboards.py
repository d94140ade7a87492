"""Telegram keyboards: the persistent "🆘 Khẩn cấp" button, the engine's buttons, group links.

The reply keyboard stays under the input field in every private chat so the emergency numbers
are always one tap away, whatever else is on screen; pressing it sends its label as text, which
``sos_labels()`` recognises in every interface language.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup
from telegram.constants import InlineKeyboardButtonLimit

from bot.conversation import Button
from bot.i18n import SUPPORTED_LOCALES, gettext, use_locale

logger = logging.getLogger(__name__)

SOS_LABEL = "🆘 Khẩn cấp"  # msgid; translated per locale


def sos_labels() -> frozenset[str]:
    """The SOS button's label in every supported locale (what arrives when it is pressed)."""
    labels = set()
    for locale in SUPPORTED_LOCALES:
        with use_locale(locale):
            labels.add(gettext(SOS_LABEL))
    return frozenset(labels)


def main_keyboard() -> ReplyKeyboardMarkup:
    """The persistent keyboard of private chats, in the current locale."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(gettext(SOS_LABEL))]],
        resize_keyboard=True,
        is_persistent=True,
        input_field_placeholder=gettext("Viết câu hỏi của bạn…"),
    )


def inline_keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    """The engine's buttons as an inline keyboard (``None`` when there are none).

    Telegram refuses the whole message if one button's data exceeds 64 bytes; such a button
    (an engine bug) is dropped and logged so the answer itself still arrives.
    """
    keyboard: list[list[InlineKeyboardButton]] = []
    for row in rows:
        buttons = []
        for button in row:
            if len(button.data.encode()) > InlineKeyboardButtonLimit.MAX_CALLBACK_DATA:
                logger.error(
                    "Dropped a button whose data is longer than 64 bytes: %r", button.data[:20]
                )
                continue
            buttons.append(InlineKeyboardButton(button.label, callback_data=button.data))
        if buttons:
            keyboard.append(buttons)
    return InlineKeyboardMarkup(keyboard) if keyboard else None


def private_chat_keyboard(bot_username: str) -> InlineKeyboardMarkup:
    """A single button that opens the private chat with the bot (used in group chats)."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    gettext("💬 Nhắn riêng cho trợ lý"), url=f"https://t.me/{bot_username}"
                )
            ]
        ]
    )
