"""The catalog's read queries for answering and describing the index, each a named method
that `Catalog` inherits: the core asks for things, and no SQL is written outside `index/`.

Several run for every question (an answer takes milliseconds): each is one query whatever
it returns, never one per row. A `Filters` becomes SQL here (`index.filters.sql_where`).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Collection, Iterator
from typing import Literal

from index.filters import Filters, sql_where
from index.fts import phrase_query

NameColumn = Literal["film", "critic", "publication"]


class CatalogReads:
    """Read queries over the reviews, their chunks and the lexical index (see `Catalog`)."""

    _db: sqlite3.Connection

    # -- names and texts ------------------------------------------------------------------
    def names(self, column: NameColumn) -> list[str]:
        """The distinct non-empty films, critics or publications, in the order stored."""
        assert column in ("film", "critic", "publication")  # a name of ours, never a caller's
        rows = self._db.execute(f"SELECT DISTINCT {column} FROM reviews WHERE {column} != ''")
        return [str(r[0]) for r in rows]

    def review_texts(self, review_ids: Collection[str]) -> dict[str, str]:
        """The full text of each of `review_ids` the catalog holds (a few: the cited ones)."""
        if not review_ids:
            return {}
        marks = ",".join("?" * len(review_ids))
        rows = self._db.execute(
            f"SELECT id, text FROM reviews WHERE id IN ({marks})", list(review_ids)
        )
        return {str(rid): str(text) for rid, text in rows}

    def hashes_and_films(self) -> dict[str, tuple[str, str]]:
        """review id -> (content hash, film) of every review."""
        rows = self._db.execute("SELECT id, hash, film FROM reviews")
        return {str(rid): (str(digest), str(film)) for rid, digest, film in rows}

    def most_reviewed_film(self) -> tuple[str, int] | None:
        """The film with the most reviews (the first by title on a tie) and how many of them
        are negative; None for an empty catalog."""
        row = self._db.execute(
            "SELECT film, sum(sentiment = 'negative') FROM reviews GROUP BY film "
            "ORDER BY count(*) DESC, film LIMIT 1"
        ).fetchone()
        return None if row is None else (str(row[0]), int(row[1] or 0))

    def most_frequent_critic(self, film: str) -> str | None:
        """The named critic with the most reviews of `film` (the first by name on a tie)."""
        row = self._db.execute(
            "SELECT critic FROM reviews WHERE film = ? AND critic != '' "
            "GROUP BY critic ORDER BY count(*) DESC, critic LIMIT 1",
            (film,),
        ).fetchone()
        return None if row is None else str(row[0])

    # -- within filters -------------------------------------------------------------------
    def count_reviews(self, filters: Filters | None = None) -> int:
        """Reviews that `filters` allow (every review without filters)."""
        where, params = sql_where(filters or Filters())
        row = self._db.execute(f"SELECT count(*) FROM reviews r WHERE {where}", params)
        return int(row.fetchone()[0])

    def stance_counts(self, filters: Filters) -> tuple[int, int, int]:
        """(reviews, positive, negative) among the reviews `filters` allow."""
        where, params = sql_where(filters)
        reviews, positive, negative = self._db.execute(
            "SELECT count(*), coalesce(sum(r.sentiment = 'positive'), 0), "
            f"coalesce(sum(r.sentiment = 'negative'), 0) FROM reviews r WHERE {where}",
            params,
        ).fetchone()
        return int(reviews), int(positive), int(negative)

    def writers(self, filters: Filters) -> list[str]:
        """Who wrote the reviews `filters` allow: each critic once (the outlet when a review
        names no critic), in the order their reviews were dated, undated last."""
        return self._each_once(
            "CASE WHEN r.critic != '' THEN r.critic ELSE r.publication END", filters
        )

    def outlets_of(self, filters: Filters) -> list[str]:
        """The outlets of the reviews `filters` allow, each once, in the order their reviews
        were dated, undated last."""
        return self._each_once("r.publication", filters)

    def _each_once(self, column: str, filters: Filters) -> list[str]:
        """The non-empty values of `column` (an SQL expression over reviews r) for the
        reviews `filters` allow, each once, by the date of their reviews, undated last."""
        where, params = sql_where(filters)
        rows = self._db.execute(
            f"SELECT {column} AS who FROM reviews r WHERE {where} AND who != '' "
            "ORDER BY r.date = '', r.date, who",
            params,
        )
        return list(dict.fromkeys(str(r[0]) for r in rows))

    def scope_chunks(self, filters: Filters, most: int) -> dict[int, str] | None:
        """The chunks (rowid -> id) of the reviews a film, critic or outlet filter allows (the
        filters the catalog's indexes serve); None without one, or when over `most` pass."""
        if not (filters.films or filters.critics or filters.outlets):
            return None
        where, params = sql_where(filters)
        rows = self._db.execute(
            f"SELECT c.rowid, c.id FROM reviews r JOIN chunks c ON c.review_id = r.id "
            f"WHERE {where} LIMIT ?",
            [*params, most + 1],
        ).fetchall()
        if len(rows) > most:
            return None
        return {int(rowid): str(cid) for rowid, cid in rows}

    def chunks_passing(self, chunk_ids: Collection[str], filters: Filters) -> set[str]:
        """Those of `chunk_ids` whose review `filters` allow."""
        if not chunk_ids:
            return set()
        where, params = sql_where(filters)
        rows = self._db.execute(
            "SELECT c.id FROM chunks c JOIN reviews r ON r.id = c.review_id "
            f"WHERE c.id IN (SELECT value FROM json_each(?)) AND {where}",
            [json.dumps(list(chunk_ids)), *params],
        )
        return {str(r[0]) for r in rows}

    # -- the lexical index ----------------------------------------------------------------
    def search_passages(
        self, match: str, filters: Filters, limit: int, among: Collection[int] | None = None
    ) -> list[tuple[str, str]]:
        """(chunk id, text) of the passages matching the FTS5 query `match` (see `index.fts`)
        within `filters`, or among the chunk rowids `among` (from `scope_chunks`), best bm25
        first; [] for a query FTS5 rejects."""
        if not match or (among is not None and not among):
            return []
        select = "SELECT c.id, c.text FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid "
        try:
            if among is not None:
                # FTS5 scans its matches and keeps the filter's chunks (`+` stops SQLite from
                # seeking each rowid in FTS5 instead, which costs far more for a big film)
                rows = self._db.execute(
                    f"{select} WHERE chunks_fts MATCH ? AND "
                    "+chunks_fts.rowid IN (SELECT value FROM json_each(?)) "
                    "ORDER BY bm25(chunks_fts) LIMIT ?",
                    [match, json.dumps(list(among)), limit],
                ).fetchall()
            else:
                where, params = sql_where(filters)
                rows = self._db.execute(
                    f"{select} JOIN reviews r ON r.id = c.review_id "
                    f"WHERE chunks_fts MATCH ? AND {where} ORDER BY bm25(chunks_fts) LIMIT ?",
                    [match, *params, limit],
                ).fetchall()
        except sqlite3.OperationalError:
            return []
        return [(str(cid), str(text)) for cid, text in rows]

    def matching_stance_counts(self, match: str, filters: Filters) -> tuple[int, int, int]:
        """(reviews, positive, negative) among the reviews `filters` allow that have a
        passage matching the FTS5 query `match`; zeros for a query FTS5 rejects."""
        if not match:
            return (0, 0, 0)
        where, params = sql_where(filters)
        try:
            row = self._db.execute(
                "SELECT count(*), coalesce(sum(r.sentiment = 'positive'), 0), "
                "coalesce(sum(r.sentiment = 'negative'), 0) FROM reviews r WHERE r.id IN "
                "(SELECT c.review_id FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid "
                f"WHERE chunks_fts MATCH ?) AND {where}",
                [match, *params],
            ).fetchone()
        except sqlite3.OperationalError:
            return (0, 0, 0)
        return (int(row[0]), int(row[1]), int(row[2]))

    def matching_passage_labels(
        self, match: str, filters: Filters
    ) -> list[tuple[str, str, str, str]]:
        """(review id, review sentiment, film, passage text) of every passage matching the FTS5
        query `match` within `filters`; [] for a query FTS5 rejects. For counts that must read
        the passages (see `assistant.relevance.ThingMatcher.counts`)."""
        if not match:
            return []
        where, params = sql_where(filters)
        try:
            rows = self._db.execute(
                "SELECT r.id, r.sentiment, r.film, c.text FROM chunks_fts "
                "JOIN chunks c ON c.rowid = chunks_fts.rowid JOIN reviews r ON r.id = c.review_id "
                f"WHERE chunks_fts MATCH ? AND {where}",
                [match, *params],
            ).fetchall()
        except sqlite3.OperationalError:
            return []
        return [
            (str(rid), str(sentiment or ""), str(film), str(text))
            for rid, sentiment, film, text in rows
        ]

    def mentions(self, phrase: str) -> bool:
        """Does any passage contain the words of `phrase`, in order?"""
        query = phrase_query(phrase)
        if not query:
            return False
        row = self._db.execute(
            "SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT 1", [query]
        ).fetchone()
        return row is not None

    def mentions_as_name(self, word: str, most: int = 200) -> bool:
        """Does a passage write `word` in its case ("Johansson", not "johansson"), among the
        first `most` passages holding it?"""
        query = phrase_query(word)
        if not query:
            return False
        rows = self._db.execute(
            "SELECT c.text FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid "
            "WHERE chunks_fts MATCH ? LIMIT ?",
            [query, most],
        )
        written = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)")
        return any(written.search(str(text)) for (text,) in rows)

    def frequent_words(self, min_passages: int) -> list[str]:
        """The lexical index's terms found in at least `min_passages` passages, most frequent
        first (then alphabetical)."""
        self._db.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.chunks_words "
            "USING fts5vocab(main, chunks_fts, row)"
        )
        rows = self._db.execute(
            "SELECT term FROM temp.chunks_words WHERE doc >= ? ORDER BY doc DESC, term",
            [min_passages],
        )
        return [str(r[0]) for r in rows]

    def word_passages(self, words: Collection[str]) -> dict[str, int]:
        """How many passages each of `words` (lexical index terms) is found in; 0 if none."""
        self._db.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.chunks_words "
            "USING fts5vocab(main, chunks_fts, row)"
        )
        found = dict.fromkeys(words, 0)
        terms = list(found)
        for start in range(0, len(terms), 900):
            batch = terms[start : start + 900]
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(
                f"SELECT term, doc FROM temp.chunks_words WHERE term IN ({marks})", batch
            )
            for term, doc in rows:
                found[str(term)] = int(doc)
        return found

    # -- counts ---------------------------------------------------------------------------
    def holdings(self) -> tuple[int, int, int, str, str]:
        """(films, reviews, named critics, earliest and latest known date) of the catalog;
        a date is "" when no review has one."""
        films, reviews, critics, first, last = self._db.execute(
            "SELECT count(DISTINCT film), count(*), count(DISTINCT NULLIF(critic, '')), "
            "min(NULLIF(date, '')), max(NULLIF(date, '')) FROM reviews"
        ).fetchone()
        return int(films), int(reviews), int(critics), str(first or ""), str(last or "")

    def name_counts(self) -> tuple[int, int, int, int]:
        """(reviews, films, named critics, named outlets) of the catalog."""
        reviews, films, critics, outlets = self._db.execute(
            "SELECT count(*), count(DISTINCT film), count(DISTINCT NULLIF(critic, '')), "
            "count(DISTINCT NULLIF(publication, '')) FROM reviews"
        ).fetchone()
        return int(reviews), int(films), int(critics), int(outlets)

    def film_counts(self, filters: Filters | None = None) -> dict[str, tuple[int, int, int]]:
        """film -> (reviews, positive, negative) of the reviews `filters` allow, by title."""
        return self.counts_by("film", filters)

    def year_counts(self, filters: Filters) -> dict[str, tuple[int, int, int]]:
        """year ("1997") -> (reviews, positive, negative) of the reviews `filters` allow, by
        year of review date, oldest first; undated reviews under ""."""
        where, params = sql_where(filters)
        rows = self._db.execute(
            "SELECT substr(r.date, 1, 4) AS year, count(*), sum(r.sentiment = 'positive'), "
            f"sum(r.sentiment = 'negative') FROM reviews r WHERE {where} "
            "GROUP BY year ORDER BY year",
            params,
        )
        return {str(year): (int(n), int(pos), int(neg)) for year, n, pos, neg in rows}

    def counts_by(
        self, column: NameColumn, filters: Filters | None = None
    ) -> dict[str, tuple[int, int, int]]:
        """film, critic or outlet -> (reviews, positive, negative) of the reviews `filters`
        allow, by name; reviews without one (no critic named) are left out."""
        assert column in ("film", "critic", "publication")  # a name of ours, never a caller's
        where, params = sql_where(filters or Filters())
        rows = self._db.execute(
            f"SELECT r.{column}, count(*), sum(r.sentiment = 'positive'), "
            f"sum(r.sentiment = 'negative') FROM reviews r WHERE {where} AND r.{column} != '' "
            f"GROUP BY r.{column} ORDER BY r.{column}",
            params,
        )
        return {str(name): (int(n), int(pos), int(neg)) for name, n, pos, neg in rows}

    # -- for benchmarks that rebuild or sample an index -----------------------------------
    def chunk_rows(self) -> Iterator[tuple[str, int, int, int, str]]:
        """Every chunk as (review id, index, start, end, text), by review id then index."""
        rows = self._db.execute(
            "SELECT review_id, idx, start, end, text FROM chunks ORDER BY review_id, idx"
        )
        for rid, i, start, end, text in rows:
            yield str(rid), int(i), int(start), int(end), str(text)

    def passages_with_vectors(self, most: int) -> list[tuple[str, bytes]]:
        """(text, stored vector) of at most `most` passages spread evenly over the catalog
        (every `step`-th rowid): a sample of how the index uses its words."""
        high = self.last_chunk_rowid()
        step = max(1, -(-high // max(most, 1)))
        try:
            rows = self._db.execute(
                "SELECT c.text, v.vector FROM chunks c JOIN chunk_vectors v ON v.chunk = c.rowid "
                "WHERE c.rowid % ? = 0 LIMIT ?",
                [step, most],
            ).fetchall()
        except sqlite3.OperationalError:
            return []  # a catalog from before vectors were kept, opened read-only: none
        return [(str(text), bytes(vector)) for text, vector in rows]

    def last_chunk_rowid(self) -> int:
        """The highest chunk rowid (0 when there is none): rowids 1..this, for sampling."""
        return int(self._db.execute("SELECT max(rowid) FROM chunks").fetchone()[0] or 0)

    def chunk_text_at(self, rowid: int) -> str:
        """The text of the chunk with this rowid ("" when there is none)."""
        row = self._db.execute("SELECT text FROM chunks WHERE rowid = ?", (rowid,)).fetchone()
        return "" if row is None else str(row[0])
