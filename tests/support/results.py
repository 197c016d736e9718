"""Results and citations built by hand for the renderers' tests."""

from __future__ import annotations

import re

from assistant.result import Citation, Coverage, Result

_MARKERS = re.compile(r" (?:\[\d+\])+")


def unmarked(text: str) -> str:
    """`text` without its citation markers ("4 positive [1][2], 1 negative [3]" -> "4
    positive, 1 negative"): for checks of a finding's words and counts."""
    return _MARKERS.sub("", text)


def make_citation(n: int = 1, **changes: object) -> Citation:
    """A verified citation of a negative review of Her (2013); `changes` override fields."""
    values: dict[str, object] = {
        "n": n,
        "review_id": f"r{n}",
        "film": "Her (2013)",
        "critic": "Mallory Test",
        "publication": "The Gazette",
        "date": "2014-01-10",
        "sentiment": "negative",
        "quote": "Phoenix is oddly flat.",
        "span": (0, 22),
        "verified": True,
    }
    values.update(changes)
    return Citation(**values)  # type: ignore[arg-type]


def make_result(
    *citations: Citation, answer: str, question: str, engine_reason: str = ""
) -> Result:
    """An extractive result over 25 reviews of Her (2013) citing `citations`."""
    return Result(
        id="q1",
        question=question,
        answer=answer,
        engine="extractive",
        engine_reason=engine_reason,
        citations=list(citations),
        coverage=Coverage(used=len(citations), film_reviews=25, films=["Her (2013)"]),
        timings_ms={},
    )
