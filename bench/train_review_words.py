"""Train the review-word vectors (`assistant/review_words.py`): which words reviewers write in
the same places.

    python -m bench.train_review_words [--min-count N] [--window N] [--dims N] [--out FILE]
        [--show WORD,WORD...]

Reads the 50,000 IMDb user reviews in `../shared/data/imdb-50k` (never copied into the repo;
the reviews of the Pixar films that CS109 lists are left out, as for the stance head), counts
the words around each word within `--window` words (each weighted 1 / distance), turns the
counts into positive pointwise mutual information (context counts smoothed by the power 0.75,
Levy, Goldberg & Dagan 2015), and keeps `--dims` dimensions of its SVD (the left vectors
times the square root of the singular values), each word a unit vector. Words seen fewer than
`--min-count` times are dropped. The rows are stored as int8 with one scale per row in
`assistant/models/review_words.npz`, with the training facts as JSON.

Seeded: the same data gives the same file on every machine with the same libraries.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.review_words import FILE, ReviewWords, dequantized, review_tokens
from bench.common import ROOT, SHARED_DATA, gzip_csv_rows

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from scipy.sparse import csr_matrix

OUT = ROOT / "assistant" / "models" / FILE
IMDB = SHARED_DATA / "imdb-50k" / "reviews.csv.gz"
SEED = 20240601
SMOOTHING = 0.75  # context counts raised to this power before the PMI (rare contexts weigh less)
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)


def imdb_texts(path: Path, exclude_ids: set[str]) -> Iterator[str]:
    """The text of each IMDb review of a film not in `exclude_ids`, its line breaks and HTML
    entities undone."""
    for row in gzip_csv_rows(path):
        if row["imdb_title_id"] not in exclude_ids:
            yield html.unescape(_BR.sub(" ", row["text"]))


def training_texts(path: Path) -> tuple[list[str], int]:
    """The IMDb reviews to learn from (those of the Pixar films CS109 lists left out, so that
    the Pixar evaluations read reviews the models never saw) and how many films were left
    out; exits saying where the data goes when `path` is absent."""
    if not path.exists():
        sys.exit(
            f"{path} is absent: put the shared review data beside the repo "
            "(../shared/data/imdb-50k/reviews.csv.gz) or pass --imdb PATH"
        )
    from bench.train_stance import pixar_titles, rt_cs109

    _, pixar_imdb_ids = rt_cs109(pixar_titles())
    return list(imdb_texts(path, pixar_imdb_ids)), len(pixar_imdb_ids)


def cooccurrence(docs: list[list[str]], words: list[str], window: int) -> csr_matrix:
    """Symmetric word-by-word counts of the words within `window` of each other (1/distance)."""
    import numpy as np
    from scipy.sparse import coo_matrix

    row_of = {w: i for i, w in enumerate(words)}
    rows: list[Any] = []
    columns: list[Any] = []
    weights: list[Any] = []
    for doc in docs:
        ids = np.fromiter((row_of.get(w, -1) for w in doc), dtype=np.int64, count=len(doc))
        for distance in range(1, window + 1):
            left, right = ids[:-distance], ids[distance:]
            both = (left >= 0) & (right >= 0)
            if both.any():
                rows += [left[both], right[both]]
                columns += [right[both], left[both]]
                weights += [np.full(2 * int(both.sum()), 1.0 / distance, np.float32)]
    size = len(words)
    if not rows:
        return coo_matrix((size, size), dtype=np.float32).tocsr()
    counts = coo_matrix(
        (np.concatenate(weights), (np.concatenate(rows), np.concatenate(columns))),
        shape=(size, size),
    ).tocsr()
    counts.sum_duplicates()
    return counts


def ppmi(counts: csr_matrix) -> csr_matrix:
    """Positive pointwise mutual information of `counts`, context counts smoothed."""
    import numpy as np
    from scipy.sparse import csr_matrix

    total = float(counts.sum())
    word_share = np.asarray(counts.sum(axis=1)).ravel() / max(total, 1e-9)
    context = np.asarray(counts.sum(axis=0)).ravel() ** SMOOTHING
    context_share = context / max(float(context.sum()), 1e-9)
    cells = counts.tocoo()
    with np.errstate(divide="ignore"):
        pmi = np.log(cells.data / total / word_share[cells.row] / context_share[cells.col])
    keep = pmi > 0
    return csr_matrix(
        (pmi[keep].astype(np.float32), (cells.row[keep], cells.col[keep])), shape=counts.shape
    )


def train(
    docs: list[list[str]], min_count: int, window: int, dims: int
) -> tuple[list[str], npt.NDArray[np.float32]]:
    """The words seen `min_count` times or more (most frequent first) and their unit vectors."""
    import numpy as np
    from sklearn.utils.extmath import randomized_svd

    frequency = Counter(w for doc in docs for w in doc)
    words = [w for w, n in frequency.most_common() if n >= min_count]
    if len(words) <= dims:
        raise SystemExit(
            f"only {len(words)} words are seen {min_count} times or more: lower --min-count "
            f"or --dims (now {dims}), or train on more reviews"
        )
    matrix = ppmi(cooccurrence(docs, words, window))
    left, singular, _ = randomized_svd(matrix, n_components=dims, n_iter=5, random_state=SEED)
    vectors = left * np.sqrt(singular)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    return words, vectors.astype(np.float32)


def quantized(
    vectors: npt.NDArray[np.float32],
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.float32]]:
    """int8 rows and one scale per row (a quarter of the float32 size, same neighbours)."""
    import numpy as np

    scale = np.maximum(np.abs(vectors).max(axis=1), 1e-9) / 127.0
    rows = np.round(vectors / scale[:, None]).astype(np.int8)
    return rows, scale.astype(np.float32)


def save(
    path: Path, words: list[str], vectors: npt.NDArray[np.float32], meta: dict[str, Any]
) -> None:
    import numpy as np

    rows, scale = quantized(vectors)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.npz")
    np.savez_compressed(
        partial, words=np.asarray(words), vectors=rows, scale=scale, meta=json.dumps(meta)
    )
    partial.replace(path)


def show(model: ReviewWords, probes: Iterable[str], most: int = 12) -> None:
    for probe in probes:
        near = model.near(probe.split("+"), most)
        listed = ", ".join(f"{w} {s:.2f}" for w, s in near.items()) or "(not in the vocabulary)"
        print(f"  {probe}: {listed}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--min-count", type=int, default=20, help="drop rarer words (20)")
    parser.add_argument("--window", type=int, default=5, help="words each side counted (5)")
    parser.add_argument("--dims", type=int, default=200, help="dimensions kept (200)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"the file written ({OUT})")
    parser.add_argument("--imdb", type=Path, default=IMDB, help="the IMDb reviews (csv.gz)")
    parser.add_argument("--show", default="", help="words whose neighbours to print, a,b+c")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    texts, left_out = training_texts(args.imdb)
    docs = [review_tokens(text) for text in texts]
    tokens = sum(len(d) for d in docs)
    words, vectors = train(docs, args.min_count, args.window, args.dims)
    meta = {
        "trained": dt.date.today().isoformat(),
        "data": f"IMDb user reviews (Maas et al. 2011): {len(docs)} reviews, {tokens} words; "
        f"the reviews of {left_out} Pixar films left out",
        "method": f"PPMI (context smoothing {SMOOTHING}) of 1/distance counts within "
        f"{args.window} words, randomized SVD to {args.dims} dims (seed {SEED}), "
        "U * sqrt(S), unit rows, int8 with a scale per row",
        "min_count": args.min_count,
        "words": len(words),
    }
    save(args.out, words, vectors, meta)
    seconds = time.perf_counter() - started
    size = args.out.stat().st_size
    print(
        f"{len(words)} words x {args.dims} dims from {len(docs)} reviews ({tokens} words) "
        f"in {seconds:.0f} s -> {args.out} ({size / 1e6:.1f} MB)"
    )
    if args.show:
        with __import__("numpy").load(args.out, allow_pickle=False) as data:
            model = ReviewWords(
                [str(w) for w in data["words"]], dequantized(data["vectors"], data["scale"])
            )
        show(model, [p for p in args.show.split(",") if p])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
