"""The three host countries (and Viet Nam, for its missions): base data for every layer.

Codes, the NLU's entity values, flags, names, the language of each country's phrase cards and how
people write each country's name. Defined once here, below both ``actions`` and ``bot``, so that
the content checks, the engine, the recruitment tools and the NLU read the same list. Names are
Vietnamese message ids marked with ``N_`` for Babel; ``bot.i18n.country_name`` translates them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from vietnlp.text import normalise


def N_(message: str) -> str:  # Babel's marker for strings translated later
    """Mark ``message`` for the catalog without translating it now."""
    return message


COUNTRY_CODES = ("jp", "kr", "tw")  # content folders, the users table, in this order everywhere
CONTACT_COUNTRIES = (*COUNTRY_CODES, "vn")  # contacts may also be Viet Nam's (citizen protection)


@dataclass(frozen=True)
class Country:
    code: str  # jp | kr | tw
    entity: str  # the NLU's canonical entity value
    flag: str
    name: str  # Vietnamese (a message id: translate it with bot.i18n.country_name)
    english: str  # for editors' messages and the console
    phrase_language: str  # BCP 47 tag of the phrase cards shown to staff and doctors
    aliases: tuple[str, ...]  # normalised ways people write the country


COUNTRIES: Mapping[str, Country] = {
    "jp": Country(
        "jp", "japan", "🇯🇵", N_("Nhật Bản"), "Japan", "ja", ("nhat", "nhat ban", "japan", "nippon")
    ),
    "kr": Country(
        "kr", "korea", "🇰🇷", N_("Hàn Quốc"), "Korea", "ko",
        ("han", "han quoc", "korea", "south korea"),
    ),
    "tw": Country(
        "tw", "taiwan", "🇹🇼", N_("Đài Loan"), "Taiwan", "zh-Hant", ("dai loan", "dai", "taiwan")
    ),
}  # fmt: skip

# English names of every country a contact may belong to.
COUNTRY_NAMES: Mapping[str, str] = {
    **{code: country.english for code, country in COUNTRIES.items()},
    "vn": "Viet Nam",
}
PHRASE_LANGUAGE: Mapping[str, str] = {c.code: c.phrase_language for c in COUNTRIES.values()}


def country_code(value: str | None) -> str | None:
    """jp | kr | tw from a code, an NLU entity value or a name as typed ("Hàn", "dai loan")."""
    if not value:
        return None
    if value in COUNTRIES:
        return value
    wanted = normalise(value)
    for country in COUNTRIES.values():
        if wanted == country.entity or wanted in country.aliases:
            return country.code
    return None
