"""The disk cost of keeping every chunk's vector in the catalog (issue: the catalog is the
truth, Chroma is rebuilt from it without re-embedding).

    python -m bench.vector_copy_cost [--chunks 15563 123000 1000000]

For each size, two catalogs are written through `Catalog.commit_reviews` with the same
synthetic reviews (one chunk each, 160 characters, like a critic's blurb): one with the
vectors (384 float32, as ingest stores them), one without (the baseline, measured in the same
run). Prints both file sizes, the extra bytes per chunk and the ratio.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.catalog import VECTOR_DTYPE, Catalog
from index.chunking import chunk_review
from index.records import Review

DIMENSIONS = 384
BATCH = 5000


def write(path: Path, chunks: int, with_vectors: bool) -> float:
    """Write `chunks` one-chunk reviews into a new catalog at `path`; returns seconds."""
    rng = np.random.default_rng(7)
    catalog = Catalog(path)
    started = time.perf_counter()
    try:
        for start in range(0, chunks, BATCH):
            reviews = [
                Review(
                    id=f"r{i}",
                    film=f"Film {i % 2780}",
                    critic=f"Critic {i % 690}",
                    publication=f"Outlet {i % 67}",
                    date="2012-05-17",
                    sentiment="positive" if i % 3 else "negative",
                    text=f"Review {i}: a film of rare grace whose score lingers; " * 3,
                )
                for i in range(start, min(chunks, start + BATCH))
            ]
            pieces = [chunk for r in reviews for chunk in chunk_review(r, 10_000, 0)]
            vectors: list[bytes] = []
            if with_vectors:
                matrix = rng.standard_normal((len(pieces), DIMENSIONS)).astype(VECTOR_DTYPE)
                vectors = [row.tobytes() for row in matrix]
            catalog.commit_reviews(reviews, pieces, (), vectors)
    finally:
        catalog.close()
    return time.perf_counter() - started


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, nargs="+", default=[15_563, 123_000, 1_000_000])
    args = parser.parse_args(argv)
    print("| chunks | catalog without vectors | with vectors | extra per chunk | ratio |")
    print("|---:|---:|---:|---:|---:|")
    for chunks in args.chunks:
        with tempfile.TemporaryDirectory(prefix="reviewqa-vcost-") as tmp:
            plain, kept = Path(tmp) / "plain.sqlite3", Path(tmp) / "kept.sqlite3"
            write(plain, chunks, with_vectors=False)
            write(kept, chunks, with_vectors=True)
            without, with_ = size(plain), size(kept)
        print(
            f"| {chunks:,} | {without / 2**20:,.1f} MiB | {with_ / 2**20:,.1f} MiB | "
            f"{(with_ - without) / chunks:,.0f} B | {with_ / without:.2f}x |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
