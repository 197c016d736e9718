"""The nearest review words of a word: `index.nearest.top_rows` against the stable sort of the
whole array it replaced, in one run over the same similarity arrays.

    python -m bench.nearest_rows [--most 10] [--reps 50]

Each word of a fixed list is read as `ReviewWords.near` reads it (its vector against all
~20,000 review words); both ways take the `most` + 1 nearest of every array `--reps` times,
interleaved. Prints ms per array for each and the ratio, and checks that both pick the same.
"""

from __future__ import annotations

import argparse
import time

from assistant.review_words import load_review_words
from index.nearest import top_rows

WORDS = ("pacing", "acting", "music", "story", "score", "direction", "pace", "lines", "writing")


def main(argv: list[str] | None = None) -> int:
    import numpy as np

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--most", type=int, default=10, help="nearest words taken (10)")
    parser.add_argument("--reps", type=int, default=50, help="rounds over the words (50)")
    args = parser.parse_args(argv)
    review_words = load_review_words()
    rows = [review_words.words.index(word) for word in WORDS]  # unit rows: a word's own mean
    arrays = [review_words.vectors @ review_words.vectors[row] for row in rows]
    n = args.most + 1
    sort_s = partition_s = 0.0
    for _ in range(args.reps):
        for values in arrays:
            start = time.perf_counter()
            sorted_rows = np.argsort(-values, kind="stable")[:n]
            middle = time.perf_counter()
            picked = top_rows(values, n)
            partition_s += time.perf_counter() - middle
            sort_s += middle - start
            if sorted_rows.tolist() != picked.tolist():
                raise SystemExit("top_rows picked otherwise than the stable sort")
    each = args.reps * len(arrays)
    sort_ms, partition_ms = 1000 * sort_s / each, 1000 * partition_s / each
    print(f"{len(review_words.words):,} review words, the {n} nearest of {len(arrays)} words")
    print(f"  stable sort (baseline) {sort_ms:.3f} ms   top_rows {partition_ms:.3f} ms")
    print(f"  ratio {sort_ms / partition_ms:.1f}x faster, same picks")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
