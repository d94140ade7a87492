"""Where a person is, from words only one host country uses: "hoken", "의원", "健保".

Workers mix in the words of the country they live in (the issue's examples: hoken, byouin,
shaho, 健保, 의원, EPS, tokutei). When someone has not chosen a country and names none, such a
word says which country's answer to give, instead of asking first. Only words and scripts that
belong to one country count: Hangul is Korean, kana Japanese; Chinese characters are shared by
Japan and Taiwan, so only a few written one way in each count; "ARC" (a residence card in both
Korea and Taiwan) and "nhi" (also Vietnamese "khoa nhi", paediatrics) do not.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping

from vietnlp.text import fold

# Folded Latin words, whole words only (several words: as a phrase).
_LATIN: Mapping[str, frozenset[str]] = {
    "jp": frozenset(
        {
            "hoken", "byouin", "byoin", "shaho", "kokuho", "tokutei", "ginou", "jisshu",
            "zairyu", "mynumber", "my number", "rousai", "rosai", "nenkin", "kumiai",
            "arubaito", "baito", "hellowork", "hello work", "otit", "jitco", "kenpo",
            "yakkyoku", "kusuriya",
        }
    ),
    "kr": frozenset({"eps", "e9", "e-9", "hikorea", "hi korea", "geonbo", "uiwon"}),
    "tw": frozenset({"1955", "jianbao"}),
}  # fmt: skip
# Written one country's way only (Japan's 険 vs Taiwan's 險; 診所 and 掛號 are Taiwan's).
_CJK: Mapping[str, tuple[str, ...]] = {
    "jp": ("保険", "病院", "薬局"),
    "tw": ("健保", "勞保", "診所", "掛號", "居留證", "醫院"),
}
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
_KANA = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u30fc]")
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)?")


def local_word_country(text: str) -> tuple[str, str] | None:
    """(country code, the word that says so) when the text's local words point to one country."""
    found: dict[str, str] = {}
    if match := _HANGUL.search(text):
        found["kr"] = _around(text, match.start())
    if match := _KANA.search(text):
        found.setdefault("jp", _around(text, match.start()))
    for code, words in _CJK.items():
        for word in words:
            if word in text:
                found.setdefault(code, word)
    tokens = _WORD.findall(fold(text).lower())
    pairs = [f"{a} {b}" for a, b in itertools.pairwise(tokens)]
    for code, latin in _LATIN.items():
        hit = next((w for w in (*tokens, *pairs) if w in latin), None)
        if hit is not None:
            found.setdefault(code, hit)
    if len(found) != 1:  # none, or words of two countries: better to ask
        return None
    [(code, word)] = found.items()
    return code, word


def _around(text: str, start: int) -> str:
    """The word of a non-Latin script around ``start`` (for the note shown to the person)."""
    end = start
    while end < len(text) and not text[end].isspace() and text[end] not in ",.;!?()":
        end += 1
    begin = start
    while begin > 0 and not text[begin - 1].isspace() and text[begin - 1] not in ",.;!?()":
        begin -= 1
    return text[begin:end]
