"""Unit tests of the shared Vietnamese normalisation (NFC, folding, teencode expansion)."""

from __future__ import annotations

import unicodedata

from vietnlp.text import fold, has_diacritics, load_abbreviations, nfc, normalise, spans


def test_nfc_composes_and_drops_invisible_characters() -> None:
    decomposed = unicodedata.normalize("NFD", "cấp cứu")
    assert decomposed != "cấp cứu"
    assert nfc(decomposed + "\u200b") == "cấp cứu"


def test_fold_removes_tone_and_vowel_marks_and_d_stroke() -> None:
    assert fold("Cấp Cứu ĐÀ NẴNG") == "cap cuu da nang"
    assert fold("người lao động") == "nguoi lao dong"


def test_has_diacritics() -> None:
    assert has_diacritics("số cấp cứu")
    assert not has_diacritics("so cap cuu o Nhat")


def test_abbreviation_file_is_whole_token_and_case_insensitive() -> None:
    table = load_abbreviations()
    assert table["ko"] == "không"
    assert table["sdt"] == "số điện thoại"
    assert normalise("SĐT BV ko") == "so dien thoai benh vien khong"
    assert normalise("kong") == "kong"  # not a listed short form: left alone


def test_spans_keep_original_text_and_offsets() -> None:
    text = "Gọi bv ở Tokyo!"
    result = spans(text)
    assert [(s.text, s.start, s.end) for s in result] == [
        ("Gọi", 0, 3),
        ("bv", 4, 6),
        ("ở", 7, 8),
        ("Tokyo", 9, 14),
    ]
    assert result[1].expanded == ("benh", "vien")


def test_service_codes_and_numbers_stay_one_token() -> None:
    assert [s.text for s in spans("gọi #8891 hoặc 0120-250-168")] == [
        "gọi",
        "#8891",
        "hoặc",
        "0120-250-168",
    ]


def test_short_forms_keep_their_accents_so_real_words_are_left_alone() -> None:
    assert normalise("nhá") == "nhe" and normalise("nhà thuốc") == "nha thuoc"
    assert normalise("đau họng") == "dau hong"
    assert normalise("công ty") == "cong ty"
    assert normalise("uống 20 mg") == "uong 20 mg"


def test_dialect_phrases_read_as_what_they_mean() -> None:
    table = load_abbreviations()
    # Central "làm răng" is "how", whatever the case or the blanks between its words.
    assert normalise("tui phải Làm  Răng đây", table) == "tui phai lam sao day"
    assert normalise("ở mô rứa", table) == "o dau vay"
    assert normalise("gọi số mô, khi mô có xe, bây chừ răng đây", table) == (
        "goi so nao khi nao co xe bay gio sao day"
    )
    assert normalise("số môi giới", table) == "so moi gioi"  # "mô" is a whole word only
    # Taiwan's 勞保, "lao bảo", is labour insurance; "lao" alone or unaccented is tuberculosis.
    assert normalise("tiền lao bảo", table) == "tien bao hiem lao dong"
    assert normalise("uong thuoc lao bao nhieu thang", table) == "uong thuoc lao bao nhieu thang"
    # Alone, or after a comma, "răng" stays teeth; dental work listed as itself stays dental.
    assert normalise("đau răng quá", table) == "dau rang qua"
    assert normalise("làm, răng", table) == "lam rang"
    assert normalise("đi làm răng sứ", table) == "di lam rang su"
    # The phrase is one span of the original text, so entities keep their offsets.
    text = "mần răng giờ"
    assert [(s.text, s.start, s.end) for s in spans(text, table)] == [
        ("mần răng", 0, 8),
        ("giờ", 9, 12),
    ]


def test_dialect_phrases_are_short() -> None:
    # spans() looks at most three words ahead; a longer phrase would never match.
    assert all(len(short.split()) <= 3 for short in load_abbreviations())
