"""The catalog: an SQLite file holding every review, its chunks, the lexical (FTS5) index and
the write journal. It is the source of truth for what the index holds; Chroma holds vectors.

Writes that span the catalog and Chroma are journaled: a review's chunk ids are recorded in
`pending` (committed) before Chroma is touched, and removed in the transaction that commits the
review. After a killed run, `pending` names exactly the reviews whose state is uncertain.

`sources` names every source (a file's absolute path, or a name a caller gave it, such as
`upload:reviews.csv`) that ingest has synced; each review names its source. Schema 1 (before
`sources`) is migrated on the first writable open: its sources are the reviews' sources.

`chunk_vectors` keeps each chunk's vector (float32, little-endian, as a BLOB), committed with
the chunk: Chroma is an index derived from the catalog and is rebuilt from it without
re-embedding (see `index.repair`). Schema 2 (before `chunk_vectors`) gains the table on the
first writable open; its chunks' vectors are copied in by `reviewqa repair` (or any ingest).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from index.errors import StoreError
from index.names import name_key
from index.reads import CatalogReads
from index.records import Chunk, Review
from index.review_reads import ReviewReads
from index.review_rows import REVIEW_COLUMNS, REVIEW_COLUMNS_R, review_from_row

SCHEMA_VERSION = "3"
VECTOR_DTYPE = "<f4"  # how a vector BLOB is laid out
PAGE_SIZE = 8192

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reviews(
    id TEXT PRIMARY KEY,
    film TEXT NOT NULL, film_key TEXT NOT NULL,
    critic TEXT NOT NULL, critic_key TEXT NOT NULL,
    publication TEXT NOT NULL, publication_key TEXT NOT NULL,
    date TEXT NOT NULL, sentiment TEXT NOT NULL, rating TEXT NOT NULL,
    top_critic INTEGER NOT NULL, url TEXT NOT NULL,
    source TEXT NOT NULL, line INTEGER NOT NULL,
    text TEXT NOT NULL, hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reviews_film ON reviews(film_key);
CREATE INDEX IF NOT EXISTS reviews_critic ON reviews(critic_key);
CREATE INDEX IF NOT EXISTS reviews_publication ON reviews(publication_key);
CREATE INDEX IF NOT EXISTS reviews_source ON reviews(source);
CREATE TABLE IF NOT EXISTS chunks(
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    review_id TEXT NOT NULL,
    idx INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_review ON chunks(review_id);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    text, content='chunks', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS chunks_ai AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts(rowid, text) VALUES (new.rowid, new.text);
END;
CREATE TRIGGER IF NOT EXISTS chunks_ad AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
END;
CREATE TABLE IF NOT EXISTS pending(review_id TEXT PRIMARY KEY, chunk_ids TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources(name TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS chunk_vectors(chunk INTEGER PRIMARY KEY, vector BLOB NOT NULL);
CREATE TRIGGER IF NOT EXISTS chunk_vectors_ad AFTER DELETE ON chunks BEGIN
    DELETE FROM chunk_vectors WHERE chunk = old.rowid;
END;
"""


@dataclass(frozen=True, slots=True)
class StoredReview:
    """A review as the catalog holds it, with the content hash it was stored with."""

    review: Review
    hash: str


@dataclass(frozen=True, slots=True)
class StoredChunk:
    """A chunk as the catalog holds it, with its review's metadata."""

    chunk_id: str
    review: Review
    start: int
    end: int
    text: str


