"""A word only one host country uses says where someone is who has not chosen a country."""

from __future__ import annotations

import pytest

from actions.local_words import local_word_country


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("đi byouin có cần mang thẻ hoken không", ("jp", "byouin")),
        ("the My Number dung lam the bao hiem duoc ko", ("jp", "my number")),
        ("em đi 의원 gần nhà có dùng bảo hiểm được không", ("kr", "의원")),
        ("lao dong EPS doi cong ty duoc may lan", ("kr", "eps")),
        ("健保卡 mất rồi làm lại ở đâu", ("tw", "健保")),
        ("em muốn đến 診所 khám", ("tw", "診所")),
        ("保険証 hết hạn thì sao", ("jp", "保険")),
        ("cho em hỏi ほけん là gì", ("jp", "ほけん")),
    ],
)
def test_a_local_word_names_its_country(text: str, expected: tuple[str, str]) -> None:
    assert local_word_country(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "em bị đau bụng, phải làm sao",  # no local word
        "khoa nhi ở đâu",  # Vietnamese "nhi", not Taiwan's NHI
        "thẻ ARC mất rồi",  # a residence card in Korea and in Taiwan
        "hoken với 의원 khác nhau thế nào",  # two countries: better to ask
    ],
)
def test_no_guess_without_a_word_of_one_country(text: str) -> None:
    assert local_word_country(text) is None
