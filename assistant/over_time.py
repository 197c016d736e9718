"""How a scope's reception ran over time, from the catalog's counts by year of review date:
"how did the reception of Titanic change over time?" (every year with a review), "did critics
like Titanic more in 2012 than in 1997?" (the two years side by side). No passage says this:
the counts are the finding, and the quotes are the scope's (of the first year named, when two
are).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_OVER_TIME = re.compile(
    r"\bover (?:time|the years|the decades)\b|\b(?:year by year|by year|through the years|"
    r"since (?:its )?release)\b",
    re.IGNORECASE,
)
_CHANGE = re.compile(r"\b(?:chang|shift|evolv|grew|grow)\w*", re.IGNORECASE)
_RECEPTION = re.compile(
    r"\b(?:reception|opinions?|views?|verdicts?|consensus|critics?|reviews?|reviewers?)\b",
    re.IGNORECASE,
)
_YEAR = r"((?:19|20)\d\d)"
_TWO_YEARS = re.compile(  # "in 2012 than in 1997", "2012 versus 1997" (not a title's "(1997)")
    rf"\b(?:in|during)\s+{_YEAR}\b.*?\b(?:than|versus|vs\.?|compared (?:to|with)|against|or|"
    rf"and)\s+(?:in\s+|during\s+)?{_YEAR}\b|\b{_YEAR}\s+(?:versus|vs\.?|against)\s+{_YEAR}\b",
    re.IGNORECASE,
)
# the words that ask for it, which name no thing
OVER_TIME_WORDS = frozenset(
    """change changes changed changing shift shifted shifts evolve evolved evolving grew grow
    grown time years decades year release since through""".split()
)


@dataclass(frozen=True, slots=True)
class OverTimeAsked:
    """A question about reception over time: by every year, or two `years` side by side."""

    years: tuple[str, str] | None = None


def over_time_asked(question: str) -> OverTimeAsked | None:
    """What a question asks of time ("over time", "how has the reception changed", "in 2012
    than in 1997"); None for any other question."""
    two = _TWO_YEARS.search(question)
    if two:
        first, second = (year for year in two.groups() if year)
        if first != second:
            return OverTimeAsked((first, second))
    if _OVER_TIME.search(question) or (_CHANGE.search(question) and _RECEPTION.search(question)):
        return OverTimeAsked()
    return None


MAX_YEARS = 15  # more years with reviews than this are counted by decade


def _by_decade(years: Mapping[str, tuple[int, int, int]]) -> dict[str, tuple[int, int, int]]:
    """The years' counts added up by decade ("1990s"), oldest first."""
    decades: dict[str, tuple[int, int, int]] = {}
    for year, (n, pos, neg) in sorted(years.items()):
        decade = f"{year[:3]}0s"
        total, positive, negative = decades.get(decade, (0, 0, 0))
        decades[decade] = (total + n, positive + pos, negative + neg)
    return decades


def _share(positive: int, negative: int) -> str:
    labelled = positive + negative
    return f"{round(100 * positive / labelled)}% positive" if labelled else "none labelled"


@dataclass(frozen=True, slots=True)
class OverTime:
    """A scope's reviews counted by year, for the lead."""

    scope: str  # "reviews of Titanic"
    years: Mapping[str, tuple[int, int, int]]  # year ("" undated) -> reviews, pos, neg
    asked: OverTimeAsked

    def lead(self) -> str:
        """'The 20 reviews of Titanic by year of review date: 1997, 3 (67% positive); 2012,
        15 (100% positive). 2 are undated.' or, two years asked, each year's counts and which
        was the more positive."""
        dated = {year: counts for year, counts in self.years.items() if year}
        total = sum(n for n, _, _ in self.years.values())
        if not total:
            return f"The index holds no {self.scope}."
        if self.asked.years is not None:
            return self._two_years(*self.asked.years)
        if not dated:
            return f"None of the {total:,} {self.scope} carries a date."
        unit = "year"
        if len(dated) > MAX_YEARS:  # decades, not forty years in a row
            unit, dated = "decade", _by_decade(dated)
        listed = "; ".join(
            f"{period}, {n:,} ({_share(pos, neg)})" for period, (n, pos, neg) in dated.items()
        )
        text = f"The {total:,} {self.scope} by {unit} of review date: {listed}."
        undated = self.years.get("", (0, 0, 0))[0]
        if undated:
            text += f" {undated:,} {'is' if undated == 1 else 'are'} undated."
        return text

    def _two_years(self, first: str, second: str) -> str:
        said = []
        shares = {}
        for year in (first, second):
            n, pos, neg = self.years.get(year, (0, 0, 0))
            if not n:
                said.append(f"none of the {self.scope} is dated {year}")
                continue
            verb = "is" if n == 1 else "are"
            said.append(f"{n:,} of the {self.scope} {verb} dated {year} ({_share(pos, neg)})")
            if pos + neg:
                shares[year] = pos / (pos + neg)
        text = "; ".join(said) + "."
        text = text[:1].upper() + text[1:]
        if len(shares) == 2:
            a, b = shares[first], shares[second]
            if round(100 * a) == round(100 * b):
                text += " Critics were as positive in both years."
            else:
                more = first if a > b else second
                text += f" Critics were more positive in {more}."
        return text
