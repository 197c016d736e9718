"""Ingest speed against the encode floor: the embedding model alone on the same chunk texts.

    python -m bench.ingest_speed [--dataset cs109|pixar|imdb|all] [--limit N]
        [--backend torch|onnx|onnx-int8 ...] [--floor torch|onnx|onnx-int8 ...]
        [--floor-every K] [--keep DIR]

Each floor runs in its own process: the model is loaded, then only its encode of the chunk
texts is timed (PyTorch: `SentenceTransformer.encode`; ONNX: the product's OnnxEmbedder).
`--floor-every K` encodes every K-th chunk and multiplies the time by K (for the large sets,
where a full PyTorch floor would take longer than the ingest itself); the output says so.
Each `reviewqa ingest` runs in another process into a fresh REVIEWQA_HOME, timed wall-clock
from start to exit (model load, file parsing, chunking, Chroma and the catalog included).
Ratio = ingest / floor. `--keep DIR` keeps the index of the last ingest run in DIR.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import shutil
import sys
import tempfile
from pathlib import Path

from bench.common import ROOT, run_command, shared

CORPUS = ROOT / "corpus"
BACKENDS = ["torch", "onnx", "onnx-int8"]

DATASETS: dict[str, list[tuple[str, str]]] = {
    "cs109": [("rt-critics-cs109", "critics.csv")],
    "pixar": [("rt-critics-pixar", "critic_reviews.csv")],
    "imdb": [("imdb-50k", "reviews.csv.gz")],
}
DATASETS["all"] = DATASETS["cs109"] + DATASETS["pixar"] + DATASETS["imdb"]

FLOOR_SCRIPT = """
import json, sys, time, resource
from pathlib import Path
from ui.settings import load_settings
from index.loaders import load_file
from index.ingest import chunk_review
backend, every, cache, paths = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
settings = load_settings()
reviews = [r for p in paths for r in load_file(Path(p)).reviews]
size, overlap = settings.chunk_size, settings.chunk_overlap
texts = [c.text for r in reviews for c in chunk_review(r, size, overlap)]
sample = texts[::every]
t0 = time.perf_counter()
if backend == "torch":
    from index.embedders.torch import SentenceTransformerEmbedder
    model = SentenceTransformerEmbedder(settings.embedding_model).model
    encode = lambda: model.encode(
        sample, batch_size=settings.embedding_batch_size, normalize_embeddings=True)
else:
    from index.embedders.onnx import OnnxEmbedder
    embedder = OnnxEmbedder(settings.embedding_model, Path(cache),
                            quantized=backend == "onnx-int8",
                            batch_size=settings.embedding_batch_size)
    encode = lambda: embedder.embed(sample)
load = time.perf_counter() - t0
t0 = time.perf_counter()
encode()
seconds = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"reviews": len(reviews), "chunks": len(texts), "sampled": len(sample),
                  "load_s": load, "encode_s": seconds * len(texts) / len(sample),
                  "peak_rss_mb": rss}))
"""


def limited_copy(source: Path, limit: int, folder: Path) -> Path:
    """The first `limit` data rows of a CSV (gzipped or not) as a new file, with its
    movies.csv title table when there is one."""
    opener = gzip.open if source.suffix == ".gz" else open
    target = folder / source.parent.name / source.name.replace(".gz", "")
    target.parent.mkdir(parents=True, exist_ok=True)
    with opener(source, "rt", encoding="utf-8", newline="") as src, target.open("w") as out:
        writer = csv.writer(out)
        for i, row in enumerate(csv.reader(src)):
            if i > limit:
                break
            writer.writerow(row)
    titles = source.parent / "movies.csv"
    if titles.exists() and titles != source:
        shutil.copy(titles, target.parent / titles.name)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="cs109")
    parser.add_argument("--limit", type=int, help="only the first N rows of each file")
    parser.add_argument(
        "--backend",
        action="append",
        choices=BACKENDS,
        help="embedding backend(s) of the ingest runs (default: torch and onnx)",
    )
    parser.add_argument(
        "--floor", action="append", choices=BACKENDS, help="encode floor(s) (default: torch)"
    )
    parser.add_argument(
        "--floor-every", type=int, default=1, metavar="K", help="floor on every K-th chunk"
    )
    parser.add_argument("--keep", type=Path, help="keep the last ingest run's index here")
    args = parser.parse_args()
    paths = [shared(*parts) for parts in DATASETS[args.dataset]]
    reviewqa = shutil.which("reviewqa", path=str(Path(sys.executable).parent)) or "reviewqa"
    with tempfile.TemporaryDirectory(prefix="reviewqa-bench-") as tmp:
        if args.limit:
            paths = [limited_copy(path, args.limit, Path(tmp)) for path in paths]
        cache = f"{tmp}/models"
        env = {"REVIEWQA_MODEL_CACHE": cache}
        # export the ONNX models once, outside every timed run
        for backend in {"onnx", "onnx-int8"} & {*(args.backend or []), *(args.floor or [])}:
            warm = [reviewqa, "--home", f"{tmp}/warm-{backend}", "ingest", str(CORPUS)]
            run_command(warm, {**env, "REVIEWQA_EMBEDDING_BACKEND": backend})
        floors = {}
        for backend in args.floor or ["torch"]:
            script = [sys.executable, "-c", FLOOR_SCRIPT, backend, str(args.floor_every), cache]
            floor_run = run_command([*script, *map(str, paths)])
            floors[backend] = json.loads(floor_run.stdout.strip().splitlines()[-1])
        runs = {}
        for backend in args.backend or ["torch", "onnx"]:
            home = Path(tmp) / f"home-{backend}"
            command = [reviewqa, "--home", str(home), "ingest", *map(str, paths)]
            run = run_command(command, {**env, "REVIEWQA_EMBEDDING_BACKEND": backend})
            disk_mb = sum(f.stat().st_size for f in home.rglob("*") if f.is_file()) / 2**20
            runs[backend] = (run, disk_mb)
        if args.keep:
            shutil.rmtree(args.keep, ignore_errors=True)
            shutil.copytree(home, args.keep)
    first = next(iter(floors.values()))
    print(f"dataset: {args.dataset}{f' (first {args.limit} rows a file)' if args.limit else ''}")
    print(f"reviews: {first['reviews']}, chunks: {first['chunks']}")
    for backend, floor in floors.items():
        sampled = (
            f", measured on every {args.floor_every}th chunk ({floor['sampled']}) and scaled"
            if args.floor_every > 1
            else ""
        )
        print(
            f"floor, {backend} encode only: {floor['encode_s']:.1f} s{sampled} "
            f"(model load {floor['load_s']:.1f} s, peak RSS {floor['peak_rss_mb']:.0f} MB)"
        )
    for backend, (run, disk_mb) in runs.items():
        ratios = ", ".join(
            f"{run.seconds / floor['encode_s']:.2f}x the {name} floor"
            for name, floor in floors.items()
        )
        print(
            f"reviewqa ingest, {backend} backend (whole command): {run.seconds:.1f} s = "
            f"{ratios}; peak RSS {run.peak_rss_mb:.0f} MB, index {disk_mb:.0f} MB"
        )
        print(f"  {run.stdout.strip().splitlines()[-1]}")


if __name__ == "__main__":
    main()
