"""How the catalog stores a review in a row: its columns, and the `Review` read back from one."""

from __future__ import annotations

from collections.abc import Sequence

from index.records import Review

REVIEW_COLUMNS = (
    "id, film, critic, publication, date, sentiment, rating, top_critic, url, source, line, text"
)
# the same, each qualified by the alias "r" (for queries that join reviews with other tables)
REVIEW_COLUMNS_R = ", ".join(f"r.{column.strip()}" for column in REVIEW_COLUMNS.split(","))


def review_from_row(row: Sequence[object]) -> Review:
    """A Review from a row selected with REVIEW_COLUMNS."""
    (rid, film, critic, pub, date, sentiment, rating, top, url, source, line, text) = row
    return Review(
        id=str(rid),
        film=str(film),
        critic=str(critic),
        publication=str(pub),
        date=str(date),
        sentiment=sentiment,  # type: ignore[arg-type]
        rating=str(rating),
        top_critic=bool(top),
        url=str(url),
        source=str(source),
        line=int(line),  # type: ignore[call-overload]
        text=str(text),
    )
