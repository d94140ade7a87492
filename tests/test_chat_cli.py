"""``python -m bot chat``: the terminal chat driven through stdin (one real subprocess, then the
same loop in-process)."""

from __future__ import annotations

import io
from pathlib import Path

from bot.chat import chat_loop
from bot.conversation import open_conversation
from bot.settings import Settings
from tests.engine_support import FakeRasa, run_bot


async def test_chat_session(fake_rasa: FakeRasa, cli_env: dict[str, str]) -> None:
    fake_rasa.says("bảo hiểm y tế", "health_insurance")
    env = {**cli_env, "NLU_URL": fake_rasa.url}
    stdin = "bảo hiểm y tế\n1\n/sos\n/quit\nnever read\n"
    code, out, err = await run_bot(["chat", "--country", "jp"], env, stdin)
    assert code == 0, err
    assert "Đã chọn 🇯🇵 Nhật Bản." in out
    assert "[1] 📄 Xem thêm" in out
    assert "Hỏi công ty xem bạn đã có thẻ bảo hiểm chưa." in out  # the full answer (button 1)
    assert "Số điện thoại khẩn cấp" in out
    assert "never read" not in fake_rasa.received
    # the log goes to a file, not between the chat's lines
    assert "INFO" not in err and "INFO" not in out
    assert "content version" in (Path(cli_env["LOG_FILE"])).read_text(encoding="utf-8")


async def test_choosing_the_country_by_number_and_leaving_at_end_of_input(
    cli_settings: Settings,
) -> None:
    stdout = io.StringIO()
    async with open_conversation(cli_settings) as conversation:
        await chat_loop(conversation, io.StringIO("2\n\ncấp cứu\n"), stdout)
    out = stdout.getvalue()
    assert "Bạn đang làm việc ở nước nào?" in out
    assert "[2] 🇰🇷 Hàn Quốc" in out
    assert "Đã chọn 🇰🇷 Hàn Quốc." in out
    assert "Cảnh sát: gọi 112" in out  # the NLU is down: Korea's emergency numbers
