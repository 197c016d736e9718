"""Ingest: corpus files -> reviews -> chunks -> vectors; each file a source kept in sync
(see `index.sync`), idempotent, crash-safe.

Embedding runs on the calling thread while a writer thread stores the previous batch, so the
store's work hides behind the model's. Every batch is journaled (see `index.catalog`).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from index.catalog import VECTOR_DTYPE, Catalog
from index.chunking import chunk_review
from index.disk import full_disk_explained
from index.errors import CorpusError, ReviewQAError
from index.loaders import LoadResult, discover, load_file
from index.loaders.dates import PlaceholderMode
from index.loaders.source import MAX_DECOMPRESSED_SETTING
from index.lock import hold_home
from index.records import Chunk, FileReport, IngestReport, Review
from index.repair import ensure_usable
from index.settings import Settings
from index.store import Index, open_index
from index.sync import claim_ids, diff_source
from index.vectors import VectorStore
from index.vocabulary import VocabularyStore

__all__ = ["FileReport", "IngestReport", "Limit", "Progress", "chunk_review", "ingest"]

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

BATCH_CHUNKS = 1024

ProgressFactory = Callable[[int], "Progress"]


class Progress:
    """Receives how many chunks were embedded; the CLI shows a bar, tests count."""

    def update(self, n: int) -> None:  # pragma: no cover - trivial default
        pass

    def close(self) -> None:  # pragma: no cover - trivial default
        pass


@dataclass
class _Batch:
    reviews: list[Review]
    chunks: list[Chunk]
    drop: list[str]  # ids of the reviews that edited ones replace (ids made from content)
    stale_chunk_ids: dict[str, list[str]] = field(default_factory=dict)
    vectors: npt.NDArray[np.float32] | None = None


class _Writer(threading.Thread):
    """Stores embedded batches: journal, Chroma, then the catalog commit."""

    def __init__(self, settings: Settings, vectors: VectorStore) -> None:
        super().__init__(name="reviewqa-writer", daemon=True)
        self._catalog = Catalog(settings.catalog_path)
        self._vectors = vectors
        self._queue: queue.Queue[_Batch | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None

    def put(self, batch: _Batch) -> None:
        if self.error is not None:
            raise self.error
        self._queue.put(batch)

    def finish(self) -> None:
        self._queue.put(None)
        self.join()
        self._catalog.close()
        if self.error is not None:
            raise self.error

    def run(self) -> None:
        while (batch := self._queue.get()) is not None:
            if self.error is not None:
                continue
            try:
                self._write(batch)
            except BaseException as exc:  # reported on the caller's thread
                self.error = exc

    def _write(self, batch: _Batch) -> None:
        assert batch.vectors is not None
        new_chunks: dict[str, list[str]] = {}
        for c in batch.chunks:
            new_chunks.setdefault(c.review_id, []).append(c.id)
        journal = {
            rid: batch.stale_chunk_ids.get(rid, []) + new_chunks.get(rid, [])
            for rid in [r.id for r in batch.reviews] + batch.drop
        }
        self._catalog.begin_write(journal)
        new_ids = {c.id for c in batch.chunks}
        stale = [c for ids in batch.stale_chunk_ids.values() for c in ids if c not in new_ids]
        if stale:
            self._vectors.delete(stale)
        self._vectors.upsert(
            [c.id for c in batch.chunks], batch.vectors, [c.meta for c in batch.chunks]
        )
        rows = batch.vectors.astype(VECTOR_DTYPE, copy=False)
        self._catalog.commit_reviews(
            batch.reviews, batch.chunks, batch.drop, [row.tobytes() for row in rows]
        )


class Limit(NamedTuple):
    """How far a gzipped file may expand, and the name of that limit for the error."""

    max_bytes: int
    name: str


@dataclass
class _Plan:
    """Everything one run changes, gathered over its sources."""

    writes: list[Review] = field(default_factory=list)
    replaces: dict[str, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    moved: dict[str, tuple[str, int]] = field(default_factory=dict)
    synced: list[str] = field(default_factory=list)  # sources this run syncs
    seen: set[str] = field(default_factory=set)  # sources of every file found, failed or not
    vanished: dict[str, Path] = field(default_factory=dict)  # source -> path as given


def ingest(
    paths: Sequence[Path],
    settings: Settings,
    *,
    film: str | None = None,
    column_map: Mapping[str, str] | None = None,
    strict: bool = False,
    prune: bool = False,
    progress: ProgressFactory | None = None,
    index: Index | None = None,
    wait: float | None = None,
    max_decompressed_bytes: int | None = None,
    limit_name: str | None = None,
    global_ids: bool = False,
    source_names: Mapping[Path, str] | None = None,
) -> IngestReport:
    """Sync the index with the files in `paths`: each file is a source, and afterwards the
    index holds exactly the reviews each file holds (edited ones replaced, gone ones removed,
    unchanged ones untouched). `prune` also removes the sources under `paths` that are gone
    (a vanished file or a folder's deleted file).

    `source_names` names the source of a file ({path: "upload:reviews.csv"}) instead of its
    absolute path, so that a file ingested from a different place each time (an upload's
    private copy) syncs one source. `global_ids` says a source id means the same review in
    every file: a file then takes over an id another source holds, instead of being refused.

    The run holds the home (`index.lock`): another process writing or serving it makes this
    wait up to `wait` seconds, then raise IndexBusyError. `max_decompressed_bytes` overrides
    `settings.max_decompressed_bytes` for this run (e.g. a smaller cap for uploads), and
    `limit_name` names it in the refusal (e.g. "REVIEWQA_MAX_UPLOAD_EXPANDED_BYTES").
    A path that does not exist (and was no source), a folder without corpus files or a file
    of an unsupported type raises CorpusError before anything is written. A disk that fills
    up raises StoreError saying so (`index.disk`); the batches committed before it stay.
    """
    if max_decompressed_bytes is None:
        limit = Limit(settings.max_decompressed_bytes, MAX_DECOMPRESSED_SETTING)
    else:
        if max_decompressed_bytes < 1:
            raise ValueError(f"max_decompressed_bytes must be 1 or more: {max_decompressed_bytes}")
        limit = Limit(max_decompressed_bytes, limit_name or "the limit of this ingest")
    names = {Path(p).resolve(): name for p, name in (source_names or {}).items()}
    with full_disk_explained(settings), hold_home(settings, "ingest", wait=wait):
        started = time.perf_counter()
        report = IngestReport()
        own_index = index is None
        idx = index or open_index(settings)  # repaired first thing
        try:
            report.repaired = ensure_usable(idx, bar=_rebuild_bar(progress))
            report.recovered = len(idx.recover())
            plan = _Plan()
            files = _find(idx, paths, plan, names, prune=prune)
            loaded = _load_all(
                files,
                report,
                plan,
                film=film,
                column_map=column_map,
                strict=strict,
                limit=limit,
                placeholder_dates=settings.placeholder_dates,
                max_review_chars=settings.max_review_chars,
            )
            _plan(idx, loaded, plan, strict=strict, global_ids=global_ids)
            idx.catalog.add_sources(plan.synced)
            if plan.writes:
                idx.record_model()
                report.chunks_written = _write_all(idx, settings, plan, progress)
            _remove(idx, plan.removed)
            if plan.moved:
                idx.catalog.relocate(plan.moved)
            if prune:
                _prune(idx, paths, plan, report)
            vocabulary = VocabularyStore(idx)
            # its new words embedded now, not at a question; also after a run killed while it
            # was built (the reviews all in, the vocabulary file never written)
            if report.added or report.updated or report.removed or not vocabulary.path.exists():
                vocabulary.get()
        finally:
            if own_index:
                idx.close()
        report.seconds = time.perf_counter() - started
    return report


def _rebuild_bar(progress: ProgressFactory | None) -> Callable[[int, int], None] | None:
    """A rebuild's (done, total) shown on the caller's progress bar, opened at the first call
    and closed when done reaches total."""
    if progress is None:
        return None
    state: dict[str, Any] = {}

    def bar(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"], state["done"] = progress(total), 0
        state["bar"].update(done - state["done"])
        state["done"] = done
        if done >= total:
            state["bar"].close()

    return bar


def _find(
    idx: Index,
    paths: Sequence[Path],
    plan: _Plan,
    names: Mapping[Path, str],
    *,
    prune: bool,
) -> list[tuple[Path, str]]:
    """The files to sync, each with its source name; gone sources go to `plan.vanished`.

    A path that no longer exists but held sources is gone (pruned with `prune`, else an
    error saying so); one that never did is an error, as is an unusable path.
    """
    from index.loaders.discover import corpus_key  # a symlink loop is known by its own path
    from index.loaders.source import resolved  # a symlink loop resolves to itself

    found: list[tuple[Path, str]] = []
    taken: dict[str, Path] = {}
    for path in paths:
        path = Path(path)
        try:
            files = discover([path])
        except CorpusError:
            if path.is_file() or (path.is_symlink() and not path.is_dir()):
                raise  # an unsupported type, a symlink loop: the user named the wrong file
            held = idx.catalog.sources_at(str(resolved(path)))
            if not held:
                raise
            if not prune:
                what = "no such file or folder" if not path.exists() else "no corpus files here"
                raise CorpusError(
                    path,
                    f"{what}, but the index holds {sum(held.values())} reviews from it: pass "
                    "--prune to remove them, or check the path",
                ) from None
            plan.vanished.update(dict.fromkeys(held, path))
            continue
        for file in files:
            real = corpus_key(file)
            source = names.get(real) or str(real)
            if source in taken and corpus_key(taken[source]) != real:
                raise ValueError(
                    f"two files would be the source {source!r}: {taken[source]}, {file}"
                )
            if source not in taken:
                taken[source] = file
                found.append((file, source))
    return found


def _load_all(
    files: Sequence[tuple[Path, str]],
    report: IngestReport,
    plan: _Plan,
    *,
    film: str | None,
    column_map: Mapping[str, str] | None,
    strict: bool,
    limit: Limit,
    placeholder_dates: PlaceholderMode,
    max_review_chars: int,
) -> list[tuple[FileReport, LoadResult]]:
    """Read every file; a file that cannot be used (or has bad rows, with `strict`) fails."""
    loaded: list[tuple[FileReport, LoadResult]] = []
    for path, source in files:
        file_report = FileReport(path=path, source=source)
        report.files.append(file_report)
        plan.seen.add(source)
        try:
            result = load_file(
                path,
                film=film,
                column_map=column_map,
                max_decompressed_bytes=limit.max_bytes,
                limit_name=limit.name,
                placeholder_dates=placeholder_dates,
                source=source,
                max_review_chars=max_review_chars,
            )
        except ReviewQAError as exc:
            file_report.error = str(exc)
            continue
        file_report.film_from = result.film_from
        file_report.notes = list(result.notes)
        file_report.problems = list(result.problems)
        if strict and _strict_failed(file_report):
            continue
        loaded.append((file_report, result))
    return loaded


def _strict_failed(file_report: FileReport) -> bool:
    if not file_report.problems:
        return False
    file_report.error = (
        f"{len(file_report.problems)} bad row(s) and --strict: nothing from this file "
        "was written; fix the rows listed or drop --strict to skip them"
    )
    return True


def _plan(
    idx: Index,
    loaded: Sequence[tuple[FileReport, LoadResult]],
    plan: _Plan,
    *,
    strict: bool,
    global_ids: bool,
) -> None:
    """Decide who holds each id, then diff each source against what the index holds of it."""
    given = [(f.source, r.reviews) for f, r in loaded]
    places = idx.catalog.places({r.id for _, reviews in given for r in reviews})
    claims = claim_ids(given, places, global_ids=global_ids)
    for file_report, result in loaded:
        source = file_report.source
        refused = [replace(p, raw=result.raw(p.line)) for p in claims.refused.get(source, [])]
        if refused:
            file_report.problems = sorted(
                file_report.problems + refused, key=lambda problem: problem.line
            )
            if strict and _strict_failed(file_report):
                continue
        reviews = [r for r in result.reviews if claims.holder.get(r.id) == source]
        stored = [
            s
            for s in idx.catalog.reviews_of_source(source)
            if claims.holder.get(s.review.id, source) == source
        ]
        taken = claims.taken.get(source, [])
        if taken:
            first_id, (from_source, from_line) = taken[0]
            file_report.notes.append(
                f"{len(taken)} review(s) taken over from other sources (--global-ids), e.g. "
                f"id {first_id} from {from_source}:{from_line}"
            )
        elsewhere = [r.id for r in reviews if r.id in places and places[r.id][0] != source]
        changes = diff_source(source, reviews, stored, idx.catalog.hashes(elsewhere))
        file_report.reviews = len(reviews)
        file_report.added = changes.added
        file_report.updated = changes.updated
        file_report.removed = len(changes.removed)
        file_report.unchanged = changes.unchanged
        plan.synced.append(source)
        plan.writes.extend(changes.writes)
        plan.replaces.update(changes.replaces)
        plan.removed.extend(changes.removed)
        plan.moved.update(changes.moved)


def _batches(plan: _Plan, settings: Settings) -> Iterator[_Batch]:
    """Commit batches of whole reviews, shortest first: texts of like length pad least when
    the model encodes them together (the order reviews are committed in does not matter)."""
    batch = _Batch([], [], [])
    for review in sorted(plan.writes, key=lambda r: len(r.text)):
        batch.reviews.append(review)
        if review.id in plan.replaces:
            batch.drop.append(plan.replaces[review.id])
        batch.chunks.extend(chunk_review(review, settings.chunk_size, settings.chunk_overlap))
        if len(batch.chunks) >= BATCH_CHUNKS:
            yield batch
            batch = _Batch([], [], [])
    if batch.reviews:
        yield batch


def _write_all(
    idx: Index,
    settings: Settings,
    plan: _Plan,
    progress: ProgressFactory | None,
) -> int:
    embedder = idx.embedder
    writer = _Writer(settings, idx.vectors)
    writer.start()
    bar = progress(len(plan.writes)) if progress else None
    written = 0
    try:
        for batch in _batches(plan, settings):
            batch.stale_chunk_ids = idx.catalog.chunk_ids_of(
                [r.id for r in batch.reviews] + batch.drop
            )
            batch.vectors = embedder.embed([c.text for c in batch.chunks])
            writer.put(batch)
            written += len(batch.chunks)
            if bar:
                bar.update(len(batch.reviews))
    finally:
        if bar:
            bar.close()
        writer.finish()
    return written


def _remove(idx: Index, review_ids: Sequence[str]) -> None:
    """Remove reviews from Chroma and the catalog, journaled like every write."""
    if not review_ids:
        return
    chunk_ids = idx.catalog.chunk_ids_of(review_ids)
    idx.catalog.begin_write({rid: chunk_ids.get(rid, []) for rid in review_ids})
    idx.vectors.delete([c for ids in chunk_ids.values() for c in ids])
    idx.catalog.delete_reviews(review_ids)


def _prune(idx: Index, paths: Sequence[Path], plan: _Plan, report: IngestReport) -> None:
    """Remove the sources under `paths` that this run did not find: vanished files, files
    deleted from a folder. A file that failed to load is kept: a broken file is not a gone one.
    """
    doomed = dict(plan.vanished)
    for path in paths:
        for source in idx.catalog.sources_at(str(Path(path).resolve())):
            if source not in plan.seen:
                doomed.setdefault(source, Path(source))
    for source in sorted(doomed):
        ids = sorted(idx.catalog.ids_from_sources([source]))
        _remove(idx, ids)
        idx.catalog.drop_sources([source])
        report.files.append(
            FileReport(path=Path(source), source=source, removed=len(ids), gone=True)
        )
