"""Name keys: the form of a film, critic or outlet name that matching compares."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^\w]+")
_YEAR_SUFFIX = re.compile(r"\s*\((\d{4})\)\s*$")


def name_key(name: str) -> str:
    """Case-, accent- and punctuation-blind key: "Amélie (2001)" -> "amelie 2001"."""
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", stripped.casefold()).strip()


def split_year(title: str) -> tuple[str, str | None]:
    """("Her (2013)") -> ("Her", "2013"); a title without a year -> (title, None)."""
    match = _YEAR_SUFFIX.search(title)
    if match is None:
        return title.strip(), None
    return title[: match.start()].strip(), match.group(1)


_ALTERNATES = re.compile(r"(?:\s*\([^()]+\))+")
_ALTERNATE = re.compile(r"\(([^()]+)\)")


def alternate_titles(title: str) -> list[str]:
    """The titles a stored title gives for its film besides itself, as RT writes a foreign
    film: "Seven Samurai (Shichinin no Samurai)" -> ["Seven Samurai", "Shichinin no Samurai"];
    "Kagemusha (Shadow Warrior) (The Double)" -> ["Kagemusha", "Shadow Warrior", "The Double"].
    A year in parentheses is no title ("Up (2009)" -> []), nor is a title with words after
    its parentheses."""
    base = split_year(title)[0]
    opens = base.find(" (")
    if opens <= 0 or not _ALTERNATES.fullmatch(base[opens:]):
        return []
    alternates = [a.strip() for a in _ALTERNATE.findall(base[opens:]) if a.strip()]
    return [base[:opens].strip(), *alternates]
