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
            variants.update(other_numbers(word))
        forms.extend(f'"{v}"' for v in sorted(variants))
    return " OR ".join(forms)


_SIBILANT = ("s", "x", "z", "ch", "sh")
_VOWELS = "aeiou"


def other_numbers(word: str) -> tuple[str, ...]:
    """The simple singular of a plural, or plural of a singular, by the regular rules of
    English spelling: "jokes" -> "joke", "performance" -> "performances", "story" ->
    "stories", "stories" -> "story" and "storie", "box" -> "boxes". No dictionary: where the
    spelling alone cannot tell ("movies" -> "movie" or "movy"), every reading is given, and
    a form no text writes finds nothing."""
    if word.endswith("ies") and len(word) > 4:
        return (word[:-3] + "y", word[:-1])
    if word.endswith("es") and len(word) > 4 and word[:-2].endswith(_SIBILANT):
        return (word[:-2], word[:-1])
    if word.endswith("s") and len(word) > 3 and not word.endswith(("ss", "us", "is")):
        return (word[:-1],)
    if word.endswith("is") and len(word) > 3:
        return (word[:-2] + "es",)
    if word.endswith("y") and len(word) > 2 and word[-2] not in _VOWELS:
        return (word[:-1] + "ies",)
    if word.endswith(_SIBILANT):
        return (word + "es",)
    return (word + "s",)


def phrase_query(text: str) -> str:
    """An FTS5 query matching the words of `text` in order ("" when it has none)."""
    words = re.findall(r"\w+", text.casefold())
    return '"' + " ".join(words) + '"' if words else ""
