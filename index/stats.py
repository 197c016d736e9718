"""What the index holds: counts of reviews, chunks, films, critics, outlets, per film."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from index.store import Index


@dataclass
class FilmCount:
    reviews: int
    positive: int
    negative: int


@dataclass
class Stats:
    reviews: int
    chunks: int
    vectors: int
    films: int
    critics: int
    outlets: int
    per_film: dict[str, FilmCount] = field(default_factory=dict)
    embedding_model: str | None = None

    @property
    def consistent(self) -> bool:
        """The catalog and Chroma hold the same number of chunks."""
        return self.chunks == self.vectors

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["consistent"] = self.consistent
        return data


@dataclass(frozen=True)
class Counts:
    """What a health check reports: entries in the catalog and in Chroma (cheap to read)."""

    reviews: int
    chunks: int
    vectors: int

    @property
    def consistent(self) -> bool:
        return self.chunks == self.vectors


@dataclass(frozen=True)
class Holdings:
    """What the index holds, in a line for a first visit: films, reviews, critics, dates."""

    films: int
    reviews: int
    critics: int
    first_date: str  # earliest known review date (YYYY-MM-DD), "" when no review has one
    last_date: str

    def line(self) -> str:
        """'26 reviews of 1 film by 24 critics, 2013-10-02 to 2014-03-01.'"""
        films = "film" if self.films == 1 else "films"
        critics = "critic" if self.critics == 1 else "critics"
        reviews = "review" if self.reviews == 1 else "reviews"
        text = f"{self.reviews:,} {reviews} of {self.films:,} {films}"
        if self.critics:
            text += f" by {self.critics:,} {critics}"
        if self.first_date:
            text += f", {self.first_date} to {self.last_date}"
        return text + "."


def holdings(index: Index) -> Holdings:
    """Films, reviews, named critics and the range of known dates in the catalog."""
    return Holdings(*index.catalog.holdings())


def count_entries(index: Index) -> Counts:
    """Reviews and chunks in the catalog, vectors in Chroma; no per-film or distinct scans."""
    catalog = index.catalog
    return Counts(catalog.count_reviews(), catalog.chunk_count(), index.vectors.count())


def collect_stats(index: Index) -> Stats:
    catalog = index.catalog
    reviews, films, critics, outlets = catalog.name_counts()
    return Stats(
        reviews=reviews,
        chunks=catalog.chunk_count(),
        vectors=index.vectors.count(),
        films=films,
        critics=critics,
        outlets=outlets,
        per_film={film: FilmCount(*counts) for film, counts in catalog.film_counts().items()},
        embedding_model=catalog.get_meta("embedding_model"),
    )
