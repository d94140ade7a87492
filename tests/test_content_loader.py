"""Loading the content files into typed models, with the line of every key."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.content.loader import load_content, plain, read_yaml
from bot.content.problems import describe_loc, line_of


def test_loads_every_kind_of_file(content_dir: Path) -> None:
    tree = load_content(content_dir)
    assert tree.problems == []
    assert [i.model.id for i in tree.answers["jp"]] == [
        "ambulance",
        "emergency-phrases",
        "health-insurance",
    ]
    assert set(tree.answer_files["tw"]) == {"ambulance", "emergency-phrases", "health-insurance"}
    assert [i.model.id for i in tree.contacts["vn"]] == ["vn-citizen-protection"]
    assert [i.model.code for i in tree.short_codes["tw"]] == ["119", "1955"]
    assert "vn" not in tree.short_codes  # no file: Viet Nam's test contacts have no short number
    assert tree.topics is not None and tree.topics.model.chapters[0].id == "khan-cap"
    assert tree.intents is not None
    assert tree.intents.model.root["health_insurance"] == ["health-insurance"]
    assert tree.lexicon is not None and tree.lexicon.model.police == ["bị đánh"]


def test_answer_fields_are_typed(content_dir: Path) -> None:
    answer = load_content(content_dir).answers["jp"][0].model
    assert answer.verified_on == date(2026, 11, 1)
    assert answer.short.startswith("Gọi **119**")
    assert answer.phrases is not None and answer.phrases.lang == "ja"
    assert answer.phrases.items[0].local == "救急車をお願いします。"
    assert answer.sources[0].url == "https://jp.usembassy.gov/services/victims-of-crime/"
    assert answer.more is not None
    assert type(answer.short) is str  # not ruamel's LiteralScalarString


def test_lines_of_keys_and_items(content_dir: Path) -> None:
    tree = load_content(content_dir)
    ambulance = tree.answers["jp"][0]
    assert ambulance.line("short") == 5
    assert ambulance.line("contacts", 2) == 14
    assert ambulance.line("phrases", "items", 0, "local") == 19
    assert ambulance.line("no-such-key") == 1
    second_contact = tree.contacts["jp"][1]
    assert second_contact.line("phones", 0) == 18
    assert second_contact.line() == 15


def test_read_yaml_reports_parser_line(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("a: 1\nb: [1, 2\nc: 3\n", encoding="utf-8")
    node, problem = read_yaml(tmp_path, "a.yml")
    assert node is None and problem is not None
    assert problem.path == "a.yml" and problem.line == 3
    assert "not valid YAML" in problem.message


def test_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_bytes("title: Cấp cứu".encode("cp1258", errors="replace") + b"\xff")
    _, problem = read_yaml(tmp_path, "a.yml")
    assert problem is not None and "UTF-8" in problem.message


def test_plain_and_helpers(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("x:\n  - 1\n  - y: |\n      t\n", encoding="utf-8")
    node, _ = read_yaml(tmp_path, "a.yml")
    assert plain(node) == {"x": [1, {"y": "t\n"}]}
    assert line_of(node, ("x", 1, "y")) == 3
    assert describe_loc(("sources", 0, "url")) == "sources, item 1, url"


def test_stray_file_is_a_warning(content_dir: Path) -> None:
    (content_dir / "answers/jp/notes.txt").write_text("x", encoding="utf-8")
    tree = load_content(content_dir)
    assert [(p.path, p.severity) for p in tree.problems] == [("answers/jp/notes.txt", "warning")]


def test_an_unindented_line_of_a_text_is_reported_on_its_own_line(tmp_path: Path) -> None:
    text = (
        "id: ambulance\nshort: |\n  Gọi 119.\nĐừng cúp máy: nhiều nơi có phiên dịch.\n"
        "  Gọi ngay nếu: ngất.\nbody: |\n  x\n"
    )
    (tmp_path / "a.yml").write_text(text, encoding="utf-8")
    node, problem = read_yaml(tmp_path, "a.yml")
    assert node is None and problem is not None
    assert problem.line == 4
    assert problem.message == (
        "this line belongs to the text of `short` but is not indented; start it with 2 spaces "
        "like the other lines of `short`"
    )


def test_other_parser_errors_keep_their_advice(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("id: x\ntitle: Bệnh viện: giờ mở cửa\n", encoding="utf-8")
    _node, problem = read_yaml(tmp_path, "a.yml")
    assert problem is not None and problem.line == 2
    assert "put the whole text in double quotes" in problem.message
