"""Remove personal data from a question before it is kept for editors.

Phone numbers, e-mail addresses, long id numbers, Telegram handles and profile links, and names
introduced the way people introduce themselves ("tôi tên là Lan", "em là Hoa", "chị Mai") become
placeholders. It errs on the side of removing too much: a kept question only needs to show
editors *what* was asked, never who asked it.
"""

from __future__ import annotations

import re

from vietnlp.text import fold, nfc

PHONE = "[số điện thoại]"
EMAIL = "[email]"
NUMBER = "[số]"
HANDLE = "[tài khoản]"
LINK = "[liên kết]"
NAME = "[tên]"

_LINK_RE = re.compile(
    r"(?:https?://)?(?:www\.)?"
    r"(?:t\.me|telegram\.me|telegram\.dog|m\.me|facebook\.com|fb\.com|zalo\.me|"
    r"instagram\.com|tiktok\.com|line\.me)/\S*",
    re.IGNORECASE,
)
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_HANDLE_RE = re.compile(r"(?<![\w.])@\w{3,}", re.UNICODE)
# Seven or more digits, possibly grouped by spaces, dots, dashes or brackets, maybe with "+".
_PHONE_RE = re.compile(r"(?<![\w+])\+?\(?\d(?:[\s().\-]{0,2}\d){6,}(?!\w)")
# Anything else carrying six digits or more: passport, residence card, bank account numbers.
_NUMBER_RE = re.compile(r"\b\w*\d{6,}\w*\b", re.UNICODE)

# Cues are matched on the accent-folded text, so "toi ten la" and "Tôi tên là" both count.
# After a strong cue whatever follows is the name, even typed in lower case.
_STRONG_CUE_RE = re.compile(
    r"\b(?:(?:toi|em|minh|chau|con|anh|chi)\s+ten\s+(?:la\s+)?"
    r"|ten\s+(?:cua\s+)?(?:toi|em|minh|chau|con|anh|chi)\s+la\s+"
    r"|my\s+name\s+is\s+)",
)
# After a weak cue only capitalised words are a name: "em là Hoa" but not "em là thực tập sinh".
_WEAK_CUE_RE = re.compile(r"\b(?:toi|em|minh)\s+la\s+")
_HONORIFIC_RE = re.compile(r"\b(?:anh|chi|em|co|chu|bac|ong|ba|ban|be)\s+")
_NAME_WORD_RE = re.compile(r"[ \t]*([^\W\d_]+)", re.UNICODE)
MAX_NAME_WORDS = 4
# Lower-case words that end a name typed without capitals ("tên là lan bị đau bụng").
# fmt: off
_STOP_WORDS = frozenset({
    "toi", "em", "minh", "la", "va", "nhung", "bi", "dang", "co", "lam", "o", "muon", "can", "hoi",
    "nam", "tuoi", "den", "tu", "nay", "thi", "con", "duoc", "khong", "da", "roi", "se", "oi", "a",
    "nhe", "anh", "chi", "ban", "sinh", "song", "viec", "hien", "moi", "vua", "sang",
})
# fmt: on
# Capitalised words after an honorific that are places, not people ("anh ở Nhật" is fine).
# fmt: off
_PLACE_WORDS = frozenset({
    "nhat", "han", "dai", "viet", "nam", "ban", "quoc", "loan", "tokyo", "osaka", "seoul", "busan",
    "bac", "trung", "cao", "hung", "japan", "korea", "taiwan", "vietnam",
})
# fmt: on


def _folded(text: str) -> str:
    """Lower-case accent-folded text with the same length, so match positions map back."""
    out = []
    for ch in text:
        folded = fold(ch)
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


def _name_end(text: str, start: int, *, any_case: bool, skip_places: bool = False) -> int | None:
    """Where the name beginning at ``start`` ends, or None if no name follows."""
    end: int | None = None
    words = 0
    capitalised_run = False
    position = start
    while words < MAX_NAME_WORDS:
        match = _NAME_WORD_RE.match(text, position)
        if match is None:
            break
        word = match.group(1)
        folded = fold(word)
        if word[0].isupper() and not (skip_places and folded in _PLACE_WORDS):
            capitalised_run = True
        elif any_case and not capitalised_run and (words == 0 or folded not in _STOP_WORDS):
            pass  # a name typed in lower case after an unambiguous cue: its first word at least
        else:
            break
        end = match.end()
        position = end
        words += 1
    return end


def _scrub_names(text: str) -> str:
    folded = _folded(text)
    spans: list[tuple[int, int]] = []
    cues = (
        (_STRONG_CUE_RE, True, False),
        (_WEAK_CUE_RE, False, False),
        (_HONORIFIC_RE, False, True),
    )
    for pattern, any_case, skip_places in cues:
        for cue in pattern.finditer(folded):
            if pattern is _HONORIFIC_RE and not text[cue.start()].islower():
                continue  # "Chị" opening a sentence is the writer talking, not a name cue
            end = _name_end(text, cue.end(), any_case=any_case, skip_places=skip_places)
            if end is not None:
                spans.append((cue.end(), end))
    for start, end in sorted(_merge(spans), reverse=True):
        text = text[:start] + NAME + text[end:]
    return text


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def scrub(text: str) -> str:
    """The text with personal data replaced by placeholders like ``[số điện thoại]``."""
    text = nfc(text)
    text = _LINK_RE.sub(LINK, text)
    text = _EMAIL_RE.sub(EMAIL, text)
    text = _HANDLE_RE.sub(HANDLE, text)
    text = _PHONE_RE.sub(PHONE, text)
    text = _NUMBER_RE.sub(NUMBER, text)
    return _scrub_names(text)
