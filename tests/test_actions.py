"""The decision table: which action answers, and what it replies, on published test content."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from actions import (
    AnswerTopicAction,
    Callback,
    ClarifyAction,
    DeleteDataAction,
    FeedbackAction,
    GoodbyeAction,
    GreetAction,
    HelpAction,
    NoCountryAction,
    OutOfScopeAction,
    Reply,
    SearchAction,
    SetCountry,
    ShowAnswerAction,
    ShowEmergencyAction,
    StaleButtonAction,
    ThanksAction,
    Verb,
    Vote,
    button_action,
    choose_action,
    command_action,
    decide,
)
from actions.reply import CALLBACK_MAX_BYTES
from bot.content.publish import publish
from bot.content.repository import ContentRepository
from bot.nlu.client import Entity, NluResult
from tests.engine_support import CONTENT_DAY, CORE_CONTENT

THRESHOLD = 0.55


def nlu(
    intent: str, confidence: float = 0.9, *, country: str | None = None, ranking=()
) -> NluResult:  # type: ignore[no-untyped-def]
    entities = (Entity("country", country, country, 0, len(country)),) if country else ()
    return NluResult(intent, confidence, entities, tuple(ranking))


def run(result: NluResult | None, text: str, country: str | None, repo: ContentRepository) -> Reply:
    return decide(result, text, country, repo, threshold=THRESHOLD)


def data(reply: Reply) -> list[str]:
    return [b.data for row in reply.buttons for b in row]


def labels(reply: Reply) -> list[str]:
    return [b.label for row in reply.buttons for b in row]


def test_every_button_fits_telegrams_limit(repo: ContentRepository) -> None:
    for country in ("jp", "kr", "tw"):
        for chapter in repo.chapters(country):
            Callback(Verb.CHAPTER, (chapter.id,)).encode()
            for answer_id in chapter.answer_ids:
                for verb in (Verb.ANSWER, Verb.MORE, Verb.PHRASES, Verb.HELPFUL):
                    assert len(Callback(verb, (answer_id,)).encode()) <= CALLBACK_MAX_BYTES
                Callback(Verb.COUNTRY, (country, answer_id)).encode()
    with pytest.raises(ValueError):
        Callback(Verb.ANSWER, ("x" * 70,)).encode()


def test_callback_round_trip_and_unknown_data() -> None:
    assert Callback.decode("c:jp:ambulance") == Callback(Verb.COUNTRY, ("jp", "ambulance"))
    assert Callback.decode("no-such-verb:1") is None
    assert Callback.decode("") is None


def test_topic_answer_is_the_best_match_among_the_intents_answers(repo: ContentRepository) -> None:
    reply = run(nlu("work_safety"), "bị say nắng khi làm ngoài trời", "jp", repo)
    assert reply.kind == "answer" and reply.answer is not None
    assert reply.answer.id == "heat-illness"
    assert "a:work-accident" in data(reply)
    assert reply.intent == "work_safety" and reply.confidence == 0.9


def test_topic_answer_defaults_to_the_first(repo: ContentRepository) -> None:
    reply = run(nlu("work_safety"), "mình phải làm sao", "kr", repo)
    assert reply.answer is not None and reply.answer.id == "work-accident"
    assert reply.answer.country == "kr"


def test_answer_buttons(repo: ContentRepository) -> None:
    reply = run(nlu("emergency_medical"), "gọi xe cấp cứu thế nào", "jp", repo)
    assert reply.answer is not None and reply.answer.id == "ambulance"
    assert reply.kind == "emergency"
    assert data(reply)[:2] == ["m:ambulance", "p:ambulance"]
    assert data(reply)[-3:] == ["fu:ambulance", "fd:ambulance", "menu"]
    full = ShowAnswerAction("ambulance", "jp", "full").run(repo)
    assert "m:ambulance" not in data(full) and "p:ambulance" in data(full)
    card = ShowAnswerAction("ambulance", "jp", "phrases").run(repo)
    assert card.kind == "phrases" and data(card)[0] == "a:ambulance"
    assert "fu:ambulance" not in data(card)


def test_country_named_in_the_question_wins(repo: ContentRepository) -> None:
    reply = run(nlu("health_insurance", country="korea"), "ở Hàn bảo hiểm", "jp", repo)
    assert reply.answer is not None and reply.answer.country == "kr"


def test_low_confidence_clarifies_with_ranked_topics_and_emergency_line(
    repo: ContentRepository,
) -> None:
    ranking = (("health_insurance", 0.4), ("greet", 0.3), ("work_safety", 0.2))
    result = nlu("health_insurance", 0.4, ranking=ranking)
    action = choose_action(result, "hmm abc", "jp", repo, threshold=THRESHOLD)
    assert isinstance(action, ClarifyAction)
    reply = action.run(repo)
    assert reply.kind == "clarify"
    assert reply.message.startswith("Ý bạn là…?")
    assert "119" in reply.message and "110" in reply.message
    assert data(reply) == ["a:health-insurance", "a:work-accident", "menu"]
    searched = ClarifyAction("bị say nắng", "jp", ranking).run(repo)
    assert data(searched)[:3] == ["a:health-insurance", "a:work-accident", "a:heat-illness"]


def test_low_confidence_without_topics_shows_the_menu(repo: ContentRepository) -> None:
    reply = run(nlu("greet", 0.2, ranking=(("greet", 0.2),)), "hmm abc", "tw", repo)
    assert reply.kind == "clarify" and "sos" in data(reply)
    assert "119" in reply.message


def test_no_country_asks_for_it_with_every_countrys_numbers(repo: ContentRepository) -> None:
    reply = run(nlu("health_insurance"), "bảo hiểm y tế", None, repo)
    assert reply.kind == "country"
    assert data(reply) == [f"c:{c}:health-insurance" for c in ("jp", "kr", "tw")]
    assert "Cấp cứu 119 · Cảnh sát 112" in reply.message  # Korea
    assert reply.message.count("Cảnh sát 110") == 2  # Japan, Taiwan
    low = run(nlu("health_insurance", 0.1), "hmm", None, repo)
    assert low.kind == "country"


def test_emergency_intent_without_country_shows_all_numbers(repo: ContentRepository) -> None:
    reply = run(nlu("emergency_police"), "có người đánh tôi", None, repo)
    assert reply.kind == "emergency"
    assert "cảnh sát" in reply.message
    assert data(reply) == [f"c:{c}:emergency-numbers" for c in ("jp", "kr", "tw")]


def test_choose_country(repo: ContentRepository) -> None:
    reply = run(nlu("choose_country", country="taiwan"), "tôi ở Đài", None, repo)
    assert reply.effects == (SetCountry("tw"),)
    assert "Đài Loan" in reply.message and "/privacy" in reply.message  # welcome
    change = run(nlu("choose_country", country="japan"), "giờ tôi ở Nhật", "tw", repo)
    assert change.effects == (SetCountry("jp"),) and "/privacy" not in change.message
    ask = run(nlu("choose_country"), "đổi nước", "jp", repo)
    assert ask.effects == () and data(ask) == ["c:jp", "c:kr", "c:tw"]


@pytest.mark.parametrize(
    ("intent", "expected"),
    [
        ("greet", GreetAction),
        ("help", HelpAction),
        ("thanks", ThanksAction),
        ("goodbye", GoodbyeAction),
        ("feedback", FeedbackAction),
        ("out_of_scope", OutOfScopeAction),
        ("sexual_health", OutOfScopeAction),  # no content for it in the test content
        ("health_insurance", AnswerTopicAction),
    ],
)
def test_intent_table(repo: ContentRepository, intent: str, expected: type) -> None:
    action = choose_action(nlu(intent), "câu hỏi", "jp", repo, threshold=THRESHOLD)
    assert isinstance(action, expected)
    action.run(repo)  # every action produces a reply


def test_out_of_scope_lists_the_chapters(repo: ContentRepository) -> None:
    reply = run(nlu("out_of_scope"), "thời tiết mai thế nào", "jp", repo)
    assert "An toàn lao động" in reply.message and "sos" in data(reply)


def test_without_nlu_search_answers(repo: ContentRepository) -> None:
    action = choose_action(None, "bao hiem y te", "jp", repo, threshold=THRESHOLD)
    assert isinstance(action, SearchAction)
    reply = action.run(repo)
    assert reply.answer is not None and reply.answer.id == "health-insurance"
    nothing = run(None, "xyzzy", "jp", repo)
    assert nothing.answer is None and "sos" in data(nothing)
    assert isinstance(choose_action(None, "bảo hiểm", None, repo, threshold=0.5), NoCountryAction)


def test_empty_text_is_help(repo: ContentRepository) -> None:
    assert choose_action(None, "  ", "jp", repo, threshold=THRESHOLD) == HelpAction(detailed=True)


def test_suicide_alert_offers_crisis_support(repo: ContentRepository) -> None:
    reply = ShowEmergencyAction("jp", kind="suicide").run(repo)
    # The crisis answer itself, with the emergency numbers one press away.
    assert reply.answer is not None and reply.answer.id == "mental-health-crisis"
    assert "a:emergency-numbers" in data(reply)
    assert "một mình" in reply.message


def test_emergency_numbers_survive_a_missing_answer(
    tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    content = tmp_path / "content"
    shutil.copytree(CORE_CONTENT, content)
    answer = content / "answers" / "kr" / "emergency-numbers.yml"
    answer.write_text(answer.read_text().replace("status: published", "status: draft"))
    assert publish(content, session_factory, "tests", today=CONTENT_DAY).outcome == "published"
    repo = ContentRepository(session_factory)
    reply = ShowEmergencyAction("kr", nlu_down=True).run(repo)
    assert reply.kind == "emergency" and reply.answer is None
    assert "Cấp cứu 119 · Cảnh sát 112" in reply.message


@pytest.mark.parametrize(
    "data_",
    ["a:no-such-answer", "zz:1", "c:xx", "del:maybe", "ch:no-chapter", "p:police", "fu", "a"],
)
def test_stale_buttons(repo: ContentRepository, data_: str) -> None:
    reply = button_action(data_, "jp").run(repo)
    assert reply == StaleButtonAction().run(repo)


def test_buttons(repo: ContentRepository) -> None:
    assert isinstance(button_action("a:ambulance", "jp"), ShowAnswerAction)
    assert isinstance(button_action("m:ambulance", None), NoCountryAction)
    vote = button_action("fd:ambulance", "kr").run(repo)
    assert vote.effects == (Vote("ambulance", "kr", False),)
    welcome = button_action("c:jp:ambulance", None).run(repo)
    assert welcome.effects == (SetCountry("jp"),)
    assert [r.answer.id for r in welcome.flatten() if r.answer] == ["ambulance"]
    chapter = button_action("ch:kham-benh", "jp").run(repo)
    assert data(chapter) == ["a:health-insurance", "a:medical-costs", "book", "menu"]
    book = button_action("book", "tw").run(repo)
    assert data(book)[0] == "ch:khan-cap"
    consular = button_action("cons", "jp").run(repo)
    assert consular.answer is not None and consular.answer.id == "consular-contacts"
    assert isinstance(button_action("del:yes", "jp"), DeleteDataAction)


def test_commands(repo: ContentRepository) -> None:
    assert command_action("quocgia", " Hàn ", "jp").run(repo).effects == (SetCountry("kr"),)
    assert command_action("quocgia", "", "jp").run(repo).effects == ()
    assert isinstance(command_action("/SOS@TroLyLaoDongBot", "", "jp"), ShowEmergencyAction)
    unknown = command_action("foo", "", "jp").run(repo)
    assert unknown.message.startswith("Mình không biết lệnh này.") and "/sos" in unknown.message
    assert isinstance(command_action("xoadulieu", "", None), DeleteDataAction)
    assert isinstance(command_action("sotay", "", None), NoCountryAction)
