"""Settings come from the environment and ``.env``; secrets never show up in logs."""

from __future__ import annotations

import pytest

from bot.settings import REPO_ROOT, Settings


def test_the_example_env_file_gives_a_working_local_setup() -> None:
    settings = Settings(_env_file=REPO_ROOT / ".env.example")  # type: ignore[call-arg]
    assert settings.telegram_bot_token is None  # empty values mean "not set"
    assert settings.database_url.startswith("sqlite:///")
    assert settings.nlu_url is None


def test_secrets_are_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:very-secret")
    monkeypatch.setenv("PSEUDONYM_KEY", "also-secret-0123456789abcdef-0123456789")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == "123:very-secret"
    assert "very-secret" not in repr(
        settings
    ) and "also-secret-0123456789abcdef-0123456789" not in str(settings)
