"""Ingest: corpus files -> reviews -> chunks -> vectors, incremental, idempotent, crash-safe.

Embedding runs on the calling thread while a writer thread stores the previous batch, so the
store's work hides behind the model's. Every batch is journaled (see `index.catalog`).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from index.catalog import Catalog
from index.chunking import chunk_spans
from index.errors import ReviewQAError
from index.loaders import discover, load_file
from index.loaders.dates import PlaceholderMode
from index.loaders.source import MAX_DECOMPRESSED_SETTING
from index.lock import hold_home
from index.names import date_number, name_key
from index.records import Chunk, Review, RowProblem
from index.settings import Settings
from index.store import Index, open_index
from index.vectors import VectorStore

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
class FileReport:
    """What ingest did with one file."""

    path: Path
    reviews: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    film_from: str | None = None
    notes: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class IngestReport:
    """The summary of one ingest run."""

    files: list[FileReport] = field(default_factory=list)
    removed: int = 0
    recovered: int = 0
    chunks_written: int = 0
    seconds: float = 0.0

    @property
    def added(self) -> int:
        return sum(f.added for f in self.files)

    @property
    def updated(self) -> int:
        return sum(f.updated for f in self.files)

    @property
    def unchanged(self) -> int:
        return sum(f.unchanged for f in self.files)

    @property
    def skipped(self) -> int:
        return sum(len(f.problems) for f in self.files)

    @property
    def failed(self) -> bool:
        return any(f.error is not None for f in self.files)


def chunk_review(review: Review, size: int, overlap: int) -> list[Chunk]:
    """The chunks of one review, each carrying the metadata Chroma filters on."""
    meta: dict[str, str | int | float | bool] = {
        "review_id": review.id,
        "film_key": name_key(review.film),
        "critic_key": name_key(review.critic),
        "publication_key": name_key(review.publication),
        "sentiment": review.sentiment,
        "top_critic": review.top_critic,
        "date": date_number(review.date),
    }
    return [
        Chunk(review.id, i, review.text[start:end], start, end, meta)
        for i, (start, end) in enumerate(chunk_spans(review.text, size, overlap))
    ]


@dataclass
class _Batch:
    reviews: list[Review]
    chunks: list[Chunk]
    stale_chunk_ids: dict[str, list[str]]
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
        journal = {
            r.id: batch.stale_chunk_ids.get(r.id, [])
            + [c.id for c in batch.chunks if c.review_id == r.id]
            for r in batch.reviews
        }
        self._catalog.begin_write(journal)
        new_ids = {c.id for c in batch.chunks}
        stale = [c for ids in batch.stale_chunk_ids.values() for c in ids if c not in new_ids]
        if stale:
            self._vectors.delete(stale)
        self._vectors.upsert(
            [c.id for c in batch.chunks], batch.vectors, [c.meta for c in batch.chunks]
        )
        self._catalog.commit_reviews(batch.reviews, batch.chunks)


class Limit(NamedTuple):
    """How far a gzipped file may expand, and the name of that limit for the error."""

    max_bytes: int
    name: str


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
) -> IngestReport:
    """Bring the index in line with the reviews in `paths`.

    The run holds the home (`index.lock`): another process writing or serving it makes this
    wait up to `wait` seconds, then raise IndexBusyError. `max_decompressed_bytes` overrides
    `settings.max_decompressed_bytes` for this run (e.g. a smaller cap for uploads), and
    `limit_name` names it in the refusal (e.g. "REVIEWQA_MAX_UPLOAD_EXPANDED_BYTES").
    """
    if max_decompressed_bytes is None:
        limit = Limit(settings.max_decompressed_bytes, MAX_DECOMPRESSED_SETTING)
    else:
        if max_decompressed_bytes < 1:
            raise ValueError(f"max_decompressed_bytes must be 1 or more: {max_decompressed_bytes}")
        limit = Limit(max_decompressed_bytes, limit_name or "the limit of this ingest")
    with hold_home(settings, "ingest", wait=wait):
        started = time.perf_counter()
        report = IngestReport()
        own_index = index is None
        idx = index or open_index(settings)
        try:
            report.recovered = len(idx.recover())
            files = discover(paths)
            live: set[str] = set()
            changes = _plan(
                idx,
                files,
                report,
                live,
                film=film,
                column_map=column_map,
                strict=strict,
                limit=limit,
                placeholder_dates=settings.placeholder_dates,
            )
            if changes:
                idx.record_model()
                report.chunks_written = _write_all(idx, settings, changes, progress)
            if prune:
                report.removed = _prune(idx, paths, report, live)
        finally:
            if own_index:
                idx.close()
        report.seconds = time.perf_counter() - started
    return report


def _plan(
    idx: Index,
    files: Sequence[Path],
    report: IngestReport,
    live: set[str],
    *,
    film: str | None,
    column_map: Mapping[str, str] | None,
    strict: bool,
    limit: Limit,
    placeholder_dates: PlaceholderMode,
) -> list[Review]:
    """Load every file and return the reviews that are new or changed; `live` gets every id read."""
    changes: list[Review] = []
    seen: dict[str, Review] = {}
    for path in files:
        file_report = FileReport(path=path)
        report.files.append(file_report)
        try:
            loaded = load_file(
                path,
                film=film,
                column_map=column_map,
                max_decompressed_bytes=limit.max_bytes,
                limit_name=limit.name,
                placeholder_dates=placeholder_dates,
            )
        except ReviewQAError as exc:
            file_report.error = str(exc)
            continue
        file_report.film_from = loaded.film_from
        file_report.notes = list(loaded.notes)
        file_report.problems = list(loaded.problems)
        reviews: list[Review] = []
        for review in loaded.reviews:
            first = seen.get(review.id)
            if first is not None:
                file_report.problems.append(
                    RowProblem(
                        review.source,
                        review.line,
                        f"review id {review.id} already read from {first.source}:{first.line}",
                    )
                )
                continue
            seen[review.id] = review
            reviews.append(review)
        if strict and file_report.problems:
            file_report.error = (
                f"{len(file_report.problems)} bad row(s) and --strict: nothing from this file "
                "was written; fix the rows listed or drop --strict to skip them"
            )
            continue
        file_report.reviews = len(reviews)
        live.update(r.id for r in reviews)
        stored = idx.catalog.hashes(r.id for r in reviews)
        for review in reviews:
            old = stored.get(review.id)
            if old is None:
                file_report.added += 1
            elif old != review.content_hash():
                file_report.updated += 1
            else:
                file_report.unchanged += 1
                continue
            changes.append(review)
    return changes


def _batches(reviews: Sequence[Review], settings: Settings) -> Iterator[_Batch]:
    """Commit batches of whole reviews, shortest first: texts of like length pad least when
    the model encodes them together (the order reviews are committed in does not matter)."""
    batch = _Batch([], [], {})
    for review in sorted(reviews, key=lambda r: len(r.text)):
        batch.reviews.append(review)
        batch.chunks.extend(chunk_review(review, settings.chunk_size, settings.chunk_overlap))
        if len(batch.chunks) >= BATCH_CHUNKS:
            yield batch
            batch = _Batch([], [], {})
    if batch.reviews:
        yield batch


def _write_all(
    idx: Index,
    settings: Settings,
    changes: Sequence[Review],
    progress: ProgressFactory | None,
) -> int:
    embedder = idx.embedder
    writer = _Writer(settings, idx.vectors)
    writer.start()
    bar = progress(len(changes)) if progress else None
    written = 0
    try:
        for batch in _batches(changes, settings):
            batch.stale_chunk_ids = idx.catalog.chunk_ids_of(r.id for r in batch.reviews)
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


def _prune(idx: Index, paths: Sequence[Path], report: IngestReport, live: set[str]) -> int:
    """Remove reviews under the given files/folders that this run no longer found.

    Reviews of a file that failed to load are kept: a broken file is not a vanished one.
    """
    failed = {str(f.path.resolve()) for f in report.files if f.error is not None}
    stored = idx.catalog.ids_from_sources(str(Path(p).resolve()) for p in paths)
    doomed = sorted(rid for rid, src in stored.items() if src not in failed and rid not in live)
    if not doomed:
        return 0
    chunk_ids = idx.catalog.chunk_ids_of(doomed)
    idx.catalog.begin_write(chunk_ids)
    idx.vectors.delete([c for ids in chunk_ids.values() for c in ids])
    idx.catalog.delete_reviews(doomed)
    return len(doomed)
