"""Count the words reviewers list beside each other (`assistant/review_lists.py`).

    python -m bench.train_review_lists [--min-listed N] [--out FILE] [--show WORD,WORD...]

Reads the 50,000 IMDb user reviews in `../shared/data/imdb-50k` (never copied into the repo;
the reviews of the Pixar films that CS109 lists are left out, as for the review-word vectors)
and, for each pair of the review words (`assistant/models/review_words.npz`), counts the
reviews that write both and the reviews that list them together: the two stand at most
LIST_SPAN words apart with a comma between them ("the acting, writing and direction" lists
"acting" with "writing" and with "direction"). A pair joined by "and" alone is not counted:
that is how writers double one thing ("the suspense and tension") as often as they list two.
Pairs listed together in fewer than `--min-listed` reviews are not kept. Writes
`assistant/models/review_lists.npz`, with the counting facts as JSON.

Deterministic: the same data gives the same file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.review_lists import FILE, ReviewLists
from assistant.review_words import folded, load_review_words
from bench.common import ROOT
from bench.train_review_words import IMDB, training_texts

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

OUT = ROOT / "assistant" / "models" / FILE
LIST_SPAN = 4
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|,")


def list_tokens(text: str) -> list[str]:
    """The words of `text` as the review words read them, and its commas."""
    return _TOKEN.findall(folded(text))


def listed_pairs(tokens: Sequence[str], row_of: dict[str, int]) -> set[tuple[int, int]]:
    """The pairs of known words (rows, smaller first) that `tokens` lists together: at most
    LIST_SPAN tokens apart with a comma between them."""
    pairs: set[tuple[int, int]] = set()
    for k, token in enumerate(tokens):
        if token != ",":
            continue
        for i in range(max(k - LIST_SPAN + 1, 0), k):
            first = row_of.get(tokens[i])
            if first is None:
                continue
            for j in range(k + 1, min(i + LIST_SPAN, len(tokens) - 1) + 1):
                second = row_of.get(tokens[j])
                if second is not None and second != first:
                    pairs.add((min(first, second), max(first, second)))
    return pairs


def count(
    docs: Iterable[list[str]], words: list[str], min_listed: int
) -> tuple[npt.NDArray[np.int32], ...]:
    """(first, second, both, listed) of the pairs of `words` listed together in at least
    `min_listed` of `docs`."""
    import numpy as np
    from scipy.sparse import csc_matrix

    row_of = {w: i for i, w in enumerate(words)}
    listed: Counter[tuple[int, int]] = Counter()
    doc_rows: list[int] = []
    word_columns: list[int] = []
    for n, tokens in enumerate(docs):
        listed.update(listed_pairs(tokens, row_of))
        held = {row_of[t] for t in tokens if t in row_of}
        doc_rows.extend([n] * len(held))
        word_columns.extend(held)
    kept = sorted(pair for pair, times in listed.items() if times >= min_listed)
    first = np.asarray([a for a, _ in kept], dtype=np.int32)
    second = np.asarray([b for _, b in kept], dtype=np.int32)
    docs_count = (max(doc_rows) + 1) if doc_rows else 0
    holds = csc_matrix(
        (np.ones(len(doc_rows), dtype=np.int32), (doc_rows, word_columns)),
        shape=(docs_count, len(words)),
    )
    both = np.zeros(len(kept), dtype=np.int32)
    for start in range(0, len(kept), 20_000):  # reviews writing both, a batch of pairs at once
        stop = start + 20_000
        pair_holds = holds[:, first[start:stop]].multiply(holds[:, second[start:stop]])
        both[start:stop] = np.asarray(pair_holds.sum(axis=0)).ravel()
    times = np.asarray([listed[pair] for pair in kept], dtype=np.int32)
    return first, second, both, times


def save(path: Path, words: list[str], arrays: Sequence[Any], meta: dict[str, Any]) -> None:
    """The pairs with only the words they use, written whole or not at all."""
    import numpy as np

    first, second, both, listed = arrays
    used = np.unique(np.concatenate([first, second]))  # sorted: the rows keep their order
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.npz")
    np.savez_compressed(
        partial,
        words=np.asarray([words[i] for i in used], dtype=str),
        first=np.searchsorted(used, first).astype(np.int32),
        second=np.searchsorted(used, second).astype(np.int32),
        both=both,
        listed=listed,
        meta=json.dumps(meta),
    )
    partial.replace(path)


def show(lists: ReviewLists, probes: Iterable[str], most: int = 12) -> None:
    for probe in probes:
        beside = lists.together(probe, lists.words)
        ranked = sorted(beside.items(), key=lambda item: -item[1].listed)[:most]
        listed = ", ".join(f"{w} {t.listed}/{t.both}" for w, t in ranked) or "(never listed)"
        print(f"  {probe}: {listed}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--min-listed", type=int, default=3, help="drop rarer pairs (3)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"the file written ({OUT})")
    parser.add_argument("--imdb", type=Path, default=IMDB, help="the IMDb reviews (csv.gz)")
    parser.add_argument("--show", default="", help="words whose list mates to print, a,b")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    texts, left_out = training_texts(args.imdb)
    words = load_review_words().words
    docs = [list_tokens(text) for text in texts]
    arrays = count(docs, words, args.min_listed)
    meta = {
        "counted": dt.date.today().isoformat(),
        "data": f"IMDb user reviews (Maas et al. 2011): {len(docs)} reviews; the reviews of "
        f"{left_out} Pixar films left out",
        "method": f"pairs of the {len(words)} review words at most {LIST_SPAN} words apart "
        f"with a comma between them, in {args.min_listed}+ reviews",
        "pairs": len(arrays[0]),
    }
    save(args.out, words, arrays, meta)
    seconds = time.perf_counter() - started
    size = args.out.stat().st_size
    print(
        f"{len(arrays[0])} pairs from {len(docs)} reviews in {seconds:.0f} s -> {args.out} "
        f"({size / 1e6:.1f} MB)"
    )
    if args.show:
        from assistant.review_lists import load_review_lists

        load_review_lists.cache_clear()
        show(load_review_lists(), [p for p in args.show.split(",") if p])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