class Catalog(CatalogReads, ReviewReads):
    """One connection to the catalog file; each instance belongs to one thread. The reads
    that answering needs are named methods of `CatalogReads`; no SQL is written outside."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        self.readonly = readonly
        try:
            if readonly:
                if not path.exists():
                    raise StoreError(
                        f"no index at {path.parent}: run 'reviewqa ingest PATH' first "
                        "(or set REVIEWQA_HOME to the folder that holds one)"
                    )
                self._db = sqlite3.connect(
                    f"file:{path}?mode=ro", uri=True, check_same_thread=False
                )
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
                # 8 KiB pages hold five vectors (1,536 bytes each) where 4 KiB ones hold two:
                # a quarter less disk for the vector copies. Only a new file takes it.
                self._db.execute(f"PRAGMA page_size={PAGE_SIZE}")
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._migrate()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the catalog {path}: {exc}") from exc

    def _migrate(self) -> None:
        """Create the schema, or bring an older one up to SCHEMA_VERSION."""
        self._db.executescript(_SCHEMA)  # every statement is IF NOT EXISTS
        with self.transaction() as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            version = None if row is None else str(row[0])
            if version == SCHEMA_VERSION:
                return
            if version not in (None, "1", "2"):
                raise StoreError(
                    f"the catalog {self.path} has schema version {version}, which this "
                    f"reviewqa does not know (it writes {SCHEMA_VERSION}): upgrade reviewqa"
                )
            if version == "1":  # schema 1 had no sources table: its sources are the reviews'
                db.execute("INSERT OR IGNORE INTO sources SELECT DISTINCT source FROM reviews")
            db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,)
            )

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- metadata -------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -- reading --------------------------------------------------------------------------
    def data_version(self) -> int:
        """Changes whenever another connection commits to the catalog (e.g. an ingest)."""
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def hashes(self, ids: Iterable[str]) -> dict[str, str]:
        """Content hash of each of `ids` that the catalog holds."""
        return self._review_column(ids, "hash")

    def dates_of(self, review_ids: Iterable[str]) -> dict[str, str]:
        """The stored date (YYYY-MM-DD, "" when unknown) of each of `review_ids` it holds."""
        return self._review_column(review_ids, "date")

    def _review_column(self, ids: Iterable[str], column: str) -> dict[str, str]:
        """review id -> `column` (a name of ours, never a caller's) for the ids it holds."""
        assert column in ("hash", "date")
        found: dict[str, str] = {}
        for batch in _batches(list(ids), 900):
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(
                f"SELECT id, {column} FROM reviews WHERE id IN ({marks})", batch
            ).fetchall()
            found.update((str(i), str(value)) for i, value in rows)
        return found

    def chunk_ids_of(self, review_ids: Iterable[str]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for batch in _batches(list(review_ids), 900):
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(
                f"SELECT review_id, id FROM chunks WHERE review_id IN ({marks}) ORDER BY idx",
                batch,
            ).fetchall()
            for review_id, chunk_id in rows:
                found.setdefault(str(review_id), []).append(str(chunk_id))
        return found

    def ids_from_sources(self, sources: Iterable[str]) -> dict[str, str]:
        """review id -> source, for reviews whose source is one of `sources` or below one."""
        found: dict[str, str] = {}
        for source in sources:
            rows = self._db.execute(
                "SELECT id, source FROM reviews WHERE source = ? OR source LIKE ? ESCAPE '\\'",
                (source, _like_prefix(source.rstrip("/") + "/")),
            ).fetchall()
            found.update((str(i), str(s)) for i, s in rows)
        return found

    def reviews_of_source(self, source: str) -> list[StoredReview]:
        """Every review `source` holds, in line order, with the hash each was stored with."""
        rows = self._db.execute(
            f"SELECT {REVIEW_COLUMNS}, hash FROM reviews WHERE source = ? ORDER BY line, id",
            (source,),
        ).fetchall()
        return [StoredReview(review_from_row(row[:-1]), str(row[-1])) for row in rows]

    def all_reviews(self) -> Iterator[StoredReview]:
        """Every review, by id, with the hash it was stored with (read as it is iterated)."""
        rows = self._db.execute(f"SELECT {REVIEW_COLUMNS}, hash FROM reviews ORDER BY id")
        for row in rows:
            yield StoredReview(review_from_row(row[:-1]), str(row[-1]))

    def places(self, ids: Iterable[str]) -> dict[str, tuple[str, int]]:
        """Where each of `ids` the catalog holds came from: review id -> (source, line)."""
        found: dict[str, tuple[str, int]] = {}
        for batch in _batches(list(ids), 900):
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(
                f"SELECT id, source, line FROM reviews WHERE id IN ({marks})", batch
            ).fetchall()
            found.update((str(i), (str(s), int(n))) for i, s, n in rows)
        return found

    def sources_at(self, path: str) -> dict[str, int]:
        """The sources named `path` or lying under the folder `path`, with their review counts."""
        pattern = _like_prefix(path.rstrip("/") + "/")
        rows = self._db.execute(
            "SELECT s.name, (SELECT count(*) FROM reviews r WHERE r.source = s.name) "
            "FROM sources s WHERE s.name = ? OR s.name LIKE ? ESCAPE '\\' ORDER BY s.name",
            (path, pattern),
        ).fetchall()
        return {str(name): int(n) for name, n in rows}

    def all_chunk_ids(self) -> set[str]:
        return {str(r[0]) for r in self._db.execute("SELECT id FROM chunks")}

    def pending(self) -> dict[str, list[str]]:
        rows = self._db.execute("SELECT review_id, chunk_ids FROM pending").fetchall()
        return {str(r): [c for c in str(ids).split("\n") if c] for r, ids in rows}

    def chunks(self, chunk_ids: Sequence[str]) -> dict[str, StoredChunk]:
        """The chunks with these ids, with their reviews (missing ids are left out)."""
        found: dict[str, StoredChunk] = {}
        cols = REVIEW_COLUMNS_R
        for batch in _batches(list(chunk_ids), 900):
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(
                f"SELECT c.id, c.start, c.end, c.text, {cols} FROM chunks c "
                f"JOIN reviews r ON r.id = c.review_id WHERE c.id IN ({marks})",
                batch,
            ).fetchall()
            for row in rows:
                found[str(row[0])] = StoredChunk(
                    chunk_id=str(row[0]),
                    start=int(row[1]),
                    end=int(row[2]),
                    text=str(row[3]),
                    review=review_from_row(row[4:]),
                )
        return found

    # -- vectors --------------------------------------------------------------------------
    def vectors_of(self, chunk_ids: Sequence[str]) -> dict[str, bytes]:
        """chunk id -> its stored vector (raw VECTOR_DTYPE bytes), for the ids that have one."""
        found: dict[str, bytes] = {}
        if not self._has_table("chunk_vectors"):  # schema 2, opened read-only: none yet
            return found
        for batch in _batches(list(chunk_ids), 900):
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(
                "SELECT c.id, v.vector FROM chunks c JOIN chunk_vectors v ON v.chunk = c.rowid "
                f"WHERE c.id IN ({marks})",
                batch,
            ).fetchall()
            found.update((str(i), bytes(v)) for i, v in rows)
        return found

    def _has_table(self, name: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        return row is not None

    def review_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM reviews").fetchone()[0])

    def chunk_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM chunks").fetchone()[0])

    def chunks_without_vector(self) -> list[str]:
        """Ids of chunks whose vector the catalog lacks (chunks written before schema 3)."""
        rows = self._db.execute(
            "SELECT id FROM chunks WHERE rowid NOT IN (SELECT chunk FROM chunk_vectors) "
            "ORDER BY rowid"
        )
        return [str(r[0]) for r in rows]

    def sample_chunk_ids(self, n: int) -> list[str]:
        """Up to `n` chunk ids spread evenly over the catalog (by rowid; the first and the last
        included), found by `n` index lookups, never a scan."""
        low, high = self._db.execute("SELECT min(rowid), max(rowid) FROM chunks").fetchone()
        if low is None or n <= 0:
            return []
        points = sorted({low + (high - low) * i // max(1, n - 1) for i in range(n)})
        found: dict[str, None] = {}
        for point in points:
            row = self._db.execute(
                "SELECT id FROM chunks WHERE rowid >= ? ORDER BY rowid LIMIT 1", (point,)
            ).fetchone()
            if row is not None:
                found[str(row[0])] = None
        return list(found)

    def stored_chunks(self, size: int) -> Iterator[list[tuple[str, bytes, Review]]]:
        """Every chunk with a stored vector, with its review, in batches of `size` (by rowid,
        so a batch's reads never see a half-written one)."""
        cols = REVIEW_COLUMNS_R
        after = -1
        while True:
            rows = self._db.execute(
                f"SELECT c.rowid, c.id, v.vector, {cols} FROM chunks c "
                "JOIN chunk_vectors v ON v.chunk = c.rowid JOIN reviews r ON r.id = c.review_id "
                "WHERE c.rowid > ? ORDER BY c.rowid LIMIT ?",
                (after, size),
            ).fetchall()
            if not rows:
                return
            after = int(rows[-1][0])
            yield [(str(r[1]), bytes(r[2]), review_from_row(r[3:])) for r in rows]

    def store_vectors(self, vectors: Mapping[str, bytes]) -> None:
        """Keep these chunks' vectors (chunk id -> VECTOR_DTYPE bytes); unknown ids are
        ignored."""
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO chunk_vectors(chunk, vector) "
                "SELECT rowid, ? FROM chunks WHERE id = ?",
                [(v, cid) for cid, v in vectors.items()],
            )

    # -- integrity ------------------------------------------------------------------------
    def integrity_problems(self, *, quick: bool = False) -> list[str]:
        """What SQLite's integrity_check (`quick`: quick_check, which skips matching indexes
        to their tables) finds wrong with the file ([] when it is sound)."""
        pragma = "quick_check" if quick else "integrity_check"
        try:
            rows = [str(r[0]) for r in self._db.execute(f"PRAGMA {pragma}")]
        except sqlite3.DatabaseError as exc:  # too broken to be checked
            return [str(exc)]
        return [] if rows == ["ok"] else rows

    def lexical_index_in_step(self) -> bool | None:
        """Whether the lexical (FTS5) index matches the chunks it indexes; None when it cannot
        be told now (another process is writing). FTS5's check is an INSERT that changes
        nothing, so a read-only catalog runs it on a short-lived second connection."""
        check = "INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('integrity-check', 1)"
        db = self._db
        if self.readonly:
            db = sqlite3.connect(f"file:{self.path}?mode=rw", uri=True, timeout=5)
        try:
            db.execute(check)
        except sqlite3.OperationalError:  # locked by a writer, or not writable at all
            return None
        except sqlite3.DatabaseError:  # "database disk image is malformed": out of step
            return False
        finally:
            if db is not self._db:
                db.close()
        return True

    def rebuild_lexical_index(self) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild')")

    # -- writing --------------------------------------------------------------------------
    def begin_write(self, entries: dict[str, list[str]]) -> None:
        """Journal the reviews about to change: review id -> every chunk id touched."""
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO pending VALUES (?, ?)",
                [(rid, "\n".join(ids)) for rid, ids in entries.items()],
            )

    def add_sources(self, names: Iterable[str]) -> None:
        """Record sources that ingest syncs (before any of their reviews is written)."""
        with self.transaction() as db:
            db.executemany("INSERT OR IGNORE INTO sources VALUES (?)", [(n,) for n in names])

    def drop_sources(self, names: Iterable[str]) -> None:
        """Forget sources (after their reviews were removed)."""
        with self.transaction() as db:
            db.executemany("DELETE FROM sources WHERE name = ?", [(n,) for n in names])

    def relocate(self, places: dict[str, tuple[str, int]]) -> None:
        """Set the source and line of unchanged reviews that moved (nothing to re-embed)."""
        with self.transaction() as db:
            db.executemany(
                "UPDATE reviews SET source = ?, line = ? WHERE id = ?",
                [(source, line, rid) for rid, (source, line) in places.items()],
            )

    def commit_reviews(
        self,
        reviews: Sequence[Review],
        chunks: Sequence[Chunk],
        drop: Sequence[str] = (),
        vectors: Sequence[bytes] = (),
    ) -> None:
        """Replace these reviews and their chunks (with `vectors[i]`, VECTOR_DTYPE bytes, the
        vector of `chunks[i]`), remove the reviews `drop` names (the old versions of edited
        ones), and clear their journal entries, atomically."""
        if vectors and len(vectors) != len(chunks):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        ids = [r.id for r in reviews] + list(drop)
        with self.transaction() as db:
            self._delete_in(db, ids)
            db.executemany(
                "INSERT INTO reviews VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [_review_row(r) for r in reviews],
            )
            db.executemany(
                "INSERT INTO chunks(id, review_id, idx, start, end, text) VALUES (?,?,?,?,?,?)",
                [(c.id, c.review_id, c.index, c.start, c.end, c.text) for c in chunks],
            )
            db.executemany(
                "INSERT OR REPLACE INTO chunk_vectors(chunk, vector) "
                "SELECT rowid, ? FROM chunks WHERE id = ?",
                [(v, c.id) for c, v in zip(chunks, vectors, strict=False)],
            )
            db.executemany("DELETE FROM pending WHERE review_id = ?", [(i,) for i in ids])

    def delete_reviews(self, review_ids: Sequence[str]) -> None:
        """Remove reviews, their chunks and their journal entries, atomically."""
        with self.transaction() as db:
            self._delete_in(db, review_ids)
            db.executemany("DELETE FROM pending WHERE review_id = ?", [(i,) for i in review_ids])

    @staticmethod
    def _delete_in(db: sqlite3.Connection, review_ids: Sequence[str]) -> None:
        db.executemany("DELETE FROM chunks WHERE review_id = ?", [(i,) for i in review_ids])
        db.executemany("DELETE FROM reviews WHERE id = ?", [(i,) for i in review_ids])


def _review_row(r: Review) -> tuple[object, ...]:
    return (
        r.id,
        r.film,
        name_key(r.film),
        r.critic,
        name_key(r.critic),
        r.publication,
        name_key(r.publication),
        r.date,
        r.sentiment,
        r.rating,
        int(r.top_critic),
        r.url,
        r.source,
        r.line,
        r.text,
        r.content_hash(),
    )


def _like_prefix(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
