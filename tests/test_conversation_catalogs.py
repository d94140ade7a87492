"""The interface catalogs: English complete, placeholders intact, nothing left unextracted."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bot.i18n import LOCALE_DIR
from bot.settings import REPO_ROOT

PLACEHOLDER = re.compile(r"\{\w+\}")


def catalog_ids(locale: str) -> dict[str, str]:
    with (LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=locale)
    return {str(m.id): str(m.string) for m in catalog if m.id and "fuzzy" not in m.flags}


def test_english_is_fully_translated_with_the_same_placeholders() -> None:
    english = catalog_ids("en")
    assert english
    for msgid, msgstr in english.items():
        assert msgstr, f"untranslated: {msgid!r}"
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(msgstr)), msgid


def test_every_marked_string_is_in_the_catalogs() -> None:
    """Fails when code gained a string but the catalogs were not updated (see the README)."""
    with Path(REPO_ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    marked = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            REPO_ROOT, method_map, options_map
        )
    }
    for locale in ("vi", "en"):
        missing = marked - set(catalog_ids(locale)) - {""}
        assert not missing, (
            f"run the pybabel extract/update commands; missing in {locale}: {missing}"
        )
