"""The console's content workflow on a real database and a copy of the test content:
edit → inline error → fix → preview → save (file layout kept) → diff → publish → roll back;
unanswered questions → training example file → background retrain; the report commands."""

from __future__ import annotations

import re
import shutil
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.__main__ import main
from bot.content.repository import ContentRepository
from bot.editor import drafts
from bot.editor.context import console_of
from bot.editor.retrain import Retrainer, add_examples, intent_for_topic, remove_examples
from bot.users import keep_question
from tests.editor_support import csrf, login, make_console

REL = "answers/jp/health-insurance.yml"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "content"
REAL_CONTENT = Path(__file__).resolve().parent.parent / "content"


@pytest.fixture
def app(database_url: str, content_dir: Path, tmp_path: Path) -> Flask:
    quick = Retrainer([("train", [sys.executable, "-c", "print('training… 100%')"])])
    return make_console(database_url, content_dir, tmp_path, retrainer=quick)


def post_answer(client: FlaskClient, app: Flask, action: str, **changes: str) -> str:
    content_dir = console_of(app).settings.content_dir
    text = drafts.read_text(content_dir, REL)
    values = drafts.form_values(text) | changes
    response = client.post(
        "/answer/jp/health-insurance",
        data={"csrf_token": csrf(client, "/"), "action": action,
              "base": drafts.text_digest(text), **values},
        follow_redirects=True,
    )  # fmt: skip
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path", sorted(p for root in (FIXTURES, REAL_CONTENT) for p in root.glob("answers/*/*.yml"))
)
def test_an_edit_of_one_field_changes_only_its_line(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    values = drafts.form_values(text)
    assert drafts.apply_form(text, values, path.parent.name) == text  # nothing changed
    edited = drafts.apply_form(text, values | {"title": values["title"] + " (x)"}, "jp")
    before = [line.rstrip() for line in text.splitlines()]  # the dump trims trailing spaces
    after = [line.rstrip() for line in edited.splitlines()]
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert len(changed) == 1 and changed[0][1].startswith("title: ")


def test_an_edit_changes_only_its_field_and_keeps_comments() -> None:
    text = "# a comment\nid: x\nstatus: draft  # keep me\nshort: |\n  old\nrelated: [a, b]\n"
    values = drafts.form_values(text) | {"short": "new line one\nnew line two", "related": "a"}
    assert drafts.apply_form(text, values, "jp") == (
        "# a comment\nid: x\nstatus: draft  # keep me\nshort: |\n  new line one\n  new line two\n"
        "related: [a]\n"
    )


def test_edit_inline_error_fix_preview_save_publish(app: Flask, content_dir: Path) -> None:
    client = login(app, "publisher")
    before = (content_dir / REL).read_text(encoding="utf-8")

    page = post_answer(client, app, "save", short="Gọi **0120-999-999** để hỏi về bảo hiểm.")
    assert "Chưa lưu" in page
    assert 'id="problem-short-1"' in page and "0120-999-999" in page  # at the field
    assert (content_dir / REL).read_text(encoding="utf-8") == before

    page = post_answer(client, app, "check", short="Hỏi **quầy bảo hiểm** ở tòa thị chính.")
    assert 'id="problem-short-1"' not in page
    assert "Hỏi <b>quầy bảo hiểm</b> ở tòa thị chính." in page  # Telegram HTML in the preview
    assert "+ Hỏi **quầy bảo hiểm** ở tòa thị chính." in page  # the diff against live

    page = post_answer(client, app, "save", short="Hỏi **quầy bảo hiểm** ở tòa thị chính.")
    assert "Đã lưu vào answers/jp/health-insurance.yml" in page
    saved = (content_dir / REL).read_text(encoding="utf-8")
    assert saved == before.replace(
        "Có thẻ bảo hiểm y tế, bạn chỉ trả **30%** tiền khám.",
        "Hỏi **quầy bảo hiểm** ở tòa thị chính.",
    )

    page = client.get("/publish").get_data(as_text=True)
    assert "jp/health-insurance</a>: short" in page
    response = client.post(
        "/publish", data={"csrf_token": csrf(client, "/")}, follow_redirects=True
    )
    assert "Đã xuất bản phiên bản 2" in response.get_data(as_text=True)
    live = ContentRepository(console_of(app).sessions).answer("health-insurance", "jp")
    assert live is not None and live.short == "Hỏi **quầy bảo hiểm** ở tòa thị chính."

    response = client.post(
        "/history/1/rollback", data={"csrf_token": csrf(client, "/")}, follow_redirects=True
    )
    assert "phiên bản 3" in response.get_data(as_text=True)
    live = ContentRepository(console_of(app).sessions).answer("health-insurance", "jp")
    assert live is not None and "30%" in live.short


def test_a_save_over_someone_elses_save_is_refused(app: Flask, content_dir: Path) -> None:
    client = login(app, "editor")
    text = (content_dir / REL).read_text(encoding="utf-8")
    values = drafts.form_values(text) | {"title": "Bảo hiểm (sửa)"}
    (content_dir / REL).write_text(text.replace("Mang thẻ", "Luôn mang thẻ"), encoding="utf-8")
    response = client.post(
        "/answer/jp/health-insurance",
        data={"csrf_token": csrf(client, "/"), "action": "save",
              "base": drafts.text_digest(text), **values},
    )  # fmt: skip
    assert "người khác vừa lưu" in response.get_data(as_text=True)
    assert "Luôn mang thẻ" in (content_dir / REL).read_text(encoding="utf-8")


def test_a_missing_field_is_shown_at_that_field(content_dir: Path) -> None:
    text = (content_dir / REL).read_text(encoding="utf-8")
    draft = drafts.apply_form(text, drafts.form_values(text) | {"sources": ""}, "jp")
    check = drafts.check_draft(content_dir, REL, draft, date(2026, 11, 22))
    assert not check.ok
    assert "needs at least one entry" in check.by_field["sources"][0].message


def test_a_new_country_version_starts_as_a_draft(app: Flask) -> None:
    page = login(app, "editor").get("/answer/kr/what-to-bring").get_data(as_text=True)
    assert "chưa có cho quốc gia này" in page
    assert '<option value="draft" selected>' in page


def test_unanswered_groups_and_the_training_example(app: Flask, tmp_path: Path) -> None:
    c = console_of(app)
    with c.sessions() as session, session.begin():
        for text in ("so cap cuu o nhat la gi", "số cấp cứu ở Nhật là gì ạ", "mất hộ chiếu"):
            keep_question(session, text, "emergency_medical", 0.31, "jp", date(2026, 11, 20))
    client = login(app, "editor")
    page = client.get("/unanswered").get_data(as_text=True)
    assert "×2 — số cấp cứu ở Nhật là gì ạ" in page  # the newest wording shows the group
    assert "<li>so cap cuu o nhat la gi</li>" in page
    assert "emergency_medical ×2" in page
    group = re.search(r'name="group" value="([^"]+)"', page)
    assert group is not None

    response = client.post(
        "/unanswered/example",
        data={"csrf_token": csrf(client, "/"), "group": group.group(1),
              "topic": "emergency_medical"},
    )  # fmt: skip
    assert response.headers["Location"] == "/retrain"
    examples = (tmp_path / "editor_examples.yml").read_text(encoding="utf-8")
    assert (
        "- intent: emergency_medical\n  examples: |\n    - số cấp cứu ở Nhật là gì ạ\n" in examples
    )
    assert "so cap cuu o nhat la gi\n" in examples  # a different wording: kept too
    assert "mất hộ chiếu" not in examples
    deadline = time.monotonic() + 10
    while c.retrainer.current is not None and c.retrainer.current.running:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    page = client.get("/retrain").get_data(as_text=True)
    assert "training… 100%" in page and "train — done" in page


def test_add_examples_appends_and_skips_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "editor_examples.yml"
    assert add_examples(path, "find_clinic", ["tìm phòng khám [tên] gần đây"]) == [
        "tìm phòng khám gần đây"
    ]
    assert add_examples(path, "find_clinic", ["tim phong kham gan day", "bệnh viện nào gần"]) == [
        "bệnh viện nào gần"
    ]
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Examples added by editors")
    assert 'version: "3.1"' in text or "version: '3.1'" in text or "version: 3.1" in text
    assert text.count("- intent: find_clinic") == 1
    assert intent_for_topic("find-clinic") == "find_clinic"


def test_content_unanswered_command(
    database_url: str, capsys: pytest.CaptureFixture[str], app: Flask
) -> None:
    with console_of(app).sessions() as session, session.begin():
        keep_question(session, "lam the nao de doi vien", "labour_rights", 0.2, "kr", date.today())
        keep_question(session, "làm thế nào để đổi việc", None, None, "kr", date.today())
    assert main(["content", "unanswered", "--database-url", database_url]) == 0
    out = capsys.readouterr().out
    assert "2 unanswered question(s) in 1 group(s)" in out
    assert main(["content", "unanswered", "--csv", "--database-url", database_url]) == 0
    csv_out = capsys.readouterr().out.splitlines()
    assert csv_out[0].startswith("group,count,example")
    assert csv_out[1].startswith("1,2,")


def post_file(client: FlaskClient, rel: str, text: str, base: str, action: str) -> str:
    response = client.post(
        f"/file/{rel}",
        data={"csrf_token": csrf(client, "/"), "action": action, "base": base, "text": text},
        follow_redirects=True,
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_contacts_file_check_card_preview_and_save(app: Flask, content_dir: Path) -> None:
    client = login(app, "editor")
    rel = "contacts/jp.yml"
    text = (content_dir / rel).read_text(encoding="utf-8")
    base = drafts.text_digest(text)
    page = client.get(f"/file/{rel}").get_data(as_text=True)
    assert "☎️ <b>Cấp cứu và cứu hỏa</b>: 119" in page  # contacts as Telegram shows them

    broken = text.replace('phones: ["119"]', 'phones: ["1199"]', 1)
    page = post_file(client, rel, broken, base, "save")
    assert "Chưa lưu" in page
    assert '<span id="line-4" class="bad">' in page
    assert "&#34;1199&#34; is not a valid phone" in page
    assert (content_dir / rel).read_text(encoding="utf-8") == text

    changed = text.replace("hours: 24/7\n", "hours: 24/7 (cả ngày lễ)\n", 1)
    page = post_file(client, rel, changed, base, "check")
    assert "+ hours: 24/7 (cả ngày lễ)" in page
    assert 'id="card"' not in page  # no number changed: no new card to look at
    page = post_file(client, rel, changed, base, "save")
    assert "Đã lưu vào contacts/jp.yml" in page
    assert (content_dir / rel).read_text(encoding="utf-8") == changed


def test_only_content_files_can_be_edited_as_text(app: Flask) -> None:
    client = login(app, "admin")
    for rel in ("../pyproject.toml", "answers/jp/ambulance.yml", "topics.yml", "x/../../etc"):
        assert client.get(f"/file/{rel}").status_code == 404, rel
    assert client.get("/file/emergency_lexicon.yml").status_code == 200
    assert client.get("/file/short_codes/jp.yml").status_code == 200


def test_lexicon_duplicate_is_shown_at_its_line(app: Flask, content_dir: Path) -> None:
    client = login(app, "editor")
    rel = "emergency_lexicon.yml"
    text = (content_dir / rel).read_text(encoding="utf-8")
    first = next(line for line in text.splitlines() if line.startswith("  - "))
    duplicated = text.replace(first, f"{first}\n{first}", 1)
    page = post_file(client, rel, duplicated, drafts.text_digest(text), "check")
    assert "once accents and abbreviations are ignored; remove one" in page


def test_a_changed_number_shows_the_new_emergency_card(tmp_path: Path) -> None:
    content = tmp_path / "real"
    shutil.copytree(REAL_CONTENT, content)
    rel = "contacts/jp.yml"
    text = (content / rel).read_text(encoding="utf-8")
    changed = text.replace('phones: ["119"]', 'phones: ["119", "03-3212-2323"]', 1)
    png = drafts.draft_card_png(content, rel, changed, "jp")
    assert png is not None and png.startswith(b"\x89PNG")
    assert png != drafts.draft_card_png(content, rel, text, "jp")
    broken = text.replace('phones: ["119"]', 'phones: ["1199"]', 1)
    assert drafts.draft_card_png(content, rel, broken, "jp") is None  # it would not publish


def test_examples_are_removed_when_the_quality_gate_fails(tmp_path: Path) -> None:
    path = tmp_path / "editor_examples.yml"
    add_examples(path, "find_clinic", ["bệnh viện nào gần"])
    added = add_examples(path, "find_clinic", ["khám răng ở đâu"])
    failing = Retrainer(
        [
            ("train", [sys.executable, "-c", "print('ok')"]),
            ("quality gate", [sys.executable, "-c", "import sys; print('FAIL'); sys.exit(1)"]),
            ("switch", [sys.executable, "-c", "print('never')"]),
        ]
    )
    job = failing.start("erin", undo=lambda: remove_examples(path, "find_clinic", added))
    assert job is not None
    deadline = time.monotonic() + 10
    while job.running:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert [s.state for s in job.steps] == ["done", "failed", "skipped"]
    assert job.outcome == "failed" and job.undone
    text = path.read_text(encoding="utf-8")
    assert "bệnh viện nào gần" in text and "khám răng ở đâu" not in text


def test_a_change_that_breaks_other_files_is_not_saved(app: Flask, content_dir: Path) -> None:
    client = login(app, "editor")
    rel = "contacts/jp.yml"
    text = (content_dir / rel).read_text(encoding="utf-8")
    renamed = text.replace("- id: jp-ambulance-fire", "- id: jp-ambulance-fire-119", 1)
    page = post_file(client, rel, renamed, drafts.text_digest(text), "save")
    assert "Chưa lưu" in page and 'id="elsewhere"' in page
    assert "answers/jp/ambulance.yml:" in page  # lists jp-ambulance-fire, which no longer exists
    assert (content_dir / rel).read_text(encoding="utf-8") == text


def test_feedback_per_topic_and_country_over_weeks(app: Flask) -> None:
    from datetime import timedelta

    from bot.recruitment.companies import week_of
    from bot.users import record_feedback

    this_week = week_of(date.today())
    with console_of(app).sessions() as session, session.begin():
        record_feedback(session, "ambulance", "jp", True, today=this_week)
        record_feedback(session, "ambulance", "jp", False, today=this_week - timedelta(weeks=1))
        record_feedback(session, "health-insurance", "kr", False, today=this_week)
    page = login(app, "editor").get("/feedback").get_data(as_text=True)
    assert page.index("health-insurance") < page.index("ambulance")  # least liked first
    assert this_week.strftime("%d/%m") in page
    assert '<span class="up">+1</span> <span class="down">−0</span>' in page
    assert '<span class="up">+0</span> <span class="down">−1</span>' in page


def test_nlu_reload_without_a_running_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.nlu import model
    from bot.settings import get_settings

    monkeypatch.setenv("NLU_MODEL_DIR", str(tmp_path))
    monkeypatch.setenv("NLU_SERVER_FILE", str(tmp_path / "no-server.json"))
    monkeypatch.delenv("NLU_URL", raising=False)
    get_settings.cache_clear()
    try:
        assert main(["nlu", "reload"]) == 1  # no model for the current data yet
        assert "run: python -m bot nlu train" in capsys.readouterr().out
        model.model_path(get_settings()).write_bytes(b"")  # as `nlu train` leaves it
        assert main(["nlu", "reload"]) == 0
        assert "loads the new model when it starts" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()
