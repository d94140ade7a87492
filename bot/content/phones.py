"""Phone numbers in content: is a contact's number valid, and which numbers does a text mention?

Validity uses Google's ``phonenumbers`` metadata (full numbers and short codes per region) instead
of our own patterns. Finding numbers in prose is deliberately eager — a missed unsourced number is
worse than an editor rewording "9-17 giờ" — but skips amounts, dates, years and article numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, shortnumberinfo

from vietnlp.countries import COUNTRY_NAMES

# Japan's nationwide service codes (#8891 sexual-violence centres, #7119 medical advice…).
_SERVICE_CODE = re.compile(r"#\d{4}")
_MAX_SHORT_DIGITS = 6

# A phone-like run: a "#" service code, or digit groups joined by "-" or "." (and by single
# spaces when written in international "+84 981…" or national "0120 250…" form).
_CANDIDATE = re.compile(
    r"(?<![\w#+/])(?<!\d,)"
    r"(#\d{3,5}|\+\d+(?:[ .\-]\(?\d+\)?)*|\(?0\d*\)?(?:[ .\-]\(?\d+\)?)*|\d+(?:[.\-]\d+)*)"
    r"(?![\w/])(?!,\d)"
)
_URL = re.compile(r"https?://\S+|www\.\S+")
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[.\-]\d{1,2}[.\-]\d{4}")
_AMOUNT = re.compile(r"\d{1,3}(?:\.\d{3})+")
# Units after a number that make it an amount, a duration or a quantity, not a phone number.
_UNITS = (
    "%",
    "‰",
    "°",
    "¥",
    "₩",
    "$",
    "đ",
    "yên",
    "yen",
    "won",
    "đô",
    "usd",
    "jpy",
    "krw",
    "twd",
    "ntd",
    "nt$",
    "tệ",
    "đài tệ",
    "man",
    "nghìn",
    "ngàn",
    "triệu",
    "tỷ",
    "tỉ",
    "đồng",
    "vnđ",
    "vnd",
    "ngày",
    "tuần",
    "tháng",
    "năm",
    "giờ",
    "h",
    "tiếng",
    "phút",
    "giây",
    "tuổi",
    "lần",
    "người",
    "km",
    "m",
    "cm",
    "kg",
    "g",
    "mg",
    "ml",
    "l",
    "kcal",
    "calo",
    "độ",
    "trang",
    "điểm",
    "buổi",
    "viên",
    "liều",
    "ca",
)
# Words before a number that make it a year, a date or an article of law.
_PREFIXES = (
    "năm",
    "tháng",
    "ngày",
    "điều",
    "khoản",
    "luật",
    "định",
    "¥",
    "₩",
    "$",
    "nt$",
    "usd",
    "jpy",
    "krw",
    "twd",
    "〒",
)
_UNIT_AFTER = re.compile(
    r"\s*(?:" + "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True)) + r")(?!\w)"
)
_PREFIX_BEFORE = re.compile(
    r"(?:^|(?<=\W))(?:" + "|".join(re.escape(p) for p in _PREFIXES) + r")\s*$"
)


def _region(country: str) -> str:
    return country.upper()


def phone_problem(phone: str, country: str) -> str | None:
    """Why ``phone`` is not a number one can dial in ``country`` (``None`` when it is fine)."""
    written = phone.strip()
    if country == "jp" and _SERVICE_CODE.fullmatch(written):
        return None
    number = None if written.startswith("#") else _parse(phone, country)
    if number is not None and (
        _valid_full(number, written, country)
        or _valid_short(number, international=written.startswith("+"))
    ):
        return None
    name = COUNTRY_NAMES.get(country, country)
    return (
        f'"{phone}" is not a valid phone number in {name}; check the digits against the '
        "source (numbers written for callers abroad start with + and the country code)"
    )


def _parse(phone: str, country: str) -> PhoneNumber | None:
    try:
        return phonenumbers.parse(phone, _region(country))
    except NumberParseException:
        return None


def _valid_full(number: PhoneNumber, phone: str, country: str) -> bool:
    if phone.startswith("+"):
        return bool(phonenumbers.is_valid_number(number))
    return bool(phonenumbers.is_valid_number_for_region(number, _region(country)))


def _valid_short(number: PhoneNumber, international: bool) -> bool:
    """A short code of the region; "possible" (right length) is enough unless written "+cc…".

    The metadata lags behind new codes (Viet Nam's 111, Taiwan's 1990), hence "possible"; but a
    "+84 981" is far more likely a truncated full number than a short code, so it must be valid.
    """
    region = phonenumbers.region_code_for_country_code(number.country_code or 0)
    if len(str(number.national_number)) > _MAX_SHORT_DIGITS:
        return False
    if shortnumberinfo.is_valid_short_number_for_region(number, region):
        return True
    return not international and bool(
        shortnumberinfo.is_possible_short_number_for_region(number, region)
    )


def short_code(phone: str, country: str) -> str | None:
    """The short number ``phone`` dials ("119", "#9110", "1345" for "+82-1345"), or ``None``.

    Used to hold every short number against the country's sourced list (short_codes/<cc>.yml):
    the phonenumbers metadata accepts any short code of the right length, so a typo such as
    "118" for "119" would pass the validity check alone.
    """
    written = phone.strip()
    if written.startswith("#"):
        return "#" + digits(written)
    number = _parse(written, country)
    if number is None:
        return None
    national = str(number.national_number)
    return national if len(national) <= _MAX_SHORT_DIGITS else None


def digits(text: str) -> str:
    """Only the digits of a phone number as written."""
    return re.sub(r"\D", "", text)


def comparable_forms(phone: str, country: str) -> set[str]:
    """Digit strings under which a phone may appear in prose (as written, national, extension)."""
    forms = {digits(phone)}
    number = _parse(phone, country)
    if number is not None:
        national = str(number.national_number)
        forms |= {national, "0" + national, str(number.country_code) + national}
        if number.extension:
            forms.add(number.extension)
    return {form for form in forms if form}


@dataclass(frozen=True)
class Mention:
    """A phone-like number written in a text, and where (character offset)."""

    text: str
    start: int


def phone_mentions(text: str) -> Iterator[Mention]:
    """Phone-like numbers in prose, skipping amounts, durations, dates, years and short digits."""
    cleaned = _URL.sub(lambda m: " " * len(m.group()), text)
    cleaned = _DATE.sub(lambda m: " " * len(m.group()), cleaned)
    for match in _CANDIDATE.finditer(cleaned):
        yield from _pieces(cleaned, match.group(), match.start())


def _pieces(text: str, candidate: str, start: int) -> Iterator[Mention]:
    """The candidate if it is phone-like; with a unit after a spaced-out run, its front part.

    "0120-250-168 24 giờ" is the number 0120-250-168 followed by a duration, so the last group is
    dropped and the rest looked at again, instead of skipping the whole run as an amount.
    """
    candidate = candidate.rstrip()
    if _followed_by_unit(text, candidate, start) and " " in candidate:
        yield from _pieces(text, candidate.rsplit(" ", 1)[0], start)
    elif _is_phone_like(text, candidate, start):
        yield Mention(candidate, start)


def _followed_by_unit(text: str, candidate: str, start: int) -> bool:
    return _UNIT_AFTER.match(text[start + len(candidate) :].lower()) is not None


def _is_phone_like(text: str, candidate: str, start: int) -> bool:
    if len(digits(candidate)) < 3 or _AMOUNT.fullmatch(candidate):
        return False
    if candidate[0] not in "#+0" and "-" in candidate and len(digits(candidate)) < 7:
        return False  # "9-17", "1-6-1": a range or a block number, not a phone number
    if _followed_by_unit(text, candidate, start):
        return False
    return _PREFIX_BEFORE.search(text[:start].lower()) is None


def unknown_mentions(text: str, known: Iterable[str], country: str) -> list[Mention]:
    """Numbers in ``text`` that match none of the ``known`` phones (as comparable forms)."""
    forms: set[str] = set()
    for phone in known:
        forms |= comparable_forms(phone, country)
    return [m for m in phone_mentions(text) if not _known(m.text, forms, country)]


def _known(written: str, forms: set[str], country: str) -> bool:
    if comparable_forms(written, country) & forms:
        return True
    parts = written.split()
    return len(parts) > 1 and all(
        len(digits(part)) < 3 or comparable_forms(part, country) & forms for part in parts
    )
