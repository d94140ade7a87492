"""The emergency lexicon fires on whole words and phrases, however the message is typed."""

from __future__ import annotations

import pytest

from bot.content.repository import ContentRepository
from bot.safety import Alert, detect

LEXICON = {
    "medical": ["cấp cứu", "khó thở"],
    "police": ["bị đánh"],
    "suicide": ["muốn chết", "tự tử"],
}


@pytest.mark.parametrize(
    "text",
    ["Cứu với, cần CẤP CỨU", "cap cuu", "bạn em khó thở quá!", "cc gấp", "Cấp\u00a0cứu"],
)
def test_medical_terms_fire(text: str) -> None:
    alert = detect(text, LEXICON)
    assert alert is not None and alert.kind == "medical"


@pytest.mark.parametrize("text", ["cứu", "capcuu", "tôi khó ngủ", "", "   ", "bị đánh giá thấp"])
def test_only_whole_words_and_phrases(text: str) -> None:
    alert = detect(text, LEXICON)
    assert alert is None or text == "bị đánh giá thấp"


def test_phrase_inside_a_longer_phrase_still_fires() -> None:
    # "bị đánh giá" contains the phrase "bị đánh": the lexicon errs on the side of safety.
    assert detect("bị đánh giá thấp", LEXICON) == Alert("police", "bi danh")


def test_suicide_outranks_other_kinds() -> None:
    alert = detect("bị đánh, muốn chết", LEXICON)
    assert alert is not None and alert.kind == "suicide"


def test_published_lexicon(repo: ContentRepository) -> None:
    lexicon = repo.emergency_lexicon()
    assert detect("tôi muốn chết", lexicon) == Alert("suicide", "muon chet")
    assert detect("Cứu tôi với", lexicon) is not None
    assert detect("bảo hiểm y tế", lexicon) is None


@pytest.mark.parametrize("text", ["từ từ thôi bạn", "bí danh của tôi", "Tôi muốn chép bài"])
def test_accents_typed_by_the_person_are_respected(text: str) -> None:
    assert detect(text, LEXICON) is None


@pytest.mark.parametrize("text", ["tu tu", "toi muon chet", "tôi muon chết", "bi danh roi"])
def test_text_without_accents_matches_any_accents(text: str) -> None:
    assert detect(text, LEXICON) is not None


HANGING = {"suicide": ["treo cổ"], "medical": ["co giật"]}


@pytest.mark.parametrize(
    "text", ["tui bị trượt té, trẹo cổ chân sưng vù", "nó có giật tiền của em", "trèo cổng"]
)
def test_a_syllable_written_without_accents_is_that_syllable(text: str) -> None:
    # "treo" of "treo cổ" has no accents: a typed "trẹo" (a sprain) is another word.
    assert detect(text, HANGING) is None


@pytest.mark.parametrize(
    "text", ["em muốn treo cổ", "em muon treo co", "muốn treo co", "bị co giật"]
)
def test_a_term_with_an_unaccented_syllable_still_fires(text: str) -> None:
    assert detect(text, HANGING) is not None


def test_a_term_written_without_accents_matches_any_accents() -> None:
    assert detect("em định tự tử", {"suicide": ["tu tu"]}) == Alert("suicide", "tu tu")


LOOKALIKE_LEXICON = {**LEXICON, "suicide": [*LEXICON["suicide"], "tự vẫn"]}


@pytest.mark.parametrize(
    "text", ["co trung tam tu van luat lao dong ko", "e muon duoc tu van ve bao hiem"]
)
def test_an_everyday_look_alike_is_marked(text: str) -> None:
    # "tu van" is nearly always "tư vấn" (advice): still an alarm, but marked so that the
    # engine can weigh it with the classifier.
    assert detect(text, LOOKALIKE_LEXICON) == Alert("suicide", "tu van", lookalike=True)


@pytest.mark.parametrize(
    "text",
    [
        "em định tự vẫn",  # typed with its accents
        "tư vấn giúp em, em muốn chết",  # another term in the message
        "tu van gi nua, toi muon chet",  # the same without accents
        "tu van xong roi em bi danh",  # a sure term of another kind wins over a look-alike
    ],
)
def test_a_look_alike_gives_way_to_a_sure_term(text: str) -> None:
    alert = detect(text, LOOKALIKE_LEXICON)
    assert alert is not None and not alert.lookalike


def test_typed_advice_is_no_alarm() -> None:
    assert detect("trung tâm tư vấn", LOOKALIKE_LEXICON) is None


@pytest.mark.parametrize(
    "text", ["hom qua e bi treo co chan khi di lam", "nga o cau thang, treo co tay dau lam"]
)
def test_a_sprain_typed_without_accents_is_no_alarm(text: str) -> None:
    # "treo co chan" is "trẹo cổ chân" (a sprained ankle): the dialect table reads it as
    # "bong gân cổ chân" (nlu_data/abbreviations.yml), for the lexicon as for the classifier.
    assert detect(text, HANGING) is None


@pytest.mark.parametrize("text", ["em muon treo co", "treo co chet cho xong", "muốn treo cổ. chân"])
def test_hanging_typed_without_accents_stays_an_alarm(text: str) -> None:
    assert detect(text, HANGING) == Alert("suicide", "treo co")
