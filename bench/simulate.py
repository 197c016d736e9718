"""Simulate a large index from a real one: a million chunks with real texts and vectors.

    python -m bench.simulate --source-home DIR --home OUT [--chunks 1000000] [--seed 7]

Every real chunk of DIR (texts from its catalog, vectors and metadata from its Chroma
collection) is replicated until `--chunks` entries. Copy 0 is the real chunk as it is; copy
j >= 1 has the real vector plus Gaussian noise (sigma 0.02 per dimension, then L2-normalized;
numpy RNG seeded by (--seed, j)), the same text, review id "{id}~{j}" and film "{film} [{j}]"
(critic, outlet, sentiment, date kept), so film filters see many distinct films of realistic
size. Everything is written through the data layer as ingest writes it (`chunk_review`,
`Catalog.begin_write`, `VectorStore.upsert`, `Catalog.commit_reviews`), so Chroma, the FTS5
index and the filters all hold every entry. DIR is never opened for writing: it is copied to a
temporary folder first. A killed build resumes where it stopped (the catalog's journal drops
the half-written batch). The recipe is written to OUT/simulated.txt, which `bench.scale`
prints beside its figures.
"""

from __future__ import annotations

import argparse
import bisect
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.common import process_memory_mb
from index.catalog import VECTOR_DTYPE
from index.chunking import chunk_review
from index.records import Chunk, Review
from index.settings import Settings
from index.store import open_index
from ui.settings import load_settings

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

SIGMA = 0.02
RECIPE_FILE = "simulated.txt"


# -- the source index ---------------------------------------------------------------------
@dataclass
class Source:
    """The real index, read once: reviews, their chunk counts, one vector per chunk."""

    home: Path
    model: str
    reviews: list[Review]
    offsets: list[int]  # chunks before each review (chunks are stored in review order)
    vectors: npt.NDArray[np.float32]

    @property
    def chunks(self) -> int:
        return self.offsets[-1]


def copy_source(source_home: Path) -> Path:
    """A private copy of the source index (opening Chroma may write to its folder)."""
    if not (source_home / "catalog.sqlite3").is_file():
        sys.exit(f"no index in {source_home}: run 'reviewqa --home {source_home} ingest PATH'")
    copy = Path(tempfile.mkdtemp(prefix="reviewqa-scale-src-", dir="/tmp")) / "home"
    shutil.copytree(source_home, copy)
    return copy


def read_source(home: Path, settings: Settings) -> Source:
    """Every review, chunk and vector of the index in `home`, checked against ingest."""
    import numpy as np

    idx = open_index(settings, readonly=True)
    reviews = [stored.review for stored in idx.catalog.all_reviews()]
    stored: dict[str, list[tuple[int, int, int, str]]] = defaultdict(list)
    for rid, i, start, end, text in idx.catalog.chunk_rows():
        stored[rid].append((i, start, end, text))
    got: dict[str, tuple[list[float], dict[str, Any]]] = {}
    page = 5000
    while True:
        part = idx.vectors.collection.get(
            include=["embeddings", "metadatas"], limit=page, offset=len(got)
        )
        pairs = zip(part["embeddings"], part["metadatas"], strict=True)
        got.update(zip(part["ids"], pairs, strict=True))
        if len(part["ids"]) < page:
            break
    offsets, vectors = [0], []
    for review in reviews:
        chunks = chunk_review(review, settings.chunk_size, settings.chunk_overlap)
        spans = [(c.index, c.start, c.end, c.text) for c in chunks]
        if spans != stored[review.id]:
            sys.exit(f"review {review.id}: chunks differ from what ingest makes with {settings}")
        for chunk in chunks:
            vector, meta = got[chunk.id]
            if meta != chunk.meta:
                sys.exit(f"chunk {chunk.id}: Chroma metadata {meta} is not ingest's {chunk.meta}")
            vectors.append(vector)
        offsets.append(offsets[-1] + len(chunks))
    model = idx.catalog.get_meta("embedding_model") or settings.embedding_model
    idx.close()
    return Source(home, model, reviews, offsets, np.asarray(vectors, dtype=np.float32))


# -- the build ------------------------------------------------------------------------------
@dataclass
class Build:
    chunks: int
    copies: int
    seconds: float = 0.0
    spent: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    skipped: bool = False


def plan_size(source: Source, target: int) -> tuple[int, int]:
    """(reviews, chunks) of the replicated index: whole reviews, at most `target` chunks."""
    per_copy = len(source.reviews)
    full, rest = divmod(target, source.chunks)
    partial = bisect.bisect_right(source.offsets, rest) - 1
    return full * per_copy + partial, full * source.chunks + source.offsets[partial]


def replica(source: Source, j: int, seed: int) -> npt.NDArray[np.float32]:
    """Copy j of every source vector: the vector itself for j = 0, else noisy and normalized."""
    import numpy as np

    if j == 0:
        return source.vectors
    rng = np.random.default_rng([seed, j])
    noisy = source.vectors + rng.normal(0.0, SIGMA, source.vectors.shape).astype(np.float32)
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    return noisy


