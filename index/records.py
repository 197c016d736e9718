"""The records that flow through ingest: a review as loaded, a problem with a row, a chunk,
and the report of a run."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Sentiment = Literal["positive", "negative", "unknown"]


@dataclass(frozen=True, slots=True)
class Review:
    """One critic review as read from a corpus file.

    `id` is the source's own id when it has one, else `stable_review_id(...)`; it is what
    citations carry, so it never depends on file position or ingest order.
    """

    id: str
    film: str
    text: str
    critic: str = ""
    publication: str = ""
    date: str = ""  # ISO 8601 date (YYYY-MM-DD) or "" when unknown
    sentiment: Sentiment = "unknown"
    rating: str = ""
    top_critic: bool = False
    url: str = ""
    source: str = ""  # the file the review came from (absolute path)
    line: int = 0  # 1-based line (or record number) in that file

    def content_hash(self) -> str:
        """A digest of everything stored about the review; a change means re-embedding."""
        parts = (
            self.film,
            self.text,
            self.critic,
            self.publication,
            self.date,
            self.sentiment,
            self.rating,
            str(self.top_critic),
            self.url,
        )
        return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=12).hexdigest()


def stable_review_id(film: str, critic: str, publication: str, text: str) -> str:
    """The id of a review whose source has none: a hash of what identifies it."""
    key = "\x1f".join(s.strip().casefold() for s in (film, critic, publication, text))
    return "h" + hashlib.blake2b(key.encode(), digest_size=10).hexdigest()


def has_computed_id(review: Review) -> bool:
    """True when the review's id is `stable_review_id(...)` of it, not an id its source gave."""
    return review.id == stable_review_id(
        review.film, review.critic, review.publication, review.text
    )


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row that was skipped: where it is, why, and the row as the file holds it (`raw`)."""

    source: str
    line: int
    reason: str
    raw: str = field(default="", compare=False, repr=False)

    def to_json(self) -> dict[str, str | int]:
        """`{"file", "line", "reason", "raw"}`: one line of `ingest --skipped FILE`."""
        return {"file": self.source, "line": self.line, "reason": self.reason, "raw": self.raw}

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Chunk:
    """A piece of a review's text with its character offsets in the review."""

    review_id: str
    index: int
    text: str
    start: int
    end: int
    meta: dict[str, str | int | float | bool] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.review_id}#{self.index}"


@dataclass
class FileReport:
    """What ingest did with one source: a file synced, or (`gone`) a vanished one pruned."""

    path: Path
    source: str = ""  # the name reviews carry: the absolute path, or the name a caller gave
    reviews: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    film_from: str | None = None
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    gone: bool = False


@dataclass
class IngestReport:
    """The summary of one ingest run."""

    files: list[FileReport] = field(default_factory=list)
    recovered: int = 0
    repaired: list[str] = field(default_factory=list)  # what the check at the start put right
    chunks_written: int = 0
    seconds: float = 0.0

    @property
    def added(self) -> int:
        return sum(f.added for f in self.files)

    @property
    def updated(self) -> int:
        return sum(f.updated for f in self.files)

    @property
    def removed(self) -> int:
        return sum(f.removed for f in self.files)

    @property
    def unchanged(self) -> int:
        return sum(f.unchanged for f in self.files)

    @property
    def skipped(self) -> int:
        return sum(len(f.problems) for f in self.files)

    @property
    def failed(self) -> bool:
        return any(f.error is not None for f in self.files)

    def write_skipped(self, path: Path) -> int:
        """Write every skipped row as JSON Lines (`file`, `line`, `reason`, `raw`); the count."""
        problems = [p for f in self.files for p in f.problems]
        with Path(path).open("w", encoding="utf-8") as out:
            for problem in problems:
                out.write(json.dumps(problem.to_json(), ensure_ascii=False) + "\n")
        return len(problems)
