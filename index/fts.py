"""The lexical index's query language (SQLite FTS5), written in one place."""

from __future__ import annotations

import re
from collections.abc import Sequence

_FTS_SAFE = re.compile(r"[^\w]+")


def fts_query(terms: Sequence[str], exact: set[str] | frozenset[str] = frozenset()) -> str:
    """An FTS5 query matching any term, or its simple plural/singular form unless the term
    is in `exact` (names are not inflected)."""
    forms: list[str] = []
    for term in terms:
        word = _FTS_SAFE.sub("", term)
        if not word:
            continue
        variants = {word}
        if term not in exact:
            variants.add(other_number(word))
        forms.extend(f'"{v}"' for v in sorted(variants))
    return " OR ".join(forms)


def other_number(word: str) -> str:
    """The simple singular of a plural, or plural of a singular: "jokes" -> "joke",
    "performance" -> "performances" (no dictionary: a form no text writes finds nothing)."""
    return word[:-1] if word.endswith("s") and len(word) > 3 else word + "s"


def phrase_query(text: str) -> str:
    """An FTS5 query matching the words of `text` in order ("" when it has none)."""
    words = re.findall(r"\w+", text.casefold())
    return '"' + " ".join(words) + '"' if words else ""
