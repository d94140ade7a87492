"""The emergency facts of one country, gathered from the live content for flyers and cards.

Everything comes from published answers, so a number an editor fixes reaches the next flyer and
card: the emergency numbers and missions are the contacts of the ``emergency-numbers`` answer
(what the SOS button shows), the phrases those of ``emergency-phrases``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.content.repository import ContactView, ContentRepository, Phrase
from bot.i18n import country_name

SOS_ANSWER = "emergency-numbers"
PHRASES_ANSWER = "emergency-phrases"
CARD_PHRASES = 3


class NoPublishedContent(LookupError):
    """The country has no published SOS answer yet (nothing safe to print)."""


@dataclass(frozen=True)
class EmergencySheet:
    country: str
    country_name: str
    emergency: tuple[ContactView, ...]  # ambulance, police… (kind "emergency")
    # crisis lines, help lines, Vietnamese missions and citizen-protection lines (in the answer's
    # order), only those with a phone: a mission without a verified way to reach it is left out
    help_lines: tuple[ContactView, ...]
    phrases: tuple[Phrase, ...]
    phrase_lang: str | None
    verified_on: date  # the oldest check among what is shown
    version: int


def emergency_sheet(repo: ContentRepository, country: str) -> EmergencySheet:
    sos = repo.answer(SOS_ANSWER, country)
    if sos is None:
        raise NoPublishedContent(f"no published '{SOS_ANSWER}' answer for {country}")
    emergency = tuple(c for c in sos.contacts if c.kind == "emergency")
    help_lines = tuple(c for c in sos.contacts if c.kind != "emergency" and c.phones)
    phrase_answer = repo.answer(PHRASES_ANSWER, country)
    card = phrase_answer.phrases if phrase_answer else None
    dates = [sos.verified_on, *(c.verified_on for c in sos.contacts)]
    if phrase_answer:
        dates.append(phrase_answer.verified_on)
    return EmergencySheet(
        country=country,
        country_name=country_name(country),
        emergency=emergency,
        help_lines=help_lines,
        phrases=card.items[:CARD_PHRASES] if card else (),
        phrase_lang=card.lang if card else None,
        verified_on=min(dates),
        version=sos.version,
    )
