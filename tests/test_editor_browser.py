"""The console in a real browser: Debian's Chromium, headless, driven by Selenium.

An editor logs in, edits an answer, sees the inline error, fixes it, previews, saves and
publishes; then ``python -m bot ask`` (a separate process, as an editor would run it) shows the
new text. Every page is saved as a screenshot (``EDITOR_SCREENSHOTS`` or the test's folder).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import EDITOR_CHROMEDRIVER, FIXTURE_CONTENT
from tests.editor_support import free_port, wait_for

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "a long enough password"
NEW_SHORT = "Có thẻ bảo hiểm, bạn trả **30%** tiền khám; hỏi **quầy bảo hiểm** ở tòa thị chính."


@pytest.fixture
def console(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    if not EDITOR_CHROMEDRIVER.exists() or shutil.which("chromium") is None:
        pytest.skip("needs Debian's chromium and chromium-driver (scripts/install-chromium.sh)")
    shutil.copytree(FIXTURE_CONTENT, tmp_path / "content")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "CONTENT_DIR": str(tmp_path / "content"),
        "EDITOR_SECRET_KEY": "s" * 64,
        "NLU_URL": "http://127.0.0.1:9",  # no NLU: `ask` answers by search, quickly
        "PYTHONPATH": str(REPO),
    }
    subprocess.run(
        [sys.executable, "-m", "bot", "editor", "create-admin", "--username", "lan",
         "--password-stdin"],
        input=PASSWORD + "\n", text=True, env=env, check=True, cwd=REPO, capture_output=True,
    )  # fmt: skip
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "bot", "editor", "--port", str(port)],
        env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://localhost:{port}"
    try:
        wait_for(base, server)
        yield base, env
    finally:
        server.terminate()
        server.wait(10)


def test_edit_check_fix_preview_publish_and_ask(
    console: tuple[str, dict[str, str]], browser: object, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(browser, WebDriver)
    driver = browser
    base, env = console
    shots = Path(os.environ.get("EDITOR_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)

    def shot(name: str) -> None:
        driver.save_screenshot(str(shots / f"{name}.png"))

    def submit(button_id: str) -> None:
        """Click and wait for the next page (a lookup right after a click sees the old one).

        The old page is marked with a script variable; the next document has none. Asking
        chromedriver whether an old element is stale instead (``staleness_of``) can fail while
        the document is being replaced ("Node with given id does not belong to the document"),
        so every driver error during the wait counts as "not loaded yet".
        """
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.support.wait import WebDriverWait

        driver.execute_script("window.__leaving = true;")
        driver.find_element(By.ID, button_id).click()
        WebDriverWait(driver, 30, ignored_exceptions=(WebDriverException,)).until(
            lambda d: d.execute_script(
                "return !window.__leaving && document.readyState === 'complete';"
            )
        )

    driver.get(base + "/")
    assert "/login" in driver.current_url
    shot("01-login")
    driver.find_element(By.ID, "username").send_keys("lan")
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    submit("login")
    assert driver.find_element(By.CSS_SELECTOR, "table.coverage")
    shot("02-coverage")

    submit("cell-jp-health-insurance")
    short = driver.find_element(By.ID, "f-short")
    short.clear()
    short.send_keys("Gọi 0120-999-999 để hỏi về bảo hiểm.")
    submit("save")
    error = driver.find_element(By.ID, "problem-short-1")
    assert "0120-999-999" in error.text
    assert driver.find_element(By.ID, "form-message")
    shot("03-inline-error")

    short = driver.find_element(By.ID, "f-short")
    short.clear()
    short.send_keys(NEW_SHORT)
    submit("check")
    assert not driver.find_elements(By.ID, "problem-short-1")
    preview = driver.find_element(By.ID, "preview-short")
    assert "hỏi quầy bảo hiểm ở tòa thị chính" in preview.text
    bold = [b.text for b in preview.find_elements(By.TAG_NAME, "b")]
    assert bold[:3] == ["Bảo hiểm y tế ở Nhật", "30%", "quầy bảo hiểm"]  # title, **…**
    driver.execute_script("document.getElementById('preview').scrollIntoView()")
    shot("04-preview")
    submit("save")
    assert "Đã lưu" in driver.find_element(By.CLASS_NAME, "flash").text
    driver.execute_script("document.getElementById('diff').scrollIntoView()")
    shot("05-saved-diff")

    driver.get(base + "/publish")
    shot("06-publish")
    submit("publish")
    assert "Đã xuất bản phiên bản" in driver.find_element(By.CLASS_NAME, "flash").text
    _keep_questions(env["DATABASE_URL"])
    pages = (
        ("07-history", "/history"), ("08-contacts", "/file/contacts/jp.yml"),
        ("09-unanswered", "/unanswered"), ("10-feedback", "/feedback"), ("11-stale", "/stale"),
        ("12-accounts", "/accounts"), ("13-retrain", "/retrain"), ("14-audit", "/audit"),
    )  # fmt: skip
    for name, path in pages:
        driver.get(base + path)
        assert "Biên tập nội dung" in driver.title
        shot(name)
    assert "publish_published" in driver.page_source  # the audit page, last shown
    driver.get(base + "/unanswered")
    assert "×2 — làm sao để đổi công ty ạ" in driver.page_source
    driver.find_element(By.LINK_TEXT, "English").click()
    assert driver.find_element(By.TAG_NAME, "h1").text == "Questions the bot could not answer"
    driver.get(base + "/")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Topics × countries"
    shot("15-coverage-english")

    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--country", "jp", "bảo hiểm y tế"],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert "hỏi quầy bảo hiểm ở tòa thị chính" in result.stdout


def _keep_questions(database_url: str) -> None:
    """Questions the bot kept as unanswered (as the conversation stores them), for the page."""
    from datetime import date

    from bot.db import make_engine, make_session_factory
    from bot.users import keep_question

    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            for text, intent in (
                ("lam sao de doi cong ty", "labour_rights"),
                ("làm sao để đổi công ty ạ", "labour_rights"),
                ("xin visa cho vợ sang", "consular_help"),
            ):
                keep_question(session, text, intent, 0.3, "jp", date.today())
    finally:
        engine.dispose()
