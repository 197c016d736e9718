"""The records that flow through ingest: a review as loaded, a problem with a row, a chunk."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
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


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row that was skipped: where it is and why."""

    source: str
    line: int
    reason: str

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
