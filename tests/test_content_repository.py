"""Reading the live content: published items only, accent-insensitive search, live refresh."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.content.publish import publish
from bot.content.repository import ContentRepository, SourceView
from bot.db import make_engine, make_session_factory
from bot.migrate import upgrade

Edit = Callable[[str, str, str], None]
Factory = sessionmaker[Session]


@pytest.fixture
def repo(content_dir: Path, session_factory: Factory, today: date) -> ContentRepository:
    assert publish(content_dir, session_factory, "editor", today).outcome == "published"
    return ContentRepository(session_factory, refresh_seconds=0)


def test_empty_database(session_factory: Factory) -> None:
    repo = ContentRepository(session_factory)
    assert repo.live_version() is None
    assert repo.answer("ambulance", "jp") is None
    assert repo.chapters("jp") == []
    assert repo.search("cấp cứu", "jp") == []
    assert repo.contacts("jp") == []
    assert repo.answer_ids_for_intent("emergency_medical") == []
    assert repo.emergency_terms() == []


def test_answer_with_contacts_phrases_and_sources(repo: ContentRepository) -> None:
    answer = repo.answer("ambulance", "jp")
    assert answer is not None
    assert (answer.id, answer.country, answer.chapter_id) == ("ambulance", "jp", "khan-cap")
    assert answer.version == repo.live_version()
    assert [c.id for c in answer.contacts] == [
        "jp-ambulance-fire",
        "jp-amda",
        "vn-citizen-protection",
    ]
    assert answer.contacts[0].phones == ("119",)
    assert answer.contacts[2].country == "vn"
    assert answer.phrases is not None and answer.phrases.lang == "ja"
    assert answer.phrases.items[0].vi == "Tôi cần xe cấp cứu."
    assert answer.sources == (
        SourceView(
            "https://jp.usembassy.gov/services/victims-of-crime/",
            "U.S. Embassy in Japan — Help for victims of crime",
        ),
    )
    assert answer.verified_on == date(2026, 11, 1)
    assert answer.related == ("emergency-phrases", "health-insurance")


def test_unpublished_answers_are_invisible(repo: ContentRepository) -> None:
    assert repo.answer("health-insurance", "tw") is None
    assert repo.answer("health-insurance", "jp") is not None
    assert repo.answer("ambulance", "vn") is None


def test_chapters_per_country(repo: ContentRepository) -> None:
    jp = repo.chapters("jp")
    assert [(c.id, c.icon, c.answer_ids) for c in jp] == [
        ("khan-cap", "🆘", ("ambulance", "emergency-phrases")),
        ("kham-benh", "🏥", ("health-insurance",)),
    ]
    # Taiwan's only answer of that chapter is unverified, so the chapter is left out
    assert [c.id for c in repo.chapters("tw")] == ["khan-cap"]


def test_intents_contacts_and_lexicon(repo: ContentRepository) -> None:
    assert repo.answer_ids_for_intent("emergency_medical") == ["ambulance", "emergency-phrases"]
    assert repo.answer_ids_for_intent("unknown") == []
    # Only what is published for the country, in the same order.
    assert repo.published_for_intent("emergency_medical", "jp") == [
        "ambulance",
        "emergency-phrases",
    ]
    assert repo.published_for_intent("health_insurance", "jp") == ["health-insurance"]
    assert repo.published_for_intent("health_insurance", "tw") == []  # unverified there
    assert repo.published_for_intent("unknown", "jp") == []
    assert [c.id for c in repo.contacts("kr")] == [
        "kr-ambulance-fire",
        "kr-danuri",
        "vn-citizen-protection",
    ]
    assert [c.id for c in repo.contacts("jp", kind="hotline")] == ["jp-amda"]  # jp-otit unverified
    assert repo.emergency_terms() == ["cap cuu", "kho tho", "bi danh", "muon chet"]
    assert repo.emergency_lexicon()["police"] == ["bị đánh"]


@pytest.mark.parametrize("query", ["bao hiem", "Bảo Hiểm", "BAO HIEM Y TE", "bhyt", "bh y tế"])
def test_search_ignores_accents_and_expands_abbreviations(
    repo: ContentRepository, query: str
) -> None:
    assert [a.id for a in repo.search(query, "jp")][:1] == ["health-insurance"]


def test_search_ranks_title_before_short_before_body(
    content_dir: Path, edit_content: Edit, session_factory: Factory, today: date
) -> None:
    edit_content("answers/jp/emergency-phrases.yml", "  Các câu", "  Trạm xá gần nhất. Các câu")
    edit_content("answers/jp/health-insurance.yml", "  Có thẻ", "  Ở trạm xá có thẻ")
    edit_content("answers/jp/ambulance.yml", "title: Gọi xe cấp cứu", "title: Gọi trạm xá")
    publish(content_dir, session_factory, "editor", today)
    repo = ContentRepository(session_factory)
    assert [a.id for a in repo.search("tram xa", "jp")] == [
        "ambulance",
        "health-insurance",
        "emergency-phrases",
    ]


def test_search_without_match(repo: ContentRepository) -> None:
    assert repo.search("xyz", "jp") == []
    assert repo.search("", "jp") == []
    assert repo.search("!!!", "jp") == []


def test_search_among_and_limit(repo: ContentRepository) -> None:
    assert [a.id for a in repo.search("amda", "jp")] == ["ambulance"]  # a word of its body
    assert repo.search("amda", "jp", among=["emergency-phrases", "health-insurance"]) == []
    assert [a.id for a in repo.search("khẩn cấp", "jp", among=["emergency-phrases"])] == [
        "emergency-phrases"
    ]
    assert len(repo.search("gọi", "jp", limit=1)) == 1
    assert repo.search("bảo hiểm", "tw") == []  # the Taiwan answer is not published


def test_repository_picks_up_a_new_publish(
    repo: ContentRepository,
    content_dir: Path,
    edit_content: Edit,
    session_factory: Factory,
    today: date,
) -> None:
    cached = ContentRepository(session_factory, refresh_seconds=3600)
    first = repo.live_version()
    assert cached.live_version() == first
    edit_content("answers/jp/ambulance.yml", "title: Gọi xe cấp cứu", "title: Gọi 119 ngay")
    edit_content("answers/tw/health-insurance.yml", "status: unverified", "status: published")
    assert publish(content_dir, session_factory, "editor", today).outcome == "published"
    assert repo.live_version() != first
    answer = repo.answer("ambulance", "jp")
    assert answer is not None and answer.title == "Gọi 119 ngay"
    assert repo.answer("health-insurance", "tw") is not None
    assert [c.id for c in repo.chapters("tw")] == ["khan-cap", "kham-benh"]
    # within its refresh interval a repository keeps serving the version it has
    assert cached.live_version() == first


def test_keeps_serving_when_the_database_disappears(
    content_dir: Path, tmp_path: Path, today: date
) -> None:
    db = tmp_path / "gone.db"
    upgrade(f"sqlite:///{db}")
    engine = make_engine(f"sqlite:///{db}")
    factory = make_session_factory(engine)
    publish(content_dir, factory, "editor", today)
    repo = ContentRepository(factory, refresh_seconds=0)
    assert repo.answer("ambulance", "jp") is not None
    engine.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    assert repo.answer("ambulance", "jp") is not None  # "no such table": keep the cached version
    engine.dispose()
