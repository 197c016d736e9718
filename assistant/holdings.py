"""Questions about the index itself ("which films are in the index?", "what films do you
have?", "how many reviews does the index hold?"): answered from the catalog, with no quote.
Read as questions about a thing, they counted the reviews that say "index" and quoted them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from assistant.findings import join
from index.stats import Holdings

# The index named as what holds the reviews, or the assistant asked what it has.
_ABOUT_INDEX = re.compile(
    r"\b(?:in|of|across|on) (?:the|your|this) (?:index|database|catalog(?:ue)?)\s*(?:[?.!,]|$)"
    r"|\b(?:the|your|this) (?:index|database|catalog(?:ue)?) (?:hold|have|contain|cover)"
    r"|\bdo you (?:have|hold|know|cover)\b"
    r"|\bcan i ask (?:you )?about\b",
    re.IGNORECASE,
)
MOST_NAMED = 10  # films named in the answer, most reviewed first


def index_asked(question: str) -> bool:
    """Does the question ask what the index holds (rather than what critics say)?"""
    return _ABOUT_INDEX.search(question) is not None


def holdings_lead(held: Holdings, films: Mapping[str, tuple[int, int, int]]) -> str:
    """What the index holds, from the catalog: `held` its counts, `films` each film's
    (reviews, positive, negative). "The index holds 20 reviews of 2 films by 5 critics. 14
    are labelled positive, 6 negative. Films: Fargo (1996) and Ronin (1998)." """
    if not held.reviews:
        return "The index holds no reviews yet: add some with `reviewqa ingest PATH`."
    positive = sum(p for _, p, _ in films.values())
    negative = sum(n for _, _, n in films.values())
    text = f"The index holds {held.line()}"
    if positive or negative:
        text += f" {positive:,} are labelled positive, {negative:,} negative."
    ranked = [film for film, _ in sorted(films.items(), key=lambda item: (-item[1][0], item[0]))]
    if len(ranked) == 1:
        return f"{text} The film: {ranked[0]}."
    heading = "Films, the most reviewed first" if len(ranked) > MOST_NAMED + 1 else "Films"
    return f"{text} {heading}: {join(ranked, most=MOST_NAMED)}."
