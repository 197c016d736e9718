"""Ingest speed against the floor: SentenceTransformer.encode of the same chunk texts.

    python -m bench.ingest_speed [--dataset cs109|imdb|pixar] [--limit N]

The floor runs in its own process (model loaded, then encode timed alone); `reviewqa ingest`
runs in another process into a fresh REVIEWQA_HOME and is timed wall-clock, start to exit
(model load, file parsing, chunking, Chroma and the catalog included). Ratio = ingest / floor.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import sys
import tempfile
from pathlib import Path

from bench.common import ROOT, run_command, shared

CORPUS = ROOT / "corpus"

DATASETS = {
    "cs109": ("rt-critics-cs109", "critics.csv"),
    "pixar": ("rt-critics-pixar", "critic_reviews.csv"),
    "imdb": ("imdb-50k", "reviews.csv.gz"),
}

FLOOR_SCRIPT = """
import json, sys, time, resource
from pathlib import Path
from index.settings import load_settings
from index.loaders import load_file
from index.ingest import chunk_review
from index.embedding import SentenceTransformerEmbedder
settings = load_settings()
path = Path(sys.argv[1])
reviews = load_file(path).reviews
size, overlap = settings.chunk_size, settings.chunk_overlap
texts = [c.text for r in reviews for c in chunk_review(r, size, overlap)]
t0 = time.perf_counter()
model = SentenceTransformerEmbedder(settings.embedding_model).model
load = time.perf_counter() - t0
t0 = time.perf_counter()
model.encode(texts, batch_size=settings.embedding_batch_size, normalize_embeddings=True)
encode = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"reviews": len(reviews), "chunks": len(texts), "load_s": load,
                  "encode_s": encode, "peak_rss_mb": rss}))
"""


def limited_copy(source: Path, limit: int, folder: Path) -> Path:
    """The first `limit` data rows of a CSV (gzipped or not) as a new file."""
    opener = gzip.open if source.suffix == ".gz" else open
    target = folder / source.name.replace(".gz", "")
    with opener(source, "rt", encoding="utf-8", newline="") as src, target.open("w") as out:
        import csv

        reader = csv.reader(src)
        writer = csv.writer(out)
        for i, row in enumerate(reader):
            if i > limit:
                break
            writer.writerow(row)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="cs109")
    parser.add_argument("--limit", type=int, help="only the first N rows (for a quick run)")
    parser.add_argument(
        "--backend",
        action="append",
        choices=["torch", "onnx", "onnx-int8"],
        help="embedding backend(s) of the ingest runs (default: torch and onnx)",
    )
    args = parser.parse_args()
    path = shared(*DATASETS[args.dataset])
    with tempfile.TemporaryDirectory(prefix="reviewqa-bench-") as tmp:
        if args.limit:
            path = limited_copy(path, args.limit, Path(tmp))
        python = sys.executable
        floor_run = run_command([python, "-c", FLOOR_SCRIPT, str(path)])
        floor = json.loads(floor_run.stdout.strip().splitlines()[-1])
        reviewqa = shutil.which("reviewqa", path=str(Path(python).parent)) or "reviewqa"
        runs = {}
        for backend in args.backend or ["torch", "onnx"]:
            home = Path(tmp) / f"home-{backend}"
            env = {"REVIEWQA_EMBEDDING_BACKEND": backend, "REVIEWQA_MODEL_CACHE": f"{tmp}/models"}
            if backend != "torch":  # export the model once, outside the timed run
                run_command([reviewqa, "--home", f"{tmp}/warm", "ingest", str(CORPUS)], env)
            run = run_command([reviewqa, "--home", str(home), "ingest", str(path)], env)
            disk_mb = sum(f.stat().st_size for f in home.rglob("*") if f.is_file()) / 2**20
            runs[backend] = (run, disk_mb)
    print(f"dataset: {args.dataset}{f' (first {args.limit} rows)' if args.limit else ''}")
    print(f"reviews: {floor['reviews']}, chunks: {floor['chunks']}")
    print(
        f"floor (PyTorch encode only): {floor['encode_s']:.1f} s "
        f"(model load {floor['load_s']:.1f} s)"
    )
    print(f"floor peak RSS: {floor['peak_rss_mb']:.0f} MB")
    for backend, (run, disk_mb) in runs.items():
        ratio = run.seconds / floor["encode_s"]
        print(
            f"reviewqa ingest, {backend} backend (whole command): {run.seconds:.1f} s, "
            f"ratio to floor {ratio:.2f}x ({1 / ratio:.2f}x faster), peak RSS "
            f"{run.peak_rss_mb:.0f} MB, index {disk_mb:.0f} MB"
        )
        print(f"  {run.stdout.strip().splitlines()[-1]}")


if __name__ == "__main__":
    main()
