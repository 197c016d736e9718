"""Filters on reviews: the same object narrows dense (Chroma `where`) and lexical (SQL) search."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from index.names import date_number, name_key


@dataclass(frozen=True)
class Filters:
    """Which reviews an answer may draw on. Empty lists mean no restriction."""

    films: tuple[str, ...] = ()
    critics: tuple[str, ...] = ()
    outlets: tuple[str, ...] = ()
    sentiment: str | None = None  # "positive" / "negative"
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

    def chroma_where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        for key, names in (
            ("film_key", self.films),
            ("critic_key", self.critics),
            ("publication_key", self.outlets),
        ):
            if names:
                keys = sorted({name_key(n) for n in names})
                clauses.append({key: keys[0]} if len(keys) == 1 else {key: {"$in": keys}})
        if self.sentiment:
            clauses.append({"sentiment": self.sentiment})
        if self.since:
            clauses.append({"date": {"$gte": date_number(self.since)}})
        if self.until:
            # an unknown date is stored as 0: it is not "on or before" anything
            clauses.append({"date": {"$lte": date_number(self.until)}})
            if not self.since:
                clauses.append({"date": {"$gt": 0}})
        if self.top_critics:
            clauses.append({"top_critic": True})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def sql(self, alias: str = "r") -> tuple[str, list[object]]:
        """A WHERE fragment over the reviews table (aliased `alias`) and its parameters."""
        parts: list[str] = []
        params: list[object] = []
        for column, names in (
            ("film_key", self.films),
            ("critic_key", self.critics),
            ("publication_key", self.outlets),
        ):
            if names:
                keys = sorted({name_key(n) for n in names})
                parts.append(f"{alias}.{column} IN ({','.join('?' * len(keys))})")
                params.extend(keys)
        if self.sentiment:
            parts.append(f"{alias}.sentiment = ?")
            params.append(self.sentiment)
        if self.since:
            parts.append(f"{alias}.date != '' AND {alias}.date >= ?")
            params.append(self.since)
        if self.until:
            parts.append(f"{alias}.date != '' AND {alias}.date <= ?")
            params.append(self.until)
        if self.top_critics:
            parts.append(f"{alias}.top_critic = 1")
        return (" AND ".join(parts) or "1"), params