def build(source: Source, settings: Settings, target: int, batch: int, seed: int) -> Build:
    """Replicate `source` into the index of `settings` until it holds `target` chunks."""
    total_reviews, total_chunks = plan_size(source, target)
    per_copy = len(source.reviews)
    report = Build(total_chunks, -(-total_reviews // per_copy))
    started = time.perf_counter()
    idx = open_index(settings)
    recovered = idx.recover()
    done = idx.catalog.chunk_count()
    if idx.vectors.count() != done:
        sys.exit(f"{settings.home}: catalog and Chroma disagree ({done} chunks): use a new OUT")
    if done == total_chunks:
        idx.close()
        report.skipped = True
        return report
    reviews_done = idx.catalog.count_reviews()
    if done > total_chunks or done != plan_size(source, done)[1]:
        sys.exit(f"{settings.home} holds {done} chunks, not a prefix of this build: use a new OUT")
    print(
        f"building {total_chunks:,} chunks in {settings.home} from {reviews_done:,} stored "
        f"({len(recovered)} half-written reviews recovered)",
        flush=True,
    )
    idx.record_model()
    catalog, vectors = idx.catalog, idx.vectors
    position = reviews_done
    while position < total_reviews:
        j, first = divmod(position, per_copy)
        t0 = time.perf_counter()
        noisy = replica(source, j, seed)
        last = min(per_copy, first + batch, total_reviews - j * per_copy)
        reviews, chunks = [], []
        for review in source.reviews[first:last]:
            if j:
                review = replace(review, id=f"{review.id}~{j}", film=f"{review.film} [{j}]")
            reviews.append(review)
            chunks.extend(chunk_review(review, settings.chunk_size, settings.chunk_overlap))
        block = noisy[source.offsets[first] : source.offsets[last]]
        t1 = time.perf_counter()
        journal: dict[str, list[str]] = defaultdict(list)
        for chunk in chunks:
            journal[chunk.review_id].append(chunk.id)
        catalog.begin_write(journal)
        t2 = time.perf_counter()
        vectors.upsert([c.id for c in chunks], block, [c.meta for c in chunks])
        t3 = time.perf_counter()
        rows = block.astype(VECTOR_DTYPE, copy=False)
        catalog.commit_reviews(reviews, chunks, (), [row.tobytes() for row in rows])
        t4 = time.perf_counter()
        for part, seconds in (("generate", t1 - t0), ("chroma", t3 - t2), ("catalog", t4 - t3)):
            report.spent[part] += seconds
        report.spent["catalog"] += t2 - t1
        position += last - first
        _progress(position, total_reviews, chunks, t0, t2, t3, t4, started)
    idx.close()
    report.seconds = time.perf_counter() - started
    return report


def _progress(position: int, total: int, chunks: list[Chunk], *times: float) -> None:
    t0, t2, t3, t4, started = times
    rss = process_memory_mb(os.getpid())["VmRSS"]
    print(
        f"  {position:>9,}/{total:,} reviews  batch {len(chunks)} chunks: chroma {t3 - t2:5.1f} s"
        f"  catalog {t4 - t3:5.2f} s  ({len(chunks) / (t4 - t0):6.0f} chunks/s)  "
        f"elapsed {time.perf_counter() - started:7.0f} s  rss {rss:6.0f} MB",
        flush=True,
    )


def method_line(source: Source, built: Build, batch: int, seed: int) -> str:
    return (
        f"built from {source.home} ({source.chunks:,} real chunks "
        f"of {len(source.reviews):,} reviews) as {built.copies} copies cut at {built.chunks:,} "
        f"chunks: copy 0 = the real chunks; copy j>=1 = vector + N(0, {SIGMA}^2) per dimension, "
        f"L2-normalized (numpy seed ({seed}, j)), same text, review id '{{id}}~{{j}}', film "
        f"'{{film}} [{{j}}]', critic/outlet/sentiment/date kept; written with chunk_review, "
        f"Catalog.begin_write/commit_reviews and VectorStore.upsert, {batch:,} reviews a batch"
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.simulate", description=__doc__)
    parser.add_argument("--source-home", type=Path, required=True, help="a real index (read only)")
    parser.add_argument("--home", type=Path, required=True, help="where the large index goes")
    parser.add_argument("--chunks", type=int, default=1_000_000, help="chunks to simulate")
    parser.add_argument("--batch", type=int, default=5000, help="reviews per write batch")
    parser.add_argument("--seed", type=int, default=7, help="RNG seed (7)")
    args = parser.parse_args()
    copy = copy_source(args.source_home.resolve())
    try:
        source = read_source(copy, load_settings(home=copy))
        source.home = args.source_home.resolve()
        settings = load_settings(home=args.home, embedding_model=source.model)
        built = build(source, settings, args.chunks, args.batch, args.seed)
    finally:
        shutil.rmtree(copy.parent, ignore_errors=True)
    spent = ", ".join(f"{k} {v:,.0f} s" for k, v in sorted(built.spent.items()))
    if built.skipped:
        print(f"build: skipped, {args.home} already holds {built.chunks:,} chunks")
    else:
        print(f"build: {built.seconds:,.0f} s ({spent})")
    recipe = method_line(source, built, args.batch, args.seed)
    (args.home / RECIPE_FILE).write_text(recipe + "\n", encoding="utf-8")
    print(recipe)


if __name__ == "__main__":
    main()
