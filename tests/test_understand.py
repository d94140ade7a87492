"""Understanding whole messages and the replies decided from them, on the shipped content.

The NLU's answers are written by hand here (what Rasa would return), so each rule is tested
alone: reading a long message in parts, the safety path, the country named in the message, the
second question and the phrase asked for.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy.orm import Session, sessionmaker

from actions import Reply, SetCountry
from actions.decide import Understood, current_country, respond
from actions.reply import Callback, KeepQuestion, Verb
from bot.content.publish import publish
from bot.content.repository import ContentRepository
from bot.nlu.client import Entity, NluResult
from bot.nlu.understand import MAX_PARTS, combine, parts
from bot.settings import REPO_ROOT

THRESHOLD = 0.55


@pytest.fixture
def shipped(session_factory: sessionmaker[Session]) -> ContentRepository:
    result = publish(REPO_ROOT / "content", session_factory, "test", today=date(2026, 12, 1))
    assert result.outcome == "published", result
    return ContentRepository(session_factory)


def result(intent: str, confidence: float, *ranking: tuple[str, float]) -> NluResult:
    return NluResult(intent, confidence, (), ((intent, confidence), *ranking))


def with_country(nlu: NluResult, text: str, words: str, value: str) -> NluResult:
    start = text.index(words)
    entity = Entity("country", value, words, start, start + len(words))
    return NluResult(nlu.intent, nlu.confidence, (*nlu.entities, entity), nlu.ranking)


def answer_buttons(reply: Reply) -> list[str]:
    found = []
    for row in reply.buttons:
        for button in row:
            callback = Callback.decode(button.data)
            if callback and callback.verb is Verb.ANSWER:
                found.append(callback.args[0])
    return found


# --- parts and combining ---------------------------------------------------------------------


def test_a_message_is_split_into_sentences_and_clauses() -> None:
    text = "Chào chị. Em ở Gifu, làm may được 2 năm, giờ em bị sốt cao phải làm sao ạ?"
    assert parts(text) == [
        "Chào chị Em ở Gifu",  # a two-word greeting joins the next sentence
        "làm may được 2 năm",
        "giờ em bị sốt cao phải làm sao ạ",
    ]
    assert parts("em bị đau bụng quá") == ["em bị đau bụng quá"]


def test_a_very_long_message_keeps_its_start_and_its_end() -> None:
    text = ". ".join(f"câu thứ {i} của em" for i in range(100)) + ". giờ em phải làm sao"
    pieces = parts(text)
    assert len(pieces) == MAX_PARTS
    assert pieces[0].startswith("câu thứ 0") and pieces[-1] == "giờ em phải làm sao"


def test_a_topic_asked_in_one_part_beats_small_talk_of_the_whole() -> None:
    whole = result("greet", 0.6, ("find_clinic", 0.3))
    pieces = [result("greet", 0.95), result("choose_country", 0.9), result("find_clinic", 0.8)]
    understood = combine(whole, pieces)
    assert understood.result.intent == "find_clinic"
    # 0.8 × 0.3 for the whole + 0.2 × the mean of its two best parts (0.8 and none)
    assert understood.result.confidence == pytest.approx(0.32)
    assert understood.parts == 3


def test_a_second_clear_question_is_kept_and_a_crisis_part_is_seen() -> None:
    whole = result("debt_fees", 0.7, ("mental_health_crisis", 0.2))
    pieces = [
        result("debt_fees", 0.9),
        result("health_insurance", 0.8),
        result("mental_health_crisis", 0.7),
    ]
    understood = combine(whole, pieces)
    assert understood.result.intent == "debt_fees"
    assert understood.second in {"health_insurance", "mental_health_crisis"}
    assert understood.crisis == pytest.approx(0.7)


def test_a_second_question_is_one_the_whole_message_also_points_to() -> None:
    # Two parts each sure of their own topic: the whole message weighs unpaid wages (a question),
    # not the sentence about just having arrived (stress_loneliness alone, 0.9 in its part).
    whole = result("debt_fees", 0.7, ("unpaid_wages", 0.2))
    pieces = [
        result("stress_loneliness", 0.9),
        result("debt_fees", 0.9),
        result("unpaid_wages", 0.7),
    ]
    assert combine(whole, pieces).second == "unpaid_wages"
    # A part's topic the whole message gives nothing (0.2 × 0.9 / 2 = 0.09 < 0.1): no button.
    alone = [result("stress_loneliness", 0.9), result("debt_fees", 0.9)]
    assert combine(result("debt_fees", 0.9), alone).second is None


def test_a_crisis_seen_only_in_the_whole_story_still_counts() -> None:
    whole = result("mental_health_crisis", 0.5, ("stress_loneliness", 0.4))
    pieces = [
        result("stress_loneliness", 0.8),
        result("debt_fees", 0.7, ("stress_loneliness", 0.3)),
        result("stress_loneliness", 0.7),
    ]
    understood = combine(whole, pieces)
    assert understood.crisis == 0.5  # the safety path takes it
    assert understood.result.intent == "stress_loneliness"  # the topic is still the story's


# --- the country the message names -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "mentions", "stored", "expected"),
    [
        (
            "Chị từng làm ở Đài Loan 6 năm, giờ qua Nhật",
            [("Đài Loan", "taiwan"), ("qua Nhật", "japan")],
            None,
            "jp",
        ),
        (
            "Em ở Nhật, trước em làm ở Đài Loan",
            [("ở Nhật", "japan"), ("Đài Loan", "taiwan")],
            None,
            "jp",
        ),
        ("Em đang ở Osaka, hồi trước ở Hàn", [("Osaka", "japan"), ("ở Hàn", "korea")], "kr", "jp"),
        (
            "Ở Đài gọi 119, qua Nhật rồi có giống không",
            [("Ở Đài", "taiwan"), ("qua Nhật", "japan")],
            "jp",
            "jp",
        ),
        ("em làm ở Busan", [("Busan", "korea")], "jp", "kr"),
        (
            "hồi trước anh làm thực tập sinh ở Nhật, h a qua Đài Loan",
            [("ở Nhật", "japan"), ("Đài Loan", "taiwan")],
            "jp",
            "tw",
        ),
        ("hồi trước em ở Hàn", [("ở Hàn", "korea")], "tw", None),
        ("hồi ở Hàn em làm xây dựng", [("ở Hàn", "korea")], "tw", None),
        # "hỏi" (ask) is not "hồi" (back then), with or without accents
        ("cho e hỏi thẻ NHI ở Đài có dùng liền ko", [("ở Đài", "taiwan")], "jp", "tw"),
        ("cho e hoi the NHI o Dai Loan co dung lien ko", [("Dai Loan", "taiwan")], "jp", "tw"),
        # "từ lúc qua …": since coming there, so there now
        ("cty giu ho chieu cua e tu luc qua Dai Trung", [("Dai Trung", "taiwan")], "jp", "tw"),
        ("Em chuyển từ Hàn qua Nhật làm", [("qua Nhật", "japan")], "jp", "jp"),
        # "từ <there> qua/sang <here>": they moved here, whatever country they chose before
        (
            "Anh chuyển từ Hàn qua Đài Bắc được nửa năm. Ở Hàn khám răng rẻ hơn",
            [("Đài Bắc", "taiwan"), ("Ở Hàn", "korea")],
            "kr",
            "tw",
        ),
        (
            "a chuyen tu Han qua Dai Bac lam. O Han kham rang re hon",
            [("Dai Bac", "taiwan"), ("O Han", "korea")],
            "kr",
            "tw",
        ),
        # "qua/sang <country> rồi / được …": they have arrived there
        (
            "Ở Đài thì gọi 119, qua Nhật rồi có giống vậy không anh",
            [("Ở Đài", "taiwan"), ("qua Nhật", "japan")],
            "tw",
            "jp",
        ),
        ("o dai goi 119, qua nhat dc 1 thang r", [("qua nhat", "japan")], "tw", "jp"),
        (
            "em ở Nhật, muốn qua Hàn, rồi về nước",
            [("ở Nhật", "japan"), ("qua Hàn", "korea")],
            "jp",
            "jp",
        ),
        # "bên này" (over here) is no "nay" (now): the country named with "giờ" stays the one
        (
            "Chị làm ở Nhật 2 năm, giờ qua Đài rồi, bên này khám răng có giống bên Nhật không",
            [("ở Nhật", "japan"), ("qua Đài", "taiwan"), ("bên Nhật", "japan")],
            "jp",
            "tw",
        ),
        # "tư vấn" (advice) folds like "từ" (from): asking for advice in Japan is about Japan
        (
            "có số nào tư vấn luật lao động bằng tiếng Việt ở Nhật không ạ",
            [("ở Nhật", "japan")],
            "tw",
            "jp",
        ),
        ("co so nao tu van luat lao dong o Nhat ko", [("o Nhat", "japan")], "tw", "jp"),
        ("em từ Hàn về nước rồi", [("Hàn", "korea")], "jp", None),
        ("e tu Han ve nuoc roi", [("Han", "korea")], "jp", None),
        # "hồi đó", with or without accents, is the past; "cũ" (former) only with its accent
        ("hoi do e o Han, h ve nuoc", [("o Han", "korea")], "jp", None),
        ("công ty cũ ở Hàn nợ lương em", [("ở Hàn", "korea")], "jp", None),
        ("em cứ ở Hàn làm tiếp được không", [("ở Hàn", "korea")], "jp", "kr"),
        ("chi cham soc ba cu o Han, ba giu ho chieu", [("o Han", "korea")], "tw", "kr"),
        ("cong ty cu o Han no luong e", [("o Han", "korea")], "jp", None),
        (
            "ngày xưa chị làm bên Hàn, chị ở Đài Trung 3 năm nay",
            [("bên Hàn", "korea"), ("Đài Trung", "taiwan")],
            None,
            "tw",
        ),
    ],
)
def test_the_current_country_of_a_story(
    text: str, mentions: list[tuple[str, str]], stored: str | None, expected: str | None
) -> None:
    nlu = result("find_clinic", 0.9)
    for words, value in mentions:
        nlu = with_country(nlu, text, words, value)
    assert current_country(nlu, text, stored) == expected


# --- replies -----------------------------------------------------------------------------------


def test_a_cry_for_help_gets_the_crisis_lines_first(shipped: ContentRepository) -> None:
    text = "nợ môi giới nhiều quá, đêm nào em cũng nghĩ nhảy xuống cho xong"
    understood = Understood(result("debt_fees", 0.8), text, crisis=0.85)
    [reply] = respond(understood, "tw", shipped, threshold=THRESHOLD)
    crisis_phones = [p for c in shipped.contacts("tw", kind="crisis") for p in c.phones]
    assert crisis_phones and reply.kind == "emergency"
    first_lines = reply.message.split("\n")[:3]
    assert any(phone in line for phone in crisis_phones for line in first_lines)
    assert reply.answer is not None and reply.answer.id == "mental-health-crisis"
    assert "debt-fees" in answer_buttons(reply)  # what else was asked, one press away


def test_a_weak_crisis_signal_puts_the_lines_on_top_of_the_answer(
    shipped: ContentRepository,
) -> None:
    text = (
        "bầu 3 tháng mà chồng bỏ, em không biết sống sao, chỗ nào giúp người mang thai ngoài ý muốn"
    )
    understood = Understood(result("unplanned_pregnancy", 0.8), text, crisis=0.4)
    [reply] = respond(understood, "jp", shipped, threshold=THRESHOLD)
    crisis_phones = [p for c in shipped.contacts("jp", kind="crisis") for p in c.phones]
    assert reply.kind == "emergency" and reply.answer is not None
    assert reply.answer.id == "unplanned-pregnancy"  # the question asked is still answered
    heading = reply.message.split("\n\n")[0]
    assert any(phone in heading for phone in crisis_phones)
    assert "mental-health-crisis" in answer_buttons(reply)


def test_a_faint_crisis_signal_adds_the_lines_to_any_reply(shipped: ContentRepository) -> None:
    text = "mệt quá rồi, chắc nghỉ luôn cho xong"
    answer = result("stress_loneliness", 0.7)
    [reply] = respond(Understood(answer, text, crisis=0.25), "kr", shipped, threshold=THRESHOLD)
    crisis_phones = [p for c in shipped.contacts("kr", kind="crisis") for p in c.phones]
    assert reply.answer is not None and reply.answer.id == "stress-loneliness"
    assert any(phone in reply.message.split("\n\n")[0] for phone in crisis_phones)
    # No country known yet: every country's crisis lines, then the question for the country.
    [reply] = respond(Understood(answer, text, crisis=0.25), None, shipped, threshold=THRESHOLD)
    for code in ("jp", "kr", "tw"):
        phones = [p for c in shipped.contacts(code, kind="crisis") for p in c.phones]
        assert any(phone in reply.message for phone in phones), code
    # Unsure of the topic: "Ý bạn là…?" shows the crisis lines anyway.
    unsure = result("stress_loneliness", 0.3, ("work_compensation", 0.2))
    [reply] = respond(Understood(unsure, text, crisis=0.25), "kr", shipped, threshold=THRESHOLD)
    assert reply.kind == "clarify" and any(phone in reply.message for phone in crisis_phones)
    assert "mental-health-crisis" in answer_buttons(reply)  # offered among the suggestions
    # Below the faint level nothing is added on top.
    [reply] = respond(Understood(answer, text, crisis=0.05), "kr", shipped, threshold=THRESHOLD)
    assert not any(phone in reply.message.split("\n\n")[0] for phone in crisis_phones)


def test_advice_typed_without_accents_gets_its_answer_under_the_crisis_lines(
    shipped: ContentRepository,
) -> None:
    # "tu van" matched "tự vẫn" in the lexicon, but the classifier sees no crisis: the crisis
    # lines still come first, then the answer asked for (it used to be replaced by the crisis one).
    text = "co so dien thoai nao tu van luat lao dong mien phi ko a"
    nlu = result("labour_helplines", 0.95)
    crisis_phones = [p for c in shipped.contacts("jp", kind="crisis") for p in c.phones]
    seen = Understood(nlu, text, alert_kind="suicide", alert_lookalike=True, crisis=0.02)
    [reply] = respond(seen, "jp", shipped, threshold=THRESHOLD)
    assert reply.answer is not None and reply.answer.id == "labour-helplines"
    assert any(phone in reply.message.split("\n\n")[0] for phone in crisis_phones)
    assert "mental-health-crisis" in answer_buttons(reply)
    # Backed by the classifier, the look-alike is a cry for help: the crisis answer.
    backed = replace(seen, crisis=0.5)
    [reply] = respond(backed, "jp", shipped, threshold=THRESHOLD)
    assert reply.answer is not None and reply.answer.id == "mental-health-crisis"
    # A sure lexicon term is never weighed down.
    sure = replace(seen, alert_lookalike=False)
    [reply] = respond(sure, "jp", shipped, threshold=THRESHOLD)
    assert reply.answer is not None and reply.answer.id == "mental-health-crisis"


def test_an_ambulance_answer_on_the_safety_path_shows_both_numbers(
    shipped: ContentRepository,
) -> None:
    text = "thằng kia đánh bạn em chảy máu đầu nhiều lắm"
    understood = Understood(result("ambulance", 0.8), text, alert_kind="police")
    [reply] = respond(understood, "kr", shipped, threshold=THRESHOLD)
    assert reply.answer is not None and reply.answer.id == "ambulance"
    heading = reply.message.split("\n\n")[0]
    assert "119" in heading and "112" in heading


def test_an_emergency_comes_as_one_message_with_the_numbers_on_top(
    shipped: ContentRepository,
) -> None:
    understood = Understood(
        result("work_accident", 0.9), "toi bi tai nan lao dong, chay mau", alert_kind="medical"
    )
    [reply] = respond(understood, "kr", shipped, threshold=THRESHOLD)
    assert reply.kind == "emergency" and reply.answer is not None
    assert reply.answer.id == "work-accident"
    assert "119" in reply.message.split("\n\n")[0]


def test_a_named_country_is_switched_to_and_the_question_answered(
    shipped: ContentRepository,
) -> None:
    text = "toi lam o han quoc, bao hiem y te tra bao nhieu"
    nlu = with_country(result("health_insurance", 0.9), text, "o han quoc", "korea")
    [reply] = respond(Understood(nlu, text), "jp", shipped, threshold=THRESHOLD)
    assert reply.answer is not None and (reply.answer.id, reply.answer.country) == (
        "health-insurance",
        "kr",
    )
    assert SetCountry("kr") in reply.effects
    assert "Hàn Quốc" in reply.message


def test_a_second_question_becomes_a_button(shipped: ContentRepository) -> None:
    understood = Understood(
        result("passport_held", 0.9), "họ giữ hộ chiếu, lương cũng chưa trả", second="unpaid_wages"
    )
    [reply] = respond(understood, "jp", shipped, threshold=THRESHOLD)
    assert reply.answer is not None and reply.answer.id == "passport-held"
    assert answer_buttons(reply)[0] == "unpaid-wages"


def test_the_phrase_asked_for_comes_at_once(shipped: ContentRepository) -> None:
    text = "nói với bác sĩ Nhật là em bị đau răng thế nào"
    [reply] = respond(
        Understood(result("doctor_phrases", 0.9), text), "jp", shipped, threshold=THRESHOLD
    )
    assert reply.answer is not None and reply.answer.id == "doctor-phrases"
    assert "歯が痛いです" in reply.message
    assert "p:doctor-phrases" in [b.data for row in reply.buttons for b in row]


def test_an_unsure_answer_keeps_the_question_for_editors(shipped: ContentRepository) -> None:
    understood = Understood(result("find_clinic", 0.3, ("medicine", 0.2)), "cái vụ đó sao ta")
    [reply] = respond(understood, "jp", shipped, threshold=THRESHOLD)
    assert reply.kind == "clarify"
    assert any(isinstance(effect, KeepQuestion) for effect in reply.effects)
    assert len(answer_buttons(reply)) <= 3


def test_a_medical_word_beats_a_weak_crisis_signal(shipped: ContentRepository) -> None:
    text = "ông anh cùng phòng té cái rầm, lay hoài không dậy"
    weak = Understood(result("ambulance", 0.7), text, alert_kind="medical", crisis=0.35)
    [reply] = respond(weak, "jp", shipped, threshold=THRESHOLD)
    assert reply.answer is not None and reply.answer.id == "ambulance"
    strong = Understood(result("ambulance", 0.7), text, alert_kind="medical", crisis=0.8)
    [reply] = respond(strong, "jp", shipped, threshold=THRESHOLD)
    assert reply.answer is not None and reply.answer.id == "mental-health-crisis"


def test_no_country_chosen_a_local_word_answers_for_its_country(
    shipped: ContentRepository,
) -> None:
    text = "em mới qua, đi khám có cần thẻ hoken không ạ"
    [reply] = respond(
        Understood(result("what_to_bring", 0.9), text), None, shipped, threshold=THRESHOLD
    )
    assert reply.answer is not None and (reply.answer.id, reply.answer.country) == (
        "what-to-bring",
        "jp",
    )
    assert SetCountry("jp") in reply.effects
    assert "“hoken”" in reply.message and "/quocgia" in reply.message


def test_a_chosen_country_is_not_overruled_by_a_local_word(shipped: ContentRepository) -> None:
    text = "ở đây có giống thẻ hoken bên Nhật không"
    [reply] = respond(
        Understood(result("health_insurance", 0.9), text), "tw", shipped, threshold=THRESHOLD
    )
    assert reply.answer is not None and reply.answer.country == "tw"
    assert not any(isinstance(effect, SetCountry) for effect in reply.effects)


def test_without_a_local_word_the_country_is_asked(shipped: ContentRepository) -> None:
    [reply] = respond(
        Understood(result("what_to_bring", 0.9), "đi khám cần mang gì"),
        None,
        shipped,
        threshold=THRESHOLD,
    )
    assert reply.answer is None


@pytest.mark.parametrize(
    ("country", "expected"),
    [("jp", "pension-refund"), ("tw", "pension-refund"), ("kr", "labour-helplines")],
)
def test_a_pension_question_opens_its_answer_or_the_helplines_while_it_waits(
    shipped: ContentRepository, country: str, expected: str
) -> None:
    # Korea's answer waits for an editor to confirm it on an official page (status unverified):
    # until then the labour helplines answer there, never "Câu này mình chưa trả lời được".
    text = "về nước rồi có lấy lại tiền lương hưu đã đóng không"
    [reply] = respond(
        Understood(result("pension_refund", 0.9), text), country, shipped, threshold=THRESHOLD
    )
    assert reply.answer is not None and (reply.answer.id, reply.answer.country) == (
        expected,
        country,
    )


def test_an_alarm_with_an_unsure_topic_shows_the_numbers_then_the_likeliest_answer(
    shipped: ContentRepository,
) -> None:
    # "đột quỵ" raises the medical alarm, but the person asks how to bring a dead cousin home:
    # the numbers come first, then the answer the classifier found likeliest, the other
    # suggestions one press away (numbers alone dropped the question).
    text = "anh họ em mới mất vì đột quỵ ở ký túc xá, gia đình muốn đưa về quê thì làm sao"
    unsure = result("citizen_protection", 0.28, ("work_compensation", 0.2), ("ambulance", 0.1))
    seen = Understood(unsure, text, alert_kind="medical")
    [reply] = respond(seen, "kr", shipped, threshold=THRESHOLD)
    assert reply.kind == "emergency" and reply.answer is not None
    assert reply.answer.id == "citizen-protection"
    assert "119" in reply.message.split("\n\n")[0]
    assert "work-compensation" in answer_buttons(reply)
    # An overdose question the classifier thinks is a crisis: the ambulance number, then the
    # crisis answer (its lines in it).
    pills = result("mental_health_crisis", 0.35, ("medicine", 0.2))
    [reply] = respond(replace(seen, nlu=pills, crisis=0.35), "kr", shipped, threshold=THRESHOLD)
    assert reply.answer is not None and reply.answer.id == "mental-health-crisis"
    assert "119" in reply.message.split("\n\n")[0]
    # The likeliest is the numbers' own answer, or small talk: the numbers are the answer.
    for top in (result("ambulance", 0.3, ("citizen_protection", 0.2)), result("greet", 0.3)):
        [reply] = respond(replace(seen, nlu=top), "kr", shipped, threshold=THRESHOLD)
        assert reply.answer is not None and reply.answer.id == "emergency-numbers"
    # … and when the numbers were the likeliest, the other topics ranked are one press away
    # (never a search guess, never after small talk).
    worry = result("ambulance", 0.31, ("stress_loneliness", 0.25), ("find_clinic", 0.2))
    text = "tim dap nhanh kho tho moi khi nghi toi no, bac si noi tim ko sao"
    [reply] = respond(
        Understood(worry, text, alert_kind="medical"), "jp", shipped, threshold=THRESHOLD
    )
    assert reply.answer is not None and reply.answer.id == "emergency-numbers"
    assert reply.kind == "emergency"
    assert {"stress-loneliness", "find-clinic"} <= set(answer_buttons(reply))
    chat = result("greet", 0.3, ("stress_loneliness", 0.25))
    [reply] = respond(
        Understood(chat, text, alert_kind="medical"), "jp", shipped, threshold=THRESHOLD
    )
    assert "stress-loneliness" not in answer_buttons(reply)
