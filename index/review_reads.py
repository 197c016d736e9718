"""Catalog reads that look reviews up by id or list them within filters: what the tools an AI
assistant calls need (`assistant.lookup`), beside the answering reads of `index.reads`; each a
named method that `Catalog` inherits.

Each is one query over the catalog's connection, whatever it returns; a `Filters` becomes SQL
through `index.filters.sql_where`, as everywhere in the data layer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection

from index.filters import Filters, sql_where
from index.records import Review
from index.review_rows import REVIEW_COLUMNS_R, review_from_row

__all__ = ["ReviewReads"]

MAX_IDS = 900  # ids bound in one statement (SQLite allows 999 parameters by default)
_NEWEST_FIRST = "ORDER BY r.date = '', r.date DESC, r.id"  # undated last
_OLDEST_FIRST = "ORDER BY r.date = '', r.date, r.id"


class ReviewReads:
    """Reviews by id or within filters (see `Catalog`)."""

    _db: sqlite3.Connection

    def reviews_by_id(self, review_ids: Collection[str]) -> dict[str, Review]:
        """The reviews (metadata and full text) of those of `review_ids` the catalog holds."""
        wanted = list(dict.fromkeys(review_ids))
        found: dict[str, Review] = {}
        for start in range(0, len(wanted), MAX_IDS):
            batch = wanted[start : start + MAX_IDS]
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(
                f"SELECT {REVIEW_COLUMNS_R} FROM reviews r WHERE r.id IN ({marks})", batch
            ).fetchall()
            found.update((review.id, review) for review in map(review_from_row, rows))
        return found

    def reviews_where(self, filters: Filters, limit: int) -> list[Review]:
        """At most `limit` of the reviews `filters` allow, newest first (undated last)."""
        where, params = sql_where(filters)
        rows = self._db.execute(
            f"SELECT {REVIEW_COLUMNS_R} FROM reviews r WHERE {where} {_NEWEST_FIRST} LIMIT ?",
            [*params, limit],
        ).fetchall()
        return [review_from_row(row) for row in rows]

    def review_ids_where(self, filters: Filters, limit: int, oldest: bool = False) -> list[str]:
        """The ids of at most `limit` of the reviews `filters` allow, newest first (oldest
        first with `oldest`; undated last either way)."""
        where, params = sql_where(filters)
        order = _OLDEST_FIRST if oldest else _NEWEST_FIRST
        rows = self._db.execute(
            f"SELECT r.id FROM reviews r WHERE {where} {order} LIMIT ?",
            [*params, limit],
        )
        return [str(row[0]) for row in rows]

    def critic_counts(self, filters: Filters) -> list[tuple[str, int]]:
        """(critic, reviews) of every named critic among the reviews `filters` allow, most
        reviews first (then by name)."""
        where, params = sql_where(filters)
        rows = self._db.execute(
            f"SELECT r.critic, count(*) AS n FROM reviews r WHERE {where} AND r.critic != '' "
            "GROUP BY r.critic ORDER BY n DESC, r.critic",
            params,
        )
        return [(str(critic), int(n)) for critic, n in rows]
