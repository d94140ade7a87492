"""End-to-end: an unanswered question becomes a training example, the NLU retrains in the
background (train → quality gate → switch) and the bot then answers the question.

Runs on a private copy of the code, training data and content (so the repository's
``nlu_data/`` is never touched), with the project's Rasa environment. Slow: one real training
and one run of the quality gate (a few minutes of CPU).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from bot.settings import Settings
from tests.editor_support import free_port, wait_for

REPO = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.e2e, pytest.mark.nlu]

QUESTION = "ông chủ cất giữ thẻ ngoại kiều của em không chịu trả"
TOPIC = "passport_held"  # the intent of the topic passport-held
PASSWORD = "a long enough password"


def test_an_unanswered_question_is_answered_after_retraining(
    tmp_path: Path, browser: object
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import Select, WebDriverWait

    rasa_venv = Settings().rasa_venv
    if not (rasa_venv / "bin" / "rasa").exists():
        pytest.skip("needs the Rasa environment (make setup)")
    assert isinstance(browser, WebDriver)
    driver = browser
    repo = tmp_path / "repo"
    for part in ("bot", "actions", "vietnlp", "nlu_data", "content", "requirements"):
        shutil.copytree(REPO / part, repo / part, ignore=shutil.ignore_patterns("__pycache__"))
    env = {
        **{k: v for k, v in os.environ.items() if k != "NLU_URL"},
        "PYTHONPATH": str(repo),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "EDITOR_SECRET_KEY": "s" * 64,
        "EDITOR_COOKIE_SECURE": "false",
        "RASA_VENV": str(rasa_venv),
        "NLU_MODEL_DIR": str(tmp_path / "models"),
    }
    bot = [sys.executable, "-m", "bot"]
    subprocess.run(
        [*bot, "editor", "create-admin", "--username", "lan", "--password-stdin"],
        input=PASSWORD + "\n", text=True, env=env, cwd=repo, check=True, capture_output=True,
    )  # fmt: skip
    _keep(env["DATABASE_URL"])
    port = free_port()
    server = subprocess.Popen(
        [*bot, "editor", "--port", str(port)], env=env, cwd=repo,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base, server)
        driver.get(base + "/login")
        driver.find_element(By.ID, "username").send_keys("lan")
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        driver.find_element(By.ID, "login").click()
        WebDriverWait(driver, 30).until(expected_conditions.url_to_be(base + "/"))
        driver.get(base + "/unanswered")
        group = driver.find_element(By.ID, "group-1")
        Select(group.find_element(By.NAME, "topic")).select_by_value(TOPIC)
        group.find_element(By.CSS_SELECTOR, "form button").click()
        WebDriverWait(driver, 30).until(expected_conditions.url_to_be(base + "/retrain"))
        deadline = time.monotonic() + 1200
        while "Đang chạy" in driver.find_element(By.ID, "retrain-state").text:
            assert time.monotonic() < deadline, "retrain did not finish in 20 minutes"
            time.sleep(5)
            driver.get(base + "/retrain")
        state = driver.find_element(By.ID, "retrain-state").text
        log = driver.find_element(By.CLASS_NAME, "log").text
        examples = (repo / "nlu_data/data/editor_examples.yml").read_text(encoding="utf-8")
        if "Thất bại" in state and "quality gate: exit code 1" in log:
            # Safe either way: a model that fails the gate never serves, and the example is
            # taken out again. The gate itself is tested by test_nlu_quality.
            assert "Các ví dụ vừa thêm đã được gỡ ra." in state
            assert QUESTION not in examples
            failures = [line for line in log.splitlines() if line.startswith("FAIL")]
            pytest.xfail("the training data fails its own quality gate: " + "; ".join(failures))
        assert "Xong" in state, f"{state}\n{log}"
        assert f"- intent: {TOPIC}" in examples and QUESTION in examples
    finally:
        server.terminate()
        server.wait(10)

    asked = subprocess.run(
        [*bot, "ask", "--json", "--country", "jp", QUESTION],
        env=env, cwd=repo, capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    record = json.loads(asked.stdout.strip().splitlines()[-1])
    assert record["intent"] == TOPIC, record
    assert record["answer_id"] == "passport-held", record


def _keep(database_url: str) -> None:
    from bot.db import make_engine, make_session_factory
    from bot.migrate import upgrade
    from bot.users import keep_question

    upgrade(database_url, quiet=True)
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            keep_question(session, QUESTION, "unpaid_wages", 0.31, "jp", date.today())
    finally:
        engine.dispose()
