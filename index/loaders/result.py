"""What loading one file gives back, and the within-file duplicate check."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from index.records import Review, RowProblem


@dataclass
class LoadResult:
    """The reviews read from one file, the rows skipped and why, and notes for the user."""

    path: Path
    reviews: list[Review]
    problems: list[RowProblem]
    film_from: str | None = None  # for .txt: "--film", "first line" or "file name"; else None
    notes: list[str] = field(default_factory=list)


class Problems:
    """Collects RowProblems for one file; JSON arrays count elements, so reasons say so."""

    def __init__(self, source: str, unit: str = "line") -> None:
        self.source = source
        self.unit = unit
        self.items: list[RowProblem] = []

    def add(self, line: int, reason: str) -> None:
        if self.unit != "line":
            reason = f"array {self.unit} {line}: {reason}"
        self.items.append(RowProblem(self.source, line, reason))

    def sorted(self) -> list[RowProblem]:
        return sorted(self.items, key=lambda problem: problem.line)


def drop_duplicates(
    reviews: Iterable[Review], problems: Problems, hashed_ids: frozenset[str] = frozenset()
) -> list[Review]:
    """Keep the first review of each id; report exact repeats and ids reused for other content.

    `hashed_ids` are ids computed from the content (not the source's own), which makes a
    conflict mean "same film, critic, outlet and text, other fields differ".
    """
    first: dict[str, tuple[int, str]] = {}
    kept: list[Review] = []
    for review in reviews:
        digest = review.content_hash()
        seen = first.get(review.id)
        if seen is None:
            first[review.id] = (review.line, digest)
            kept.append(review)
            continue
        line, seen_digest = seen
        if seen_digest == digest:
            problems.add(review.line, f"repeats {problems.unit} {line}")
            continue
        reason = f"duplicate id {review.id} (first at {problems.unit} {line})"
        if review.id in hashed_ids:
            reason += (
                ": same film, critic, outlet and text up to letter case; something else differs"
            )
        problems.add(review.line, reason)
    return kept
