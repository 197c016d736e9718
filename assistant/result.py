"""The one result schema every face returns (CLI --json, HTTP, UI)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from index.records import Review


@dataclass(frozen=True, slots=True)
class Source:
    """A numbered passage handed to an engine: a chunk of one review, with its offsets."""

    n: int
    review: Review
    text: str  # the passage (a chunk of review.text)
    start: int  # offset of `text` in review.text
    end: int
    score: float = 0.0


@dataclass(slots=True)
class Citation:
    """One cited review: the exact quoted text and its character offsets in the review."""

    n: int
    review_id: str
    film: str
    critic: str
    publication: str
    date: str
    sentiment: str
    quote: str
    span: tuple[int, int]
    verified: bool

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["span"] = list(self.span)
        return data


@dataclass(slots=True)
class Coverage:
    used: int  # distinct reviews cited
    film_reviews: int  # reviews the index holds for the film(s) asked about (0 = no film)
    films: list[str] = field(default_factory=list)

    def line(self) -> str:
        """'Based on 8 of 25 reviews of Her (2013).'"""
        noun = "review" if self.used == 1 else "reviews"
        if len(self.films) == 1 and self.film_reviews:
            return f"Based on {self.used} of {self.film_reviews} reviews of {self.films[0]}."
        if self.films and self.film_reviews:
            return (
                f"Based on {self.used} of {self.film_reviews} reviews of {', '.join(self.films)}."
            )
        return f"Based on {self.used} {noun}."


@dataclass(slots=True)
class Result:
    id: str | None
    question: str
    answer: str
    engine: str
    citations: list[Citation]
    coverage: Coverage
    timings_ms: dict[str, float]
    engine_reason: str = ""  # why this engine answered (e.g. "Ollama unreachable at ...")
    problems: list[str] = field(default_factory=list)  # e.g. dropped markers

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "answer": self.answer,
            "engine": self.engine,
            "engine_reason": self.engine_reason,
            "citations": [c.to_json() for c in self.citations],
            "coverage": {
                "used": self.coverage.used,
                "film_reviews": self.coverage.film_reviews,
                "films": self.coverage.films,
                "line": self.coverage.line(),
            },
            "problems": self.problems,
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }
