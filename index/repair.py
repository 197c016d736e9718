"""Check and repair an index. The catalog is the truth and keeps every chunk's vector; Chroma
is an index derived from it. `check_index` finds what is off (read-only); `repair_index`
puts it right: it finishes the journal of a killed run, rebuilds the lexical index, copies
missing vectors into the catalog, and rebuilds Chroma from the catalog without re-embedding.

A rebuild fills a new generation of the vector store (a new folder for the embedded store, a
new collection on a Chroma server) and then switches the catalog to it in one commit, so a
kill at any point leaves either the old generation in use or the new one complete.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from contextlib import ExitStack, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from index.catalog import SCHEMA_VERSION, VECTOR_DTYPE
from index.chunking import chunk_metadata
from index.errors import StoreError
from index.settings import Settings
from index.store import Index, open_index
from index.vectors import VectorStore

REBUILD_BATCH = 2048
SAMPLE = 64  # vectors compared with Chroma's by a full check
QUICK_SAMPLE = 8  # by the check when a command opens the index
SERVE_REPAIR_WAIT = 600.0  # seconds serve waits for a running writer before it repairs
TOLERANCE = 1e-5  # float32 as stored vs as Chroma returns it

Say = Callable[[str], None]
Bar = Callable[[int, int], None]  # (done, total) of a rebuild


@dataclass(frozen=True)
class Finding:
    """One thing wrong with the index: a code for programs, a sentence, and the fix."""

    code: str
    message: str
    fix: str
    repairable: bool = True


@dataclass
class CheckReport:
    reviews: int = 0
    chunks: int = 0
    vectors: int | None = None  # None when Chroma cannot be read
    generation: int = 0
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.findings

    def codes(self) -> set[str]:
        return {f.code for f in self.findings}

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        return data


@dataclass
class RepairReport:
    before: CheckReport
    after: CheckReport
    actions: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "actions": self.actions,
            "before": self.before.to_json(),
            "after": self.after.to_json(),
            "ok": self.after.ok,
            "seconds": self.seconds,
        }


REPAIR = "run 'reviewqa repair'"


def check_index(idx: Index, *, quick: bool = False) -> CheckReport:
    """What is wrong with `idx`, without changing it. `quick` is what a command pays when it
    opens the index (SQLite's quick_check, counts, the journal and a few vectors); the full
    check runs SQLite's integrity check, the lexical index' check, and compares every id and
    a sample of vectors with Chroma's."""
    started = time.perf_counter()
    catalog = idx.catalog
    report = CheckReport(generation=idx.vectors.generation)
    try:
        _check_catalog(idx, report, quick=quick)
        if not report.codes() & {"catalog_corrupt", "schema"}:
            _check_store(idx, report, quick=quick)
    except sqlite3.DatabaseError as exc:
        report.findings.append(_corrupt(catalog.path, [str(exc)]))
    report.seconds = time.perf_counter() - started
    return report


def _corrupt(path: Path, problems: list[str]) -> Finding:
    return Finding(
        "catalog_corrupt",
        f"the catalog {path} fails SQLite's integrity check: " + "; ".join(problems[:3]),
        "restore the catalog from a backup, or move the home aside and ingest the sources again",
        repairable=False,
    )


def _check_catalog(idx: Index, report: CheckReport, *, quick: bool) -> None:
    catalog = idx.catalog
    add = report.findings.append
    problems = catalog.integrity_problems(quick=quick)
    if problems:
        add(_corrupt(catalog.path, problems))
        return
    version = catalog.get_meta("schema_version")
    if version is not None and version != SCHEMA_VERSION:  # read-only opens do not migrate
        add(
            Finding(
                "schema",
                f"the catalog has schema {version}, older than this reviewqa's "
                f"{SCHEMA_VERSION} (it lacks the vector copies)",
                REPAIR + " (or any ingest): it upgrades the catalog and fills it in",
            )
        )
        report.reviews, report.chunks = catalog.review_count(), catalog.chunk_count()
        return
    report.reviews, report.chunks = catalog.review_count(), catalog.chunk_count()
    if not quick and catalog.lexical_index_in_step() is False:
        add(
            Finding(
                "lexical_index",
                "the lexical (full-text) index is out of step with the chunks",
                REPAIR + " (it rebuilds the lexical index from the catalog)",
            )
        )
    pending = catalog.pending()
    if pending:
        add(
            Finding(
                "journal",
                f"{len(pending)} reviews were being written by a run that did not finish",
                REPAIR + " or ingest again (either removes them; ingesting restores them)",
            )
        )
    missing = catalog.chunks_without_vector()
    if missing:
        add(
            Finding(
                "catalog_vectors",
                f"the catalog lacks the vectors of {len(missing)} chunks (written before it "
                "kept them), so Chroma could not be rebuilt without re-embedding them",
                REPAIR + " (it copies them from Chroma, or embeds them again)",
            )
        )


def _check_store(idx: Index, report: CheckReport, *, quick: bool) -> None:
    add = report.findings.append
    store = idx.vectors
    try:
        report.vectors = store.count()
        if not quick or report.vectors != report.chunks:
            ids = store.all_ids()
            known = idx.catalog.all_chunk_ids()
            extra, absent = len(ids - known), len(known - ids)
            if extra or absent:
                add(
                    Finding(
                        "vector_ids",
                        f"Chroma holds {report.vectors} vectors for the catalog's "
                        f"{report.chunks} chunks: {absent} missing, {extra} unknown to the "
                        "catalog",
                        REPAIR + " (it adds the missing ones from the catalog and removes the "
                        "others)",
                    )
                )
                return
        sample = idx.catalog.sample_chunk_ids(QUICK_SAMPLE if quick else SAMPLE)
        differ = _differing(idx, sample)
        if differ:
            add(
                Finding(
                    "vector_values",
                    f"{len(differ)} of {len(sample)} sampled vectors in Chroma differ from the "
                    f"catalog's (e.g. chunk {differ[0]})",
                    REPAIR + " (it rebuilds Chroma from the catalog)",
                )
            )
    except StoreError as exc:
        report.vectors = None
        add(
            Finding(
                "vector_store",
                f"Chroma cannot be read: {exc}",
                REPAIR + " (it rebuilds Chroma from the catalog); with a Chroma server, "
                "check first that it runs",
            )
        )


def _differing(idx: Index, chunk_ids: list[str]) -> list[str]:
    """The chunks among `chunk_ids` whose vector in Chroma is absent or not the catalog's."""
    import numpy as np

    stored = idx.catalog.vectors_of(chunk_ids)
    held = idx.vectors.vectors_of(list(stored))
    differ = []
    for chunk_id, blob in stored.items():
        mine = np.frombuffer(blob, dtype=VECTOR_DTYPE)
        theirs = held.get(chunk_id)
        if theirs is None or theirs.shape != mine.shape:
            differ.append(chunk_id)
            continue
        if not np.allclose(theirs, mine, atol=TOLERANCE, rtol=0):
            differ.append(chunk_id)
    return differ


def repair_index(idx: Index, *, say: Say | None = None, bar: Bar | None = None) -> RepairReport:
    """Put right what `check_index` finds (the caller holds the home's writer lock)."""
    started = time.perf_counter()
    tell = say or (lambda _: None)
    before = check_index(idx)
    actions: list[str] = []
    codes = before.codes()
    if "catalog_corrupt" in codes:
        return RepairReport(before, before, actions, time.perf_counter() - started)
    if "lexical_index" in codes:
        tell("rebuilding the lexical index")
        idx.catalog.rebuild_lexical_index()
        actions.append("rebuilt the lexical index")
    if "journal" in codes:
        removed = _finish_journal(idx)
        actions.append(
            f"removed {len(removed)} reviews a killed run left half-written (ingest their "
            "sources again to restore them)"
        )
    if "catalog_vectors" in codes:
        copied, embedded = _fill_catalog_vectors(idx, store_readable="vector_store" not in codes)
        actions.append(f"kept {copied + embedded} vectors in the catalog ({embedded} embedded)")
    if codes & {"vector_store", "vector_values"}:
        tell(f"rebuilding the vector index from the catalog ({before.chunks} chunks)")
        rebuild_vectors(idx, bar=bar)
        actions.append(f"rebuilt Chroma from the catalog (generation {idx.vectors.generation})")
    elif "vector_ids" in codes:
        added, dropped = _resync_ids(idx)
        actions.append(f"added {added} vectors to Chroma and removed {dropped}")
    after = check_index(idx)
    return RepairReport(before, after, actions, time.perf_counter() - started)


def needs_repair(report: CheckReport) -> bool:
    """Whether a writer must repair before it writes (an unfinished journal it finishes
    itself: ingest recovers it first thing)."""
    return not report.ok and report.codes() != {"journal"}


def ensure_usable(idx: Index, *, say: Say | None = None, bar: Bar | None = None) -> list[str]:
    """The quick check a writer (ingest, serve) runs when it opens the index, and a repair
    when it finds something (the caller holds the home's writer lock); returns what the
    repair did. Raises StoreError when the index cannot be repaired."""
    report = check_index(idx, quick=True)
    if not needs_repair(report):
        return []
    tell = say or (lambda _: None)
    tell("the index needs repair: " + "; ".join(f.message for f in report.findings))
    repaired = repair_index(idx, say=tell, bar=bar)
    if not repaired.after.ok:
        raise StoreError(
            "the index could not be repaired: "
            + "; ".join(f"{f.message} ({f.fix})" for f in repaired.after.findings)
        )
    return repaired.actions


def _finish_journal(idx: Index) -> list[str]:
    """Remove the reviews a killed run left journaled, from Chroma when it can be written and
    from the catalog always (a Chroma that cannot be written is rebuilt after)."""
    try:
        return idx.recover()
    except StoreError:
        review_ids = sorted(idx.catalog.pending())
        idx.catalog.delete_reviews(review_ids)
        return review_ids


def _fill_catalog_vectors(idx: Index, *, store_readable: bool) -> tuple[int, int]:
    """Give the catalog the vectors it lacks: Chroma's where it holds them, else embedded
    again. Returns (copied, embedded)."""
    import numpy as np

    missing = idx.catalog.chunks_without_vector()
    copied = 0
    held: dict[str, bytes] = {}
    if store_readable:
        for start in range(0, len(missing), REBUILD_BATCH):
            got = idx.vectors.vectors_of(missing[start : start + REBUILD_BATCH])
            batch = {cid: v.astype(VECTOR_DTYPE).tobytes() for cid, v in got.items()}
            idx.catalog.store_vectors(batch)
            held.update(batch)
            copied += len(batch)
    rest = [cid for cid in missing if cid not in held]
    for start in range(0, len(rest), REBUILD_BATCH):
        ids = rest[start : start + REBUILD_BATCH]
        chunks = idx.catalog.chunks(ids)
        texts = [chunks[cid].text for cid in ids if cid in chunks]
        vectors = np.asarray(idx.embedder.embed(texts), dtype=VECTOR_DTYPE)
        order = [cid for cid in ids if cid in chunks]
        idx.catalog.store_vectors(
            {cid: row.tobytes() for cid, row in zip(order, vectors, strict=True)}
        )
    return copied, len(rest)


def _resync_ids(idx: Index) -> tuple[int, int]:
    """Make Chroma hold exactly the catalog's chunks: add the missing ones from the catalog,
    remove those the catalog does not know. Returns (added, removed)."""
    import numpy as np

    ids = idx.vectors.all_ids()
    known = idx.catalog.all_chunk_ids()
    unknown = sorted(ids - known)
    idx.vectors.delete(unknown)
    absent = sorted(known - ids)
    for start in range(0, len(absent), REBUILD_BATCH):
        batch = absent[start : start + REBUILD_BATCH]
        stored = idx.catalog.vectors_of(batch)
        chunks = idx.catalog.chunks(list(stored))
        order = [cid for cid in batch if cid in stored and cid in chunks]
        matrix = np.stack([np.frombuffer(stored[cid], dtype=VECTOR_DTYPE) for cid in order])
        idx.vectors.upsert(order, matrix, [chunk_metadata(chunks[c].review) for c in order])
    return len(absent), len(unknown)


def rebuild_vectors(idx: Index, *, bar: Bar | None = None) -> None:
    """Fill a new generation of the vector store from the catalog's vectors, switch the
    catalog to it, and discard the old one. A kill before the switch leaves the old one in
    use (the half-filled new one is discarded by the next rebuild); after it, the new one."""
    import numpy as np

    generation = idx.vector_generation() + 1
    VectorStore(idx.settings, generation).discard()  # a killed rebuild's
    fresh = VectorStore(idx.settings, generation)
    try:
        total, done = idx.catalog.chunk_count(), 0
        for rows in idx.catalog.stored_chunks(REBUILD_BATCH):
            ids = [chunk_id for chunk_id, _, _ in rows]
            matrix = np.stack([np.frombuffer(blob, dtype=VECTOR_DTYPE) for _, blob, _ in rows])
            fresh.upsert(ids, matrix, [chunk_metadata(review) for _, _, review in rows])
            done += len(rows)
            if bar:
                bar(done, total)
    except BaseException:
        fresh.close()
        raise
    old = idx.switch_vectors(fresh)
    with suppress(StoreError):  # a broken old copy that cannot be deleted is left behind
        old.discard()


def repair_before_serving(settings: Settings, *, holding: bool, say: Say | None = None) -> None:
    """The check `reviewqa serve` runs before it answers, and the repair it asks for (a
    killed ingest's journal included). `holding` says the caller holds the home (the embedded
    store); otherwise a repair takes it for its run, waiting for a running writer."""
    from index.lock import hold_home

    idx = open_index(settings)
    try:
        if check_index(idx, quick=True).ok:
            return
        with ExitStack() as held:
            if not holding:
                held.enter_context(hold_home(settings, "repair", wait=SERVE_REPAIR_WAIT))
            report = repair_index(idx, say=say)
        if not report.after.ok:
            raise StoreError(
                "the index cannot be served: "
                + "; ".join(f"{f.message} ({f.fix})" for f in report.after.findings)
            )
        for action in report.actions:
            (say or print)(f"repaired the index: {action}")
    finally:
        idx.close()
