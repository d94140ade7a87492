"""A fake Telegram Bot API server on 127.0.0.1 for the Telegram tests and the load benchmark.

Telegram's servers are the edge of our world, so this is the one place where the channel is faked:
the bot under test is the real python-telegram-bot ``Application`` pointed at this server with
``ApplicationBuilder().base_url(fake.base_url)``. The fake

* serves queued updates through ``getUpdates`` (long poll: waits up to ``timeout`` seconds for
  the next update) and can also POST them to a webhook set with ``setWebhook``;
* answers ``getMe``, ``sendMessage``, ``editMessageText``, ``editMessageReplyMarkup``,
  ``answerCallbackQuery``, ``deleteMessage(s)``, ``setMyCommands``, ``deleteWebhook``,
  ``setWebhook``, ``sendPhoto``, ``sendDocument``, ``getChat`` like Telegram does, including
  Telegram's checks that matter to us: HTML parse errors ("can't parse entities"), texts longer
  than 4096 characters after parsing, callback data longer than 64 bytes, deleting messages that
  do not exist;
* records every call (method, decoded parameters, arrival time) for assertions, and lets a test
  make the next call of a method fail (``fail_next``) or a user block the bot (``block``).

Use it in-process (``async with FakeBotApi() as fake``) — it binds a free port on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web

TOKEN = "123456:TEST-fake-token"
BOT_ID = 123456
BOT_USERNAME = "TroLyLaoDongBot"
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
REPLY_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})

# Parameters PTB sends JSON-encoded; everything else is a plain string (text, parse_mode, …).
JSON_PARAMETERS = frozenset({
    "chat_id", "message_id", "message_ids", "reply_markup", "commands", "offset", "limit",
    "timeout", "allowed_updates", "show_alert", "cache_time", "entities", "caption_entities",
    "link_preview_options", "reply_parameters", "disable_notification", "protect_content",
    "scope", "drop_pending_updates", "max_connections", "disable_web_page_preview",
    "reply_to_message_id", "allow_sending_without_reply", "message_thread_id",
})  # fmt: skip

# HTML tags Telegram accepts in parse_mode=HTML (https://core.telegram.org/bots/api#html-style).
ALLOWED_TAGS = frozenset({
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
    "tg-emoji", "code", "pre", "blockquote",
})  # fmt: skip
_HTML_TOKEN = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s[^<>]*)?)>"  # a tag
    r"|&(#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);"  # an entity
    r"|[<>&]"  # markup characters left unescaped: Telegram refuses the message
)


class ApiError(Exception):
    """An error answer of the Bot API (``{"ok": false, ...}``)."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


def utf16_length(text: str) -> int:
    """Telegram counts message length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(text: str) -> str:
    """The text Telegram would show, or ``ApiError`` as Telegram's "can't parse entities"."""
    plain: list[str] = []
    stack: list[str] = []
    position = 0
    for match in _HTML_TOKEN.finditer(text):
        plain.append(text[position : match.start()])
        position = match.end()
        closing, tag, _attributes, entity = match.groups()
        if entity is not None:
            plain.append({"lt": "<", "gt": ">", "amp": "&", "quot": '"'}.get(entity, "?"))
        elif tag is None:
            raise ApiError(
                400,
                f"Bad Request: can't parse entities: unescaped {match.group()!r} "
                f"at byte offset {match.start()}",
            )
        elif tag.lower() not in ALLOWED_TAGS:
            raise ApiError(
                400,
                f"Bad Request: can't parse entities: Unsupported start tag "
                f'"{tag}" at byte offset {match.start()}',
            )
        elif closing:
            if not stack or stack[-1] != tag.lower():
                expected = stack[-1] if stack else ""
                raise ApiError(
                    400,
                    f"Bad Request: can't parse entities: Unmatched end tag at "
                    f'byte offset {match.start()}, expected "</{expected}>"',
                )
            stack.pop()
        else:
            stack.append(tag.lower())
    plain.append(text[position:])
    if stack:
        raise ApiError(
            400,
            f"Bad Request: can't parse entities: Can't find end tag corresponding "
            f'to start tag "{stack[-1]}"',
        )
    return "".join(plain)


