"""The dates a question limits its reviews to, in its own words: "in 2012", "from 2012" (that
year, as "reviews from 2012" says; "from 2012 on" is since), "before 2000", "after 1998",
"since 2010", "between 1995 and 1999", "from 1995 to 1999", "the best film of 2017", "a 1999
film", "the 2010s", "the '90s". A year is one from 1900 to 2099 after one of those words; a
film's own year ("Toy Story in 1995" when the index holds Toy Story (1995)) names the film, not
a date.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from index.names import split_year

_YEAR = r"((?:19|20)\d\d)"
_BETWEEN = re.compile(
    rf"\b(?:between\s+{_YEAR}\s+and|from\s+{_YEAR}\s*(?:to|until|till|through|-|–))\s*{_YEAR}\b",
    re.IGNORECASE,
)
_SINGLE = re.compile(
    rf"\b(in|during|of|before|until|till|prior to|after|since|from)\s+{_YEAR}"
    rf"(\s+(?:on|onwards?|forward|and later|or later))?\b",
    re.IGNORECASE,
)
_YEAR_OF_FILM = re.compile(rf"\b{_YEAR}\s+(?:films?|movies?|releases?)\b", re.IGNORECASE)
# "the 2010s", "the 1990s", "the '90s", "the 90s" (a decade of two digits: 30s to 90s of the
# 1900s, 00s to 20s of the 2000s)
_DECADE = re.compile(r"\bthe\s+['’]?((?:19|20)\d0|\d0)['’]?s\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DateRange:
    """An inclusive range of review dates (YYYY-MM-DD), either end open."""

    since: str | None = None
    until: str | None = None


def dates_asked(question: str, films: Collection[str] = ()) -> DateRange:
    """The review dates `question` asks about; an open range when it names none. `films` are
    the films it names: a year one of them carries is the film's, no date."""
    own = {split_year(film)[1] for film in films}
    between = _BETWEEN.search(question)
    if between:
        years = [int(year) for year in between.groups() if year]
        first, last = sorted(years)
        return DateRange(f"{first}-01-01", f"{last}-12-31")
    decade = _DECADE.search(question)
    if decade:
        digits = decade.group(1)
        start = int(digits) if len(digits) == 4 else (1900 if int(digits) >= 30 else 2000)
        start += 0 if len(digits) == 4 else int(digits)
        return DateRange(f"{start}-01-01", f"{start + 9}-12-31")
    of_film = _YEAR_OF_FILM.search(question)
    if of_film and of_film.group(1) not in own:
        return DateRange(f"{of_film.group(1)}-01-01", f"{of_film.group(1)}-12-31")
    for found in _SINGLE.finditer(question):
        word, year = found.group(1).casefold(), int(found.group(2))
        if str(year) in own:
            continue
        if word in ("in", "during", "of") or (word == "from" and not found.group(3)):
            return DateRange(f"{year}-01-01", f"{year}-12-31")
        if word in ("before", "until", "till", "prior to"):
            return DateRange(until=f"{year - 1}-12-31")
        if word == "after":
            return DateRange(since=f"{year + 1}-01-01")
        return DateRange(since=f"{year}-01-01")  # since, from
    return DateRange()
