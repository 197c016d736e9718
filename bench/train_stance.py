"""Train the per-sentence stance head: logistic regression on the product's sentence embeddings.

    python -m bench.train_stance [--imdb N] [--imdb-text last|first-last|whole] [--out FILE]
        [--cache FILE] [--no-write]

A review's fresh/rotten label is the critic's verdict on the film; a cited sentence needs its
own stance. The head is one 384-d weight vector and a bias over the embeddings of the product's
embedder (`index.embedders.factory.load_embedder` with the settings in force), trained on public
labelled data in `../shared/data` (never copied into the repo):

- RT CS109 critic quotes (fresh/rotten), sentence-sized: used as they are. Films are split by
  a seeded hash of their RT id: 80% train, 10% validation (the L2 strength and the stance
  band are chosen on it), 10% held out. The two Pixar films CS109 has are dropped.
- RT Pixar critic quotes (reviewState fresh/rotten): all 28 films held out, never trained on.
- IMDb user reviews (pos/neg): `--imdb N` reviews (seeded sample), each turned into the text
  `--imdb-text` says (default: its last sentence, where a reviewer sums up); titles split like
  the CS109 films, the two Pixar films' IMDb ids dropped.

Held-out accuracy is reported per dataset next to the majority-class baseline and the balanced
accuracy (mean recall of the two classes; the baseline's is 0.5). The weights, the band and the
metadata go to `assistant/models/stance_head.npz`.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import html
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.common import ROOT, SHARED_DATA, gzip_csv_rows
from index.chunking import sentence_spans

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Matrix = npt.NDArray[np.float32]
    Labels = npt.NDArray[np.float64]

OUT = ROOT / "assistant" / "models" / "stance_head.npz"
CS109 = SHARED_DATA / "rt-critics-cs109" / "critics.csv"
PIXAR = SHARED_DATA / "rt-critics-pixar" / "critic_reviews.csv"
PIXAR_MOVIES = SHARED_DATA / "rt-critics-pixar" / "movies.csv"
IMDB = SHARED_DATA / "imdb-50k" / "reviews.csv.gz"
SEED = 20240601
SPLIT = {"train": 0.8, "val": 0.1}  # the rest of the films is held out
L2_GRID = (1e-5, 1e-4, 1e-3, 1e-2)
BAND_PRECISION = 0.85  # a "positive" or "negative" label must be right this often on validation
CHECK_SAMPLE = 1500  # held-out RT quotes the shared test re-scores
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)


@dataclass(frozen=True)
class Example:
    """One labelled text: 1 positive (fresh/pos), 0 negative; `part` is train, val or test."""

    text: str
    label: int
    dataset: str
    film: str
    part: str


def part_of(film: str, seed: int = SEED) -> str:
    """train, val or test for a film key: a seeded hash, the same on every machine."""
    digest = hashlib.sha256(f"{seed}:{film}".encode()).digest()
    x = int.from_bytes(digest[:8], "big") / 2**64
    if x < SPLIT["train"]:
        return "train"
    return "val" if x < SPLIT["train"] + SPLIT["val"] else "test"


def _norm_title(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()


def pixar_titles() -> set[str]:
    with PIXAR_MOVIES.open(encoding="utf-8", newline="") as f:
        return {_norm_title(row["movieTitle"]) for row in csv.DictReader(f)}


def rt_cs109(exclude_titles: set[str]) -> tuple[list[Example], set[str]]:
    """CS109 quotes (deduplicated), and the IMDb ids of the films left out."""
    examples: list[Example] = []
    dropped_imdb: set[str] = set()
    seen: set[str] = set()
    with CS109.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            quote, fresh = row["quote"].strip(), row["fresh"]
            if not quote or fresh not in ("fresh", "rotten"):
                continue
            if _norm_title(row["title"]) in exclude_titles:
                dropped_imdb.add(f"tt{row['imdb'].zfill(7)}")
                continue
            if quote in seen:
                continue
            seen.add(quote)
            film = f"rt:{row['rtid']}"
            examples.append(Example(quote, int(fresh == "fresh"), "cs109", film, part_of(film)))
    return examples, dropped_imdb


def rt_pixar() -> list[Example]:
    """Every Pixar quote, held out (part test)."""
    examples: list[Example] = []
    with PIXAR.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            quote, state = row["quote"].strip(), row["reviewState"]
            if quote and state in ("fresh", "rotten"):
                film = f"pixar:{row['movieId']}"
                examples.append(Example(quote, int(state == "fresh"), "pixar", film, "test"))
    return examples


def imdb_text(text: str, mode: str) -> str:
    """The text of one IMDb review that the head sees: last sentence, first + last, or whole."""
    clean = html.unescape(_BR.sub(" ", text)).strip()
    if mode == "whole":
        return clean
    spans = sentence_spans(clean)
    if not spans:
        return clean
    last = clean[spans[-1][0] : spans[-1][1]]
    if mode == "last" or len(spans) == 1:
        return last
    return f"{clean[spans[0][0] : spans[0][1]]} {last}"


def imdb(n: int, mode: str, exclude_ids: set[str], seed: int = SEED) -> list[Example]:
    """A seeded sample of `n` IMDb reviews (0: none)."""
    if n <= 0:
        return []
    import numpy as np

    rows = [r for r in gzip_csv_rows(IMDB) if r["imdb_title_id"] not in exclude_ids]
    pick = np.random.default_rng(seed).permutation(len(rows))[:n]
    examples = []
    for i in sorted(pick.tolist()):
        row = rows[i]
        film = f"imdb:{row['imdb_title_id']}"
        text = imdb_text(row["text"], mode)
        examples.append(Example(text, int(row["label"] == "pos"), "imdb", film, part_of(film)))
    return examples


def load_examples(imdb_n: int, imdb_mode: str) -> list[Example]:
    """All labelled examples, each with its part (train, val, test)."""
    cs109, dropped = rt_cs109(pixar_titles())
    return cs109 + rt_pixar() + imdb(imdb_n, imdb_mode, dropped)


def check_sample(examples: Sequence[Example], n: int = CHECK_SAMPLE) -> list[Example]:
    """A fixed, seeded sample of the held-out RT quotes (CS109 test films and Pixar)."""
    import numpy as np

    held = [e for e in examples if e.part == "test" and e.dataset in ("cs109", "pixar")]
    pick = np.random.default_rng(SEED).permutation(len(held))[:n]
    return [held[i] for i in sorted(pick.tolist())]


# -- the model ------------------------------------------------------------------------------


def fit_logistic(x: Matrix, y: Labels, l2: float, iterations: int = 25) -> tuple[Matrix, float]:
    """L2-regularized logistic regression by Newton's method (deterministic; the bias is free).

    Minimizes mean log-loss + l2/2 * |w|^2; 384 features, so each step solves a 385x385 system.
    """
    import numpy as np

    xb = np.hstack([x.astype(np.float64), np.ones((len(x), 1))])
    theta = np.zeros(xb.shape[1])
    reg = np.full(xb.shape[1], l2)
    reg[-1] = 0.0
    n = len(xb)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(xb @ theta)))
        grad = xb.T @ (p - y) / n + reg * theta
        hess = (xb * (p * (1 - p))[:, None]).T @ xb / n + np.diag(reg)
        step = np.linalg.solve(hess + 1e-10 * np.eye(len(theta)), grad)
        theta -= step
        if float(np.abs(step).max()) < 1e-7:
            break
    return theta[:-1].astype(np.float32), float(theta[-1])


def probabilities(x: Matrix, w: Matrix, b: float) -> npt.NDArray[np.float64]:
    import numpy as np

    z = x.astype(np.float64) @ w.astype(np.float64) + b
    return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)


def scores(p: npt.NDArray[np.float64], y: Labels) -> dict[str, float]:
    """Accuracy, balanced accuracy, majority-class accuracy, share positive, rows."""
    import numpy as np

    pred = p >= 0.5
    pos, neg = y == 1, y == 0
    recall_pos = float(pred[pos].mean()) if pos.any() else 0.0
    recall_neg = float((~pred[neg]).mean()) if neg.any() else 0.0
    share = float(y.mean())
    return {
        "rows": len(y),
        "accuracy": float(np.mean(pred == (y == 1))),
        "balanced_accuracy": (recall_pos + recall_neg) / 2,
        "majority_baseline": max(share, 1 - share),
        "positive_share": share,
    }


def calibrate_band(
    p: npt.NDArray[np.float64], y: Labels, precision: float = BAND_PRECISION
) -> tuple[float, float]:
    """(negative_below, positive_above): the widest labels whose precision reaches `precision`.

    positive_above is the lowest threshold t >= 0.5 (steps of 0.01) such that the sentences with
    p > t are positive at least `precision` of the time; negative_below the highest t <= 0.5
    such that those with p < t are negative that often. Between them a sentence is "mixed".
    """
    import numpy as np

    grid = np.round(np.arange(0.5, 0.96, 0.01), 2)
    above = next((float(t) for t in grid if (p > t).any() and y[p > t].mean() >= precision), 0.95)
    below = next(
        (float(1 - t) for t in grid if (p < 1 - t).any() and 1 - y[p < 1 - t].mean() >= precision),
        0.05,
    )
    return round(below, 2), round(above, 2)


def band_report(
    p: npt.NDArray[np.float64], y: Labels, below: float, above: float
) -> dict[str, float]:
    """How the three-way labels do: share mixed, precision of positive and negative labels."""
    pos, neg = p > above, p < below
    return {
        "mixed_share": float(1 - (pos | neg).mean()),
        "positive_precision": float(y[pos].mean()) if pos.any() else float("nan"),
        "negative_precision": float(1 - y[neg].mean()) if neg.any() else float("nan"),
    }


# -- embedding ------------------------------------------------------------------------------


def embed_texts(
    texts: Sequence[str], embed: Callable[[Sequence[str]], Matrix], cache: Path | None
) -> Matrix:
    """Embed `texts` in batches of 1,024, reusing vectors saved in `cache` (keyed by sha1)."""
    import numpy as np

    keys = [hashlib.sha1(t.encode()).hexdigest() for t in texts]
    known: dict[str, Any] = {}
    if cache is not None and cache.is_file():
        with np.load(cache) as saved:
            known = dict(zip(saved["keys"].tolist(), saved["vectors"], strict=True))
    todo = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in known}.items())
    started = time.perf_counter()
    for i in range(0, len(todo), 1024):
        batch = todo[i : i + 1024]
        for (key, _), vec in zip(batch, embed([t for _, t in batch]), strict=True):
            known[key] = vec
        done = min(i + 1024, len(todo))
        rate = done / (time.perf_counter() - started)
        print(f"  embedded {done:,}/{len(todo):,} ({rate:.0f}/s)", file=sys.stderr, flush=True)
    if cache is not None and todo:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, keys=np.array(list(known)), vectors=np.stack(list(known.values())))
    return np.stack([known[k] for k in keys]).astype(np.float32)


# -- the command ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.train_stance",
        description="Train the per-sentence stance head on ../shared/data and write its weights.",
    )
    parser.add_argument("--imdb", type=int, default=10000, help="IMDb reviews to use (0: none)")
    parser.add_argument(
        "--imdb-text",
        choices=["last", "first-last", "whole"],
        default="last",
        help="what of an IMDb review to embed (whole: truncated at the model's 256 tokens)",
    )
    parser.add_argument("--out", type=Path, default=OUT, help="weights file to write")
    parser.add_argument("--cache", type=Path, help="save/reuse embeddings here (an .npz file)")
    parser.add_argument("--no-write", action="store_true", help="report only")
    args = parser.parse_args(argv)

    missing = [p for p in (CS109, PIXAR, PIXAR_MOVIES, IMDB) if not p.is_file()]
    if missing:
        print(
            f"skipped: {missing[0]} is absent; training the stance head needs the shared "
            f"review data at {SHARED_DATA} (see its README.md)",
            file=sys.stderr,
        )
        return 0

    import numpy as np

    from index.embedders.factory import load_embedder
    from ui.settings import load_settings

    started = time.perf_counter()
    examples = load_examples(args.imdb, args.imdb_text)
    parts = Counter((e.dataset, e.part) for e in examples)
    print("rows (dataset, part):", dict(sorted(parts.items())))

    settings = load_settings()
    embedder = load_embedder(settings)
    t = time.perf_counter()
    x = embed_texts([e.text for e in examples], embedder.embed, args.cache)
    embed_seconds = time.perf_counter() - t
    print(f"embedded {len(examples):,} texts with {embedder.name} in {embed_seconds:.0f} s")

    y = np.array([e.label for e in examples], dtype=np.float64)
    part = np.array([e.part for e in examples])
    dataset = np.array([e.dataset for e in examples])
    train, val = part == "train", part == "val"

    # the L2 strength: best balanced accuracy on the validation films (RT quotes and IMDb)
    t = time.perf_counter()
    tried = []
    for l2 in L2_GRID:
        w, b = fit_logistic(x[train], y[train], l2)
        tried.append((scores(probabilities(x[val], w, b), y[val])["balanced_accuracy"], -l2))
        print(f"  l2={l2:g}: validation balanced accuracy {tried[-1][0]:.4f}")
    l2 = -max(tried)[1]
    w, b = fit_logistic(x[train], y[train], l2)
    fit_seconds = time.perf_counter() - t

    val_rt = val & (dataset == "cs109")
    below, above = calibrate_band(probabilities(x[val_rt], w, b), y[val_rt])

    report: dict[str, Any] = {}
    for name in ("cs109", "pixar", "imdb"):
        mask = (part == "test") & (dataset == name)
        if mask.any():
            p = probabilities(x[mask], w, b)
            report[name] = scores(p, y[mask]) | band_report(p, y[mask], below, above)
    rt = (part == "test") & np.isin(dataset, ["cs109", "pixar"])
    p_rt = probabilities(x[rt], w, b)
    report["rt"] = scores(p_rt, y[rt]) | band_report(p_rt, y[rt], below, above)

    index = {id(e): i for i, e in enumerate(examples)}
    sample = [index[id(e)] for e in check_sample(examples)]
    sample_accuracy = scores(probabilities(x[sample], w, b), y[sample])["accuracy"]
    total_seconds = time.perf_counter() - started

    print(f"\nl2 = {l2:g}; band: negative below {below}, positive above {above}")
    print("held out (films never trained on):")
    print(
        f"  {'dataset':<8} {'rows':>6} {'accuracy':>9} {'majority':>9} {'balanced':>9} "
        f"{'mixed':>6} {'P(pos)':>7} {'P(neg)':>7}"
    )
    for name, r in report.items():
        print(
            f"  {name:<8} {r['rows']:>6} {r['accuracy']:>9.4f} {r['majority_baseline']:>9.4f} "
            f"{r['balanced_accuracy']:>9.4f} {r['mixed_share']:>6.3f} "
            f"{r['positive_precision']:>7.3f} {r['negative_precision']:>7.3f}"
        )
    print(f"check sample ({len(sample)} held-out RT quotes): accuracy {sample_accuracy:.4f}")
    print(f"time: {total_seconds:.0f} s (embedding {embed_seconds:.0f} s, fit {fit_seconds:.1f} s)")

    meta = {
        "embedding_model": embedder.name,
        "embedding_backend": settings.embedding_backend,
        "dimension": int(x.shape[1]),
        "trained": dt.date.today().isoformat(),
        "command": f"python -m bench.train_stance --imdb {args.imdb} --imdb-text {args.imdb_text}",
        "imdb": args.imdb,
        "imdb_text": args.imdb_text,
        "seed": SEED,
        "l2": l2,
        "training_rows": {k: parts[(k, "train")] for k in ("cs109", "imdb")},
        "negative_below": below,
        "positive_above": above,
        "band_precision": BAND_PRECISION,
        "heldout_accuracy": report["rt"]["accuracy"],
        "heldout": report,
        "check_sample_rows": len(sample),
        "check_sample_accuracy": sample_accuracy,
    }
    if not args.no_write:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            args.out,
            weights=w.astype(np.float32),
            bias=np.array(b, dtype=np.float32),
            meta=np.array(json.dumps(meta, sort_keys=True)),
        )
        print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
