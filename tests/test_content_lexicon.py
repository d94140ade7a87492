"""The shipped emergency lexicon is usable by the safety net.

This is the one test that reads shipped content: the lexicon is part of the safety net, so a
broken edit must fail CI, not only ``content check``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.content.loader import LEXICON_FILE, ContentTree, Item, read_yaml, to_model
from bot.content.schema import LexiconDoc
from bot.content.validate import validate
from vietnlp.text import normalise

SHIPPED = Path(__file__).resolve().parent.parent / "content"


def load_shipped() -> ContentTree:
    node, problem = read_yaml(SHIPPED, LEXICON_FILE)
    assert problem is None, str(problem)
    doc, problems = to_model(LEXICON_FILE, node, LexiconDoc)
    assert doc is not None, "\n".join(map(str, problems))
    return ContentTree(root=SHIPPED, lexicon=Item(LEXICON_FILE, node, doc))


def test_shipped_lexicon_is_valid_and_large_enough() -> None:
    tree = load_shipped()
    assert validate(tree, date(2026, 11, 22)).errors == []
    assert tree.lexicon is not None
    terms = [t for _, ts in tree.lexicon.model for t in ts if t]
    assert len(terms) >= 60
    normalised = {normalise(t) for t in terms}
    for required in ("cấp cứu", "khó thở", "bất tỉnh", "tự tử", "muốn chết", "bị đánh", "sos"):
        assert normalise(required) in normalised
