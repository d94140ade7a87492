"""The three host countries: codes, NLU entity values, names, flags, and how people write them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.i18n import _
from vietnlp.text import normalise

COUNTRY_CODES = ("jp", "kr", "tw")


@dataclass(frozen=True)
class Country:
    code: str  # jp | kr | tw: content folders and the users table
    entity: str  # the NLU's canonical entity value
    flag: str
    aliases: tuple[str, ...]  # normalised ways people write the country


COUNTRIES: Mapping[str, Country] = {
    "jp": Country("jp", "japan", "🇯🇵", ("nhat", "nhat ban", "japan", "nippon")),
    "kr": Country("kr", "korea", "🇰🇷", ("han", "han quoc", "korea", "south korea")),
    "tw": Country("tw", "taiwan", "🇹🇼", ("dai loan", "dai", "taiwan")),
}


def country_name(code: str) -> str:
    """The country's name in the current locale."""
    names = {"jp": _("Nhật Bản"), "kr": _("Hàn Quốc"), "tw": _("Đài Loan")}
    return names[code]


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
