"""Runtime settings, read once from the environment (and a local ``.env`` file).

pydantic-settings is used instead of hand-parsing ``os.environ``: it validates types, reads
``.env`` for local development and keeps secrets in ``SecretStr`` so they never end up in logs.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = REPO_ROOT / "var"
# A keyed hash is only as strong as its key: with a short one, every pseudonymous id can be
# reversed by trying Telegram ids (they are small numbers) against guessed keys.
MIN_PSEUDONYM_KEY_CHARS = 32


class Settings(BaseSettings):
    """Everything that differs between a laptop, CI and production."""

    # Empty values (as in .env.example) mean "use the default", not "an empty string".
    model_config = SettingsConfigDict(
        env_file=REPO_ROOT / ".env", extra="ignore", env_ignore_empty=True
    )

    # Telegram
    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str | None = None  # self-hosted Bot API server, or the fake one in tests
    telegram_webhook_url: str | None = None  # public URL; set it to use webhook mode
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = 8443
    # With several workers behind one URL, one registering the webhook is enough (all may).
    telegram_webhook_register: bool = True
    telegram_webhook_max_connections: int = 40
    # HTTP connections to the Bot API for sending. httpcore looks at every pooled connection on
    # every request and response (a system call or two for each idle one): a pool sized for
    # the traffic, not for the worst burst. 8 carry 40 calls a second at 200 ms each, well over
    # a worker's share of Telegram's ~30 messages/s; more calls wait for a free connection.
    telegram_connections: int = 8
    # Telegram's limit is about 30 messages a second for the whole bot: with N workers, 30 / N.
    telegram_messages_per_second: float = 30.0
    bot_username: str = "TroLyLaoDongBot"  # for deep links t.me/<bot>?start=<code>

    # Storage
    database_url: str = f"sqlite:///{VAR_DIR / 'bot.db'}"
    content_dir: Path = REPO_ROOT / "content"
    # Keyed hash for pseudonymous user ids; generated into var/ for local use when unset.
    pseudonym_key: SecretStr | None = None
    # An answer never waits longer than this for the database: past it, it is decided from
    # memory and the writes are queued (emergency numbers never wait for the database at all).
    db_deadline_seconds: float = 1.5
    db_read_seconds: float = 0.25  # reading a person's country before an emergency answer

    # NLU (Rasa HTTP API on loopback)
    nlu_url: str | None = None  # when unset, chat/ask/telegram start the local server themselves
    nlu_token: SecretStr | None = None
    nlu_port: int = 5005
    nlu_timeout_seconds: float = 2.0
    # Connections to the NLU per process: a Rasa server parses one message at a time, so a few
    # per worker keep two servers busy; more only queue there (and cost the bot CPU: httpcore
    # scans every pooled connection for every request).
    nlu_connections: int = 4
    # Below this the bot asks "Ý bạn là…?" (chosen on the realistic set's sweep, docs/nlu.md).
    nlu_confidence_threshold: float = 0.40
    rasa_venv: Path = REPO_ROOT / ".venv-rasa"
    nlu_model_dir: Path = REPO_ROOT / "models"
    # Where `nlu serve` says which URL and token it listens on, for chat/ask to reuse it.
    nlu_server_file: Path = VAR_DIR / "nlu-server.json"

    default_locale: str = "vi"
    # The terminal chat and `ask` log here; only warnings go to the screen, beside the chat.
    log_file: Path = VAR_DIR / "bot.log"

    # Editors' console (``python -m bot editor``)
    editor_host: str = "127.0.0.1"  # behind a reverse proxy (TLS) in production
    editor_port: int = 8088
    # Signs the session cookies; generated into var/ for local use when unset.
    editor_secret_key: SecretStr | None = None
    # Secure cookies are only sent over HTTPS (and to localhost); false only for plain-HTTP tests.
    editor_cookie_secure: bool = True
    editor_examples_file: Path = REPO_ROOT / "nlu_data" / "data" / "editor_examples.yml"

    @field_validator("pseudonym_key")
    @classmethod
    def _key_long_enough(cls, key: SecretStr | None) -> SecretStr | None:
        if key is not None and len(key.get_secret_value()) < MIN_PSEUDONYM_KEY_CHARS:
            raise ValueError(
                f"PSEUDONYM_KEY must be at least {MIN_PSEUDONYM_KEY_CHARS} characters "
                "(make one with: openssl rand -hex 32)"
            )
        return key

    # Bot workers deliver queued announcements themselves (several at once: each row is claimed
    # by one), each at this pace; workers × pace must stay under Telegram's ~30 messages/s.
    deliver_alerts: bool = False
    alerts_per_second: float = 25.0

    # Health, readiness and Prometheus metrics (off when no port is set).
    health_listen: str = "127.0.0.1"
    health_port: int | None = None

    # Past this many messages a minute a person is asked to slow down (emergencies always pass).
    flood_messages_per_minute: int = 30


def telegram_api_urls(settings: Settings) -> tuple[str, str]:
    """Bot API base URL and file URL (Telegram's, or TELEGRAM_API_BASE_URL's)."""
    base = (settings.telegram_api_base_url or "https://api.telegram.org").rstrip("/")
    return f"{base}/bot", f"{base}/file/bot"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once; tests build their own ``Settings``)."""
    return Settings()
