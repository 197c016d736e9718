"""Which reviews a read may draw on, and its two translations: a WHERE fragment over the
catalog's reviews table (used by `index.reads`) and a Chroma `where` clause over the chunk
metadata ingest writes (used by `Index.nearest`). The core builds a `Filters`; only the data
layer turns it into a query."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from index.names import name_key


def date_number(iso_date: str) -> int:
    """ "2013-12-18" -> 20131218, "" -> 0: the number a date is stored and range-filtered as
    in Chroma's metadata."""
    digits = iso_date.replace("-", "")[:8]
    return int(digits) if len(digits) == 8 and digits.isdigit() else 0


@dataclass(frozen=True)
class Filters:
    """Which reviews an answer may draw on. Empty lists mean no restriction."""

    films: tuple[str, ...] = ()
    critics: tuple[str, ...] = ()
    outlets: tuple[str, ...] = ()
    sentiment: str | None = None  # "positive" / "negative" / "unknown"
    since: str | None = None  # YYYY-MM-DD, inclusive
    until: str | None = None
    top_critics: bool = False
    exclude_reviews: tuple[str, ...] = field(default=(), compare=False)

    def merged_over(self, base: Filters) -> Filters:
        """These filters, with `base` filling what these leave open."""
        return replace(
            self,
            films=self.films or base.films,
            critics=self.critics or base.critics,
            outlets=self.outlets or base.outlets,
            sentiment=self.sentiment or base.sentiment,
            since=self.since or base.since,
            until=self.until or base.until,
            top_critics=self.top_critics or base.top_critics,
        )


def _name_keys(filters: Filters) -> list[tuple[str, list[str]]]:
    """(column, sorted distinct name keys) of each name filter given."""
    named = (
        ("film_key", filters.films),
        ("critic_key", filters.critics),
        ("publication_key", filters.outlets),
    )
    return [(column, sorted({name_key(n) for n in names})) for column, names in named if names]


def sql_where(filters: Filters, alias: str = "r") -> tuple[str, list[object]]:
    """A WHERE fragment over the reviews table (aliased `alias`) and its parameters."""
    parts: list[str] = []
    params: list[object] = []
    for column, keys in _name_keys(filters):
        parts.append(f"{alias}.{column} IN ({','.join('?' * len(keys))})")
        params.extend(keys)
    if filters.sentiment:
        parts.append(f"{alias}.sentiment = ?")
        params.append(filters.sentiment)
    if filters.since:
        parts.append(f"{alias}.date != '' AND {alias}.date >= ?")
        params.append(filters.since)
    if filters.until:
        parts.append(f"{alias}.date != '' AND {alias}.date <= ?")
        params.append(filters.until)
    if filters.top_critics:
        parts.append(f"{alias}.top_critic = 1")
    return (" AND ".join(parts) or "1"), params


def chroma_where(filters: Filters) -> dict[str, Any] | None:
    """The Chroma `where` clause over chunk metadata; None when nothing is filtered."""
    clauses: list[dict[str, Any]] = []
    for column, keys in _name_keys(filters):
        clauses.append({column: keys[0]} if len(keys) == 1 else {column: {"$in": keys}})
    if filters.sentiment:
        clauses.append({"sentiment": filters.sentiment})
    if filters.since:
        clauses.append({"date": {"$gte": date_number(filters.since)}})
    if filters.until:
        # an unknown date is stored as 0: it is not "on or before" anything
        clauses.append({"date": {"$lte": date_number(filters.until)}})
        if not filters.since:
            clauses.append({"date": {"$gt": 0}})
    if filters.top_critics:
        clauses.append({"top_critic": True})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
