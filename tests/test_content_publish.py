"""Publishing: only checked, published content goes live, in one step or not at all."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.content.publish import publish
from bot.models.content import Answer, Contact, ContentVersion, LexiconTerm

Edit = Callable[[str, str, str], None]
Factory = sessionmaker[Session]


def live_version(factory: Factory) -> ContentVersion:
    with factory() as session:
        return session.scalars(select(ContentVersion).where(ContentVersion.is_live)).one()


def count(factory: Factory, model: type[object], version: int | None = None) -> int:
    query = select(func.count()).select_from(model)
    if version is not None:
        query = query.where(model.version_id == version)  # type: ignore[attr-defined]
    with factory() as session:
        return int(session.scalar(query) or 0)


def test_publish_stores_only_published_items(
    content_dir: Path, session_factory: Factory, today: date
) -> None:
    result = publish(content_dir, session_factory, "editor", today)
    assert result.outcome == "published" and result.version is not None
    live = live_version(session_factory)
    assert (live.id, live.published_by, len(live.content_hash)) == (result.version, "editor", 64)
    with session_factory() as session:
        answers = {(a.country, a.answer_id): a for a in session.scalars(select(Answer))}
        contacts = set(session.scalars(select(Contact.contact_id)))
    assert len(answers) == 8
    assert ("tw", "health-insurance") not in answers  # unverified
    assert "jp-otit" not in contacts and "vn-citizen-protection" in contacts
    # a button to an unpublished answer would lead nowhere
    assert answers[("tw", "ambulance")].related == ["emergency-phrases"]
    assert answers[("jp", "ambulance")].chapter_id == "khan-cap"
    assert answers[("jp", "ambulance")].phrases == {
        "lang": "ja",
        "items": [{"vi": "Tôi cần xe cấp cứu.", "local": "救急車をお願いします。"}],
    }
    assert count(session_factory, LexiconTerm) == 4


def test_publishing_the_same_content_changes_nothing(
    content_dir: Path, edit_content: Edit, session_factory: Factory, today: date
) -> None:
    first = publish(content_dir, session_factory, "editor", today)
    assert publish(content_dir, session_factory, "editor", today).outcome == "unchanged"
    # workers see nothing of an unverified answer, so editing it changes nothing they see
    edit_content("answers/tw/health-insurance.yml", "Chưa kiểm tra", "Vẫn chưa kiểm tra")
    again = publish(content_dir, session_factory, "editor", today)
    assert (again.outcome, again.version) == ("unchanged", first.version)
    assert count(session_factory, ContentVersion) == 1


def test_new_version_replaces_the_live_one(
    content_dir: Path, edit_content: Edit, session_factory: Factory, today: date
) -> None:
    first = publish(content_dir, session_factory, "editor", today)
    edit_content("answers/jp/ambulance.yml", "title: Gọi xe cấp cứu", "title: Gọi cấp cứu 119")
    second = publish(content_dir, session_factory, "other editor", today)
    assert second.outcome == "published" and second.version != first.version
    live = live_version(session_factory)
    assert (live.id, live.published_by) == (second.version, "other editor")
    with session_factory() as session:
        live_flags = session.scalars(select(ContentVersion.is_live)).all()
    assert sorted(live_flags) == [False, True]


def test_bad_content_is_not_published_and_old_version_stays(
    content_dir: Path, edit_content: Edit, session_factory: Factory, today: date
) -> None:
    good = publish(content_dir, session_factory, "editor", today)
    answers_before = count(session_factory, Answer, good.version)
    edit_content("answers/jp/ambulance.yml", "title: Gọi xe cấp cứu", "title: Gọi ngay")
    edit_content("contacts/jp.yml", '"03-5285-8088"', '"03-5285-808"')  # the error
    bad = publish(content_dir, session_factory, "editor", today)
    assert bad.outcome == "rejected" and bad.version is None
    assert any(str(p).startswith("contacts/jp.yml:18: ") for p in bad.report.errors)
    assert live_version(session_factory).id == good.version
    assert count(session_factory, ContentVersion) == 1
    assert count(session_factory, Answer, good.version) == answers_before
    with session_factory() as session:
        title = session.scalar(
            select(Answer.title).where(Answer.answer_id == "ambulance", Answer.country == "jp")
        )
    assert title == "Gọi xe cấp cứu"