def command_entities(text: str) -> list[dict[str, Any]]:
    """The entities Telegram adds to a message: a bot command at the start, @mentions anywhere."""
    entities: list[dict[str, Any]] = []
    for match in re.finditer(r"(?:^/[A-Za-z0-9_]+(?:@\w+)?)|@\w{5,}", text):
        kind = "bot_command" if match.group().startswith("/") else "mention"
        entities.append(
            {
                "type": kind,
                "offset": utf16_length(text[: match.start()]),
                "length": utf16_length(match.group()),
            }
        )
    return entities


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    received_at: float  # time.perf_counter()
    error: str | None = None  # the description when the fake refused the call

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def reply_markup(self) -> dict[str, Any]:
        markup = self.params.get("reply_markup")
        return markup if isinstance(markup, dict) else {}

    def inline_buttons(self) -> list[dict[str, Any]]:
        return [b for row in self.reply_markup.get("inline_keyboard", []) for b in row]


@dataclass
class QueuedUpdate:
    update: dict[str, Any]
    queued_at: float


@dataclass
class FakeBotApi:
    """The fake server; see the module docstring."""

    token: str = TOKEN
    bot_username: str = BOT_USERNAME
    calls: list[Call] = field(default_factory=list)
    # (chat_id, message_id) -> message, for every message "in" a chat (the user's and the bot's)
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    chats: dict[int, dict[str, Any]] = field(default_factory=dict)
    webhook: dict[str, Any] | None = None
    commands: list[dict[str, Any]] = field(default_factory=list)
    queued_at: dict[int, float] = field(default_factory=dict)  # update_id -> perf_counter()
    delivered_at: dict[int, float] = field(default_factory=dict)  # first handed to the bot
    on_call: Callable[[Call], None] | None = None  # e.g. the benchmark's latency probe
    polls: int = 0  # getUpdates calls (not recorded in ``calls``: there are too many)

    def __post_init__(self) -> None:
        self._pending: list[QueuedUpdate] = []
        self._confirmed = 0
        self._update_ids = itertools.count(1000)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._callback_ids = itertools.count(1)
        self._failures: dict[str, list[ApiError]] = {}
        self._blocked: set[int] = set()
        self._changed = asyncio.Condition()
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port = 0

    # ----------------------------------------------------------------------- server lifecycle
    async def start(self) -> FakeBotApi:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def stop(self) -> None:
        self._closing = True
        await self._notify_now()  # end pending long polls now rather than at their timeout
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeBotApi:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def api_url(self) -> str:
        """What TELEGRAM_API_BASE_URL should be set to."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.api_url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.api_url}/file/bot"

    # ----------------------------------------------------------------------- test controls
    def fail_next(
        self,
        method: str,
        code: int = 500,
        description: str = "Internal Server Error",
        retry_after: int | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Make the next call of ``method`` (to ``chat_id``, if given) fail as Telegram would."""
        key = method.lower() if chat_id is None else f"{method.lower()}:{chat_id}"
        self._failures.setdefault(key, []).append(ApiError(code, description, retry_after))

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: sending to them fails with 403."""
        self._blocked.add(chat_id)

    def calls_to(self, method: str, chat_id: int | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method.lower() == method.lower() and (chat_id is None or c.chat_id == chat_id)
        ]

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Every sendMessage call (to one chat)."""
        return self.calls_to("sendMessage", chat_id)

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        return [c.text for c in self.sent(chat_id)]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until ``predicate()`` holds (checked after every call the bot makes)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    async def wait_for_calls(
        self, method: str, count: int, chat_id: int | None = None, timeout: float = 10.0
    ) -> list[Call]:
        """Wait until at least ``count`` calls of ``method`` (to ``chat_id``) were recorded."""
        await self.wait_for(lambda: len(self.calls_to(method, chat_id)) >= count, timeout)
        return self.calls_to(method, chat_id)

    def pending_updates(self) -> int:
        return len(self._pending)

    def errors(self) -> list[Call]:
        """Calls the fake refused (a parse error, a too long text, …) — none were expected."""
        return [c for c in self.calls if c.error is not None]

    async def quiet(self, seconds: float = 0.2, timeout: float = 10.0) -> None:
        """Wait until every queued update was fetched and the bot made no call for ``seconds``."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            count = len(self.calls)
            await asyncio.sleep(seconds)
            if count == len(self.calls) and not self._pending:
                return
        raise TimeoutError("the bot kept calling the API")

    async def exchange(
        self, queue: Callable[[], int], chat_id: int, timeout: float = 10.0
    ) -> list[Call]:
        """Queue an update (``queue()``), wait for the bot's answer to settle, and return the
        calls it made for ``chat_id`` meanwhile (its replies, edits, deletions …)."""
        before = len(self.calls)
        queue()
        await self.wait_for(
            lambda: any(
                c.chat_id == chat_id and c.method in REPLY_METHODS for c in self.calls[before:]
            ),
            timeout,
        )
        await self.quiet()
        return [c for c in self.calls[before:] if c.chat_id == chat_id]

    def last_buttons(self, chat_id: int) -> tuple[int, list[str]] | None:
        """The newest bot message in a chat that has callback buttons: (message id, data)."""
        # This chat's messages only (not a sort of every chat's, on every call: the benchmarks'
        # users ask this before each message, and the fake shares the cores with the bot).
        mine = [(key, m) for key, m in self.messages.items() if key[0] == chat_id]
        for (cid, mid), message in sorted(mine, reverse=True):
            buttons = [
                b["callback_data"]
                for row in message.get("reply_markup", {}).get("inline_keyboard", [])
                for b in row
                if "callback_data" in b
            ]
            if cid == chat_id and message["from"]["id"] == BOT_ID and buttons:
                return mid, buttons
        return None

    # ----------------------------------------------------------------------- building updates
    @staticmethod
    def user(user_id: int, language_code: str = "vi") -> dict[str, Any]:
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": f"Người dùng {user_id}",
            "language_code": language_code,
        }

    def chat(self, chat_id: int, chat_type: str = "private") -> dict[str, Any]:
        if chat_type == "private":
            chat = {"id": chat_id, "type": "private", "first_name": f"Người dùng {chat_id}"}
        else:
            chat = {"id": chat_id, "type": chat_type, "title": f"Nhóm {chat_id}"}
        self.chats[chat_id] = chat
        return chat

    def next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def message(
        self,
        user_id: int,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        **content: Any,
    ) -> dict[str, Any]:
        """A message from a user, stored in the chat so it can later be edited or deleted."""
        chat_id = user_id if chat_id is None else chat_id
        message = {
            "message_id": self.next_message_id(chat_id),
            "date": int(time.time()),
            "chat": self.chat(chat_id, chat_type),
            "from": self.user(user_id),
            **content,
        }
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def queue_update(self, update: dict[str, Any]) -> int:
        """Queue any update (an ``update_id`` is assigned unless given); returns the update_id."""
        update = dict(update)
        update.setdefault("update_id", next(self._update_ids))
        now = time.perf_counter()
        self.queued_at.setdefault(update["update_id"], now)
        self._pending.append(QueuedUpdate(update, now))
        self._notify()
        return int(update["update_id"])

    def queue_message(self, user_id: int, **kwargs: Any) -> int:
        return self.queue_update({"message": self.message(user_id, **kwargs)})

    def queue_text(self, user_id: int, text: str, **kwargs: Any) -> int:
        entities = command_entities(text)
        if entities:
            kwargs["entities"] = entities
        return self.queue_message(user_id, text=text, **kwargs)

    def queue_callback(
        self, user_id: int, data: str, message_id: int | None = None, chat_id: int | None = None
    ) -> int:
        """A button press on one of the bot's messages (the last one it sent, by default)."""
        chat_id = user_id if chat_id is None else chat_id
        if message_id is None:
            message_id = max(
                mid
                for (cid, mid), m in self.messages.items()
                if cid == chat_id and m["from"]["id"] == BOT_ID
            )
        message = self.messages.get((chat_id, message_id)) or {
            "message_id": message_id,
            "date": 0,
            "chat": self.chat(chat_id),
        }  # inaccessible
        return self.queue_update(
            {
                "callback_query": {
                    "id": str(next(self._callback_ids)),
                    "from": self.user(user_id),
                    "chat_instance": str(chat_id),
                    "data": data,
                    "message": message,
                }
            }
        )

    def queue_edit(self, user_id: int, message_id: int, text: str) -> int:
        """The user edited one of their messages."""
        original = self.messages[(user_id, message_id)]
        edited = {**original, "text": text, "edit_date": int(time.time())}
        self.messages[(user_id, message_id)] = edited
        return self.queue_update({"edited_message": edited})

    def deliver_webhook(
        self, update: dict[str, Any], secret: str | None = None
    ) -> asyncio.Task[int]:
        """POST an update to the webhook like Telegram does; the task gives the HTTP status."""
        assert self.webhook is not None, "setWebhook was not called"
        update = dict(update)
        update.setdefault("update_id", next(self._update_ids))
        self.queued_at.setdefault(update["update_id"], time.perf_counter())
        url, headers = self.webhook["url"], {}
        token = self.webhook.get("secret_token") if secret is None else secret
        if token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = token

        async def post() -> int:
            if self._session is None:
                self._session = aiohttp.ClientSession()
            async with self._session.post(url, json=update, headers=headers) as response:
                return response.status

        return asyncio.create_task(post())

    # ----------------------------------------------------------------------- request handling
    def _notify(self) -> None:
        """Wake waiters from synchronous code (queueing an update)."""
        task = asyncio.get_running_loop().create_task(self._notify_now())
        self._tasks.add(task)  # keep a reference until it ran
        task.add_done_callback(self._tasks.discard)

    async def _notify_now(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _decode(self, request: web.Request) -> dict[str, Any]:
        raw: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            body = await request.json()
            raw.update(body)
            return raw
        if request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    raw[key] = {"filename": value.filename, "size": len(value.file.read())}
                else:
                    raw[key] = value
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if key in JSON_PARAMETERS and isinstance(value, str):
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    params[key] = value
            elif isinstance(value, str) and value.startswith(("{", "[")):
                try:  # e.g. InputFile references and media descriptions
                    params[key] = json.loads(value)
                except ValueError:
                    params[key] = value
            else:
                params[key] = value
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params = await self._decode(request)
        call = Call(method, params, time.perf_counter())
        if method.lower() != "getupdates":
            self.calls.append(call)
            if self.on_call is not None:
                self.on_call(call)
        try:
            failures = self._failures.get(f"{method.lower()}:{params.get('chat_id')}")
            if not failures:
                failures = self._failures.get(method.lower())
            if failures:
                raise failures.pop(0)
            handler = getattr(self, f"_api_{method.lower()}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = await handler(params)
        except ApiError as error:
            call.error = error.description
            body: dict[str, Any] = {
                "ok": False,
                "error_code": error.code,
                "description": error.description,
            }
            if error.retry_after is not None:
                body["parameters"] = {"retry_after": error.retry_after}
            response = web.json_response(body, status=error.code)
        else:
            response = web.json_response({"ok": True, "result": result})
        if method.lower() != "getupdates":
            await self._notify_now()
        return response

    # ----------------------------------------------------------------------- Bot API methods
    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Trợ lý lao động",
            "username": self.bot_username,
        }

    def _chat_for(self, params: dict[str, Any]) -> int:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id not in self.chats:
            self.chat(chat_id)
        return chat_id

    def _existing(self, chat_id: int, message_id: Any, action: str) -> dict[str, Any]:
        message = self.messages.get((chat_id, message_id))
        if message is None:
            raise ApiError(400, f"Bad Request: message to {action} not found")
        return message

    @staticmethod
    def _check_markup(params: dict[str, Any]) -> None:
        markup = params.get("reply_markup")
        if not isinstance(markup, dict):
            return
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    @staticmethod
    def _checked_text(params: dict[str, Any], key: str = "text") -> str:
        text = str(params.get(key, ""))
        shown = parse_html(text) if params.get("parse_mode", "").upper() == "HTML" else text
        if key == "text" and not shown.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if key == "text" and utf16_length(shown) > MAX_TEXT_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        if key == "caption" and utf16_length(shown) > MAX_CAPTION_LENGTH:
            raise ApiError(400, "Bad Request: message caption is too long")
        return shown

    def _bot_message(self, chat_id: int, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self.next_message_id(chat_id),
            "date": int(time.time()),
            "chat": self.chats[chat_id],
            "from": self._bot_user(),
            **content,
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self.messages[(chat_id, message["message_id"])] = message
        return message

    async def _api_getme(self, params: dict[str, Any]) -> Any:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _api_getupdates(self, params: dict[str, Any]) -> Any:
        self.polls += 1
        await self._notify_now()  # someone may wait for the bot to start polling
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if offset:
            self._pending = [q for q in self._pending if q.update["update_id"] >= offset]
        if not self._pending and timeout > 0:
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._changed.wait_for(lambda: bool(self._pending) or self._closing),
                        timeout,
                    )
        if offset:  # a newly queued duplicate may carry an old id: Telegram would not resend it
            self._pending = [q for q in self._pending if q.update["update_id"] >= offset]
        batch = self._pending[:limit]
        now = time.perf_counter()
        for queued in batch:
            self.delivered_at.setdefault(queued.update["update_id"], now)
        return [q.update for q in batch]

    async def _api_sendmessage(self, params: dict[str, Any]) -> Any:
        chat_id = self._chat_for(params)
        self._check_markup(params)
        return self._bot_message(chat_id, params, text=self._checked_text(params))

    async def _api_editmessagetext(self, params: dict[str, Any]) -> Any:
        chat_id = self._chat_for(params)
        self._check_markup(params)
        message = self._existing(chat_id, params.get("message_id"), "edit")
        message["text"] = self._checked_text(params)
        if isinstance(params.get("reply_markup"), dict):
            message["reply_markup"] = params["reply_markup"]
        else:
            message.pop("reply_markup", None)
        return message

    async def _api_editmessagereplymarkup(self, params: dict[str, Any]) -> Any:
        chat_id = self._chat_for(params)
        self._check_markup(params)
        message = self._existing(chat_id, params.get("message_id"), "edit")
        if isinstance(params.get("reply_markup"), dict):
            message["reply_markup"] = params["reply_markup"]
        else:
            message.pop("reply_markup", None)
        return message

    async def _api_answercallbackquery(self, params: dict[str, Any]) -> Any:
        if not params.get("callback_query_id"):
            raise ApiError(400, "Bad Request: query is too old and response timeout expired")
        return True

    async def _api_deletemessage(self, params: dict[str, Any]) -> Any:
        chat_id = self._chat_for(params)
        self._existing(chat_id, params.get("message_id"), "delete")
        del self.messages[(chat_id, params["message_id"])]
        return True

    async def _api_deletemessages(self, params: dict[str, Any]) -> Any:
        chat_id = self._chat_for(params)
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise ApiError(400, "Bad Request: message_ids must contain 1-100 identifiers")
        for message_id in ids:  # missing messages are skipped, as documented by Telegram
            self.messages.pop((chat_id, message_id), None)
        return True

    async def _api_setmycommands(self, params: dict[str, Any]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: invalid commands")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")) or not (
                1 <= len(command.get("description", "")) <= 256
            ):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        self.commands = commands
        return True

    async def _api_getmycommands(self, params: dict[str, Any]) -> Any:
        return self.commands

    async def _api_deletewebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = None
        return True

    async def _api_setwebhook(self, params: dict[str, Any]) -> Any:
        if not str(params.get("url", "")).startswith(("http://127.0.0.1", "https://")):
            raise ApiError(400, "Bad Request: bad webhook: HTTPS url must be provided for webhook")
        self.webhook = {"url": params["url"], "secret_token": params.get("secret_token")}
        return True

    async def _api_getwebhookinfo(self, params: dict[str, Any]) -> Any:
        return {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }

    async def _api_sendphoto(self, params: dict[str, Any]) -> Any:
        chat_id = self._chat_for(params)
        self._checked_text(params, "caption")
        photo = [{"file_id": "photo-1", "file_unique_id": "p1", "width": 512, "height": 512}]
        return self._bot_message(chat_id, params, photo=photo, caption=params.get("caption"))

    async def _api_senddocument(self, params: dict[str, Any]) -> Any:
        chat_id = self._chat_for(params)
        self._checked_text(params, "caption")
        upload = params.get("document")
        name = upload.get("filename") if isinstance(upload, dict) else "document"
        document = {"file_id": "document-1", "file_unique_id": "d1", "file_name": name}
        return self._bot_message(chat_id, params, document=document, caption=params.get("caption"))

    async def _api_getchat(self, params: dict[str, Any]) -> Any:
        chat_id = params.get("chat_id")
        if chat_id not in self.chats:
            raise ApiError(400, "Bad Request: chat not found")
        return {**self.chats[chat_id], "accent_color_id": 0, "max_reaction_count": 11}

    async def _api_close(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_logout(self, params: dict[str, Any]) -> Any:
        return True


@asynccontextmanager
async def polling(application: Any) -> AsyncIterator[Any]:
    """Run a PTB ``Application`` with long polling the way ``run_polling`` does, inside a test's
    event loop: initialize, post_init, poll, …, shutdown, post_shutdown."""
    await application.initialize()
    if application.post_init:
        await application.post_init(application)
    await application.updater.start_polling(poll_interval=0.0, timeout=1)
    await application.start()
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


def bot_messages_in(fake: FakeBotApi, chat_id: int) -> list[int]:
    """Ids of the bot's messages still present in a chat."""
    return sorted(
        mid
        for (cid, mid), m in fake.messages.items()
        if cid == chat_id and m["from"]["id"] == BOT_ID
    )


def texts(calls: Iterable[Call]) -> str:
    """All texts of some calls joined (handy for ``in`` assertions)."""
    return "\n".join(c.text for c in calls)
