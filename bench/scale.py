"""Question latency and serving memory at a large index, simulated from a real one.

    python -m bench.scale --source-home DIR --home OUT --chunks 1000000 [--questions 200]

Build (skipped when OUT already holds the planned index): every real chunk of DIR (texts from
its catalog, vectors and metadata from its Chroma collection) is replicated until `--chunks`
entries. Copy 0 is the real chunk as it is; copy j >= 1 has the real vector plus Gaussian noise
(sigma 0.02 per dimension, then L2-normalized; numpy RNG seeded by (--seed, j)), the same text,
review id "{id}~{j}" and film "{film} [{j}]" (critic, outlet, sentiment, date kept), so film
filters see many distinct films of realistic size. Everything is written through the data
layer as ingest writes it (`chunk_review`, `Catalog.begin_write`, `VectorStore.upsert`,
`Catalog.commit_reviews`), so Chroma, the FTS5 index and the filters all hold every entry.
DIR is never opened for writing: it is copied to a temporary folder first.

Measure (extractive engine, warm process), on a copy of DIR (the small point) and on OUT:
p50/p95 of film-filtered questions (from `bench.ask_latency.make_questions`: "Who disliked
{film}?", "What do critics say about the {word} in {film}?") and unfiltered ones ("What do
critics say about {word}?"), each against the floor of the same run (embed the question and
one Chroma query of the same size with the same filter); then `reviewqa serve` in a
subprocess: ready time, /healthz time, RSS after ~50 questions (VmRSS, VmHWM).
"""

from __future__ import annotations

import argparse
import bisect
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.filters import Filters
from assistant.service import Assistant
from bench.ask_latency import make_questions, percentile
from bench.common import ROOT
from bench.load_test import HOST, free_port
from index.catalog import Catalog
from index.ingest import chunk_review
from index.records import Chunk, Review
from index.settings import Settings, load_settings
from index.store import open_index

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

SIGMA = 0.02
PLOT = ROOT / "bench" / "latency_scale.png"
TARGET_P50_MS, TARGET_P95_MS, TARGET_RSS_MB = 80.0, 250.0, 4096.0


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

    from index.catalog import REVIEW_COLUMNS, review_from_row

    idx = open_index(settings, readonly=True)
    rows = idx.catalog.execute(f"SELECT {REVIEW_COLUMNS} FROM reviews ORDER BY id").fetchall()
    reviews = [review_from_row(r) for r in rows]
    stored: dict[str, list[tuple[int, int, int, str]]] = defaultdict(list)
    for rid, i, start, end, text in idx.catalog.execute(
        "SELECT review_id, idx, start, end, text FROM chunks ORDER BY review_id, idx"
    ):
        stored[str(rid)].append((int(i), int(start), int(end), str(text)))
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
    done = idx.catalog.execute("SELECT count(*) FROM chunks").fetchone()[0]
    if idx.vectors.count() != done:
        sys.exit(f"{settings.home}: catalog and Chroma disagree ({done} chunks): use a new OUT")
    if done == total_chunks:
        idx.close()
        report.skipped = True
        return report
    (reviews_done,) = idx.catalog.execute("SELECT count(*) FROM reviews").fetchone()
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
        catalog.commit_reviews(reviews, chunks)
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
    print(
        f"  {position:>9,}/{total:,} reviews  batch {len(chunks)} chunks: chroma {t3 - t2:5.1f} s"
        f"  catalog {t4 - t3:5.2f} s  ({len(chunks) / (t4 - t0):6.0f} chunks/s)  "
        f"elapsed {time.perf_counter() - started:7.0f} s  rss {_own_rss_mb():6.0f} MB",
        flush=True,
    )


def _own_rss_mb() -> float:
    return _proc_status(os.getpid())["VmRSS"]


def _proc_status(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MB."""
    out: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


def disk_mb(path: Path) -> dict[str, float]:
    """MB on disk under `path`: the catalog files, the Chroma folder, the rest, and all."""
    sizes: dict[str, float] = defaultdict(float)
    for root, _, files in os.walk(path):
        top = Path(root).relative_to(path).parts[:1]
        for name in files:
            part = "chroma" if top == ("chroma",) else "other"
            part = "catalog" if not top and name.startswith("catalog.sqlite3") else part
            sizes[part] += os.stat(Path(root) / name).st_blocks * 512 / 2**20
    sizes["total"] = sum(sizes.values())
    return sizes


# -- latency in a warm process ------------------------------------------------------------
class _Rows:
    """A query's rows, fetched inside the timed call (SQLite computes many rows lazily)."""

    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows

    def fetchall(self) -> list[Any]:
        return self._rows

    def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)


@contextmanager
def metered(assistant: Assistant) -> Iterator[dict[str, float]]:
    """Seconds spent in the data layer while the block runs, by part (the methods are wrapped
    on the instances and unwrapped on exit)."""
    spent: dict[str, float] = defaultdict(float)
    index = assistant.index
    wrapped: list[tuple[object, str]] = []

    def wrap(obj: object, name: str, part: Callable[[tuple[Any, ...]], str], fetch: bool) -> None:
        original = getattr(obj, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                out = original(*args, **kwargs)
                return _Rows(out.fetchall()) if fetch else out
            finally:
                spent[part(args)] += time.perf_counter() - t0

        setattr(obj, name, timed)
        wrapped.append((obj, name))

    wrap(index.embedder, "embed_query", lambda a: "embed", False)
    wrap(index.vectors, "query", lambda a: "chroma", False)
    wrap(index.catalog, "chunks", lambda a: "fetch", False)
    wrap(index.catalog, "execute", lambda a: "fts" if "MATCH" in a[0] else "sql", True)
    try:
        yield spent
    finally:
        for obj, name in wrapped:
            delattr(obj, name)


@dataclass
class Latency:
    """Milliseconds per question of one question class."""

    floor: list[float] = field(default_factory=list)
    ask: list[float] = field(default_factory=list)
    parts: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))


@dataclass
class Serving:
    ready_s: float
    healthz_ms: float
    ask_ms: list[float]
    rss_mb: float
    hwm_mb: float


@dataclass
class Point:
    """One index size, measured."""

    label: str
    chunks: int
    films: int
    cold_ms: float
    classes: dict[str, Latency]
    loads: tuple[float, float]  # the machine's 1-minute load average before and after
    serving: Serving | None = None
    embedder: str = ""  # the embedding backend the settings chose


PARTS = ("embed", "chroma", "fts", "sql", "fetch", "other")


def word_questions(catalog: Catalog, n: int, seed: int) -> list[str]:
    """ "What do critics say about {word}?" with words (> 6 letters) of random chunks."""
    rng = random.Random(seed)
    (top,) = catalog.execute("SELECT max(rowid) FROM chunks").fetchone()
    questions: list[str] = []
    while len(questions) < n:
        row = catalog.execute("SELECT text FROM chunks WHERE rowid = ?", (rng.randint(1, top),))
        text = (row.fetchone() or [""])[0]
        words = [w.strip(".,;:!?\"'()") for w in str(text).split()]
        words = [w for w in words if len(w) > 6 and w.isalpha()]
        if words:
            questions.append(f"What do critics say about {rng.choice(words)}?")
    return questions


def question_classes(assistant: Assistant, n: int, words: list[str]) -> dict[str, list[str]]:
    """n film-filtered and up to n unfiltered questions, each checked by the planner."""
    named = [q for i, q in enumerate(make_questions(assistant, 4 * n)) if i % 4 in (1, 3)]
    films = [q for q in named if assistant.plan(q).filters.films][:n]
    unfiltered = [q for q in words if assistant.plan(q).filters == Filters()][:n]
    return {"film-filtered": films, "unfiltered": unfiltered}


def measure_latency(label: str, assistant: Assistant, classes: dict[str, list[str]]) -> Point:
    """Ask every question (classes interleaved) next to its floor: embed + one Chroma query
    with the filter and pool size retrieval uses; which one runs first alternates."""
    index = assistant.index
    pool = max(assistant.settings.top_k * 5, 40)  # as Retriever.retrieve
    index.embedder.embed_query("warm up")  # the model loads outside the cold question
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    assistant.ask(classes["film-filtered"][0])
    cold = (time.perf_counter() - t0) * 1000
    for questions in classes.values():
        for question in questions[:5]:
            assistant.ask(question)  # warm: names, caches, pages
    out = {name: Latency() for name in classes}

    def floor(question: str, lat: Latency) -> None:
        where = assistant.plan(question).filters.chroma_where()
        t0 = time.perf_counter()
        index.vectors.query(index.embedder.embed_query(question), pool, where)
        lat.floor.append((time.perf_counter() - t0) * 1000)

    def ask(question: str, lat: Latency) -> None:
        with metered(assistant) as spent:
            t0 = time.perf_counter()
            assistant.ask(question)
            total = time.perf_counter() - t0
        lat.ask.append(total * 1000)
        spent["other"] = total - sum(spent.values())
        for part in PARTS:
            lat.parts[part].append(spent.get(part, 0.0) * 1000)

    for i in range(max(len(q) for q in classes.values())):
        for name, questions in classes.items():
            if i < len(questions):
                for step in (floor, ask) if i % 2 else (ask, floor):
                    step(questions[i], out[name])
    (chunks,) = index.catalog.execute("SELECT count(*) FROM chunks").fetchone()
    films = len(assistant.films())
    loads = (load, os.getloadavg()[0])
    return Point(label, int(chunks), films, cold, out, loads)


# -- serving ------------------------------------------------------------------------------
def measure_serving(home: Path, questions: list[str], timeout: float = 900) -> Serving:
    """`reviewqa serve` over `home`: seconds to a healthy /healthz, then RSS after the questions."""
    import httpx

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEWQA_")}
    env.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
        REVIEWQA_RATE_IP_PER_MINUTE="0",
        REVIEWQA_RATE_KEY_PER_MINUTE="0",
    )
    command = [str(Path(sys.executable).with_name("reviewqa")), "--home", str(home), "serve"]
    command += ["--host", HOST, "--port", str(port), "--engine", "extractive"]
    log_path = Path(tempfile.mkdtemp(prefix="reviewqa-scale-serve-")) / "server.log"
    url = f"http://{HOST}:{port}"
    started = time.perf_counter()
    with log_path.open("wb") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        with httpx.Client(base_url=url, timeout=timeout) as http:
            while True:
                try:
                    t0 = time.perf_counter()
                    if http.get("/healthz").status_code == 200:
                        healthz = (time.perf_counter() - t0) * 1000
                        break
                except httpx.TransportError:
                    pass
                if proc.poll() is not None or time.perf_counter() - started > timeout:
                    sys.exit(f"reviewqa serve did not start: see {log_path}")
                time.sleep(0.25)
            ready = time.perf_counter() - started
            latencies = []
            for question in questions:
                t0 = time.perf_counter()
                response = http.post("/api/ask", json={"question": question})
                if response.status_code != 200:
                    sys.exit(f"POST /api/ask {question!r}: {response.status_code} {response.text}")
                latencies.append((time.perf_counter() - t0) * 1000)
        status = _proc_status(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    shutil.rmtree(log_path.parent, ignore_errors=True)
    return Serving(ready, healthz, latencies, status["VmRSS"], status["VmHWM"])


def measure_point(settings: Settings, words: list[str], n: int, serve_n: int) -> Point:
    """Latency in this process, then `reviewqa serve` memory, over the index of `settings`."""
    assistant = Assistant(settings)
    classes = question_classes(assistant, n, words)
    counts = ", ".join(f"{len(q)} {c}" for c, q in classes.items())
    print(f"measuring {settings.home}: {counts} questions", flush=True)
    point = measure_latency(str(settings.home), assistant, classes)
    point.embedder = f"{settings.embedding_model} on {settings.embedding_backend}"
    assistant.close()
    mixed = [q for pair in zip(*classes.values(), strict=False) for q in pair][:serve_n]
    point.serving = measure_serving(settings.home, mixed)
    return point


# -- the report ---------------------------------------------------------------------------
def _p(values: list[float], q: float) -> float:
    return percentile(values, q) if values else float("nan")


def method_line(source: Source, built: Build, batch: int, seed: int) -> str:
    return (
        f"built from {source.home} ({source.chunks:,} real chunks "
        f"of {len(source.reviews):,} reviews) as {built.copies} copies cut at {built.chunks:,} "
        f"chunks: copy 0 = the real chunks; copy j>=1 = vector + N(0, {SIGMA}^2) per dimension, "
        f"L2-normalized (numpy seed ({seed}, j)), same text, review id '{{id}}~{{j}}', film "
        f"'{{film}} [{{j}}]', critic/outlet/sentiment/date kept; written with chunk_review, "
        f"Catalog.begin_write/commit_reviews and VectorStore.upsert, {batch:,} reviews a batch"
    )


def print_report(
    points: list[Point], method: str, build_line: str, disk: dict[str, float]
) -> list[str]:
    """The printed report; returns its Markdown block's lines."""
    print("\n== reviewqa at scale: extractive engine, warm process ==")
    print(method)
    print(build_line)
    print(
        f"disk: {disk['total']:,.0f} MB (catalog + FTS {disk['catalog']:,.0f} MB, "
        f"Chroma {disk['chroma']:,.0f} MB, other {disk['other']:,.0f} MB)"
    )
    head = (
        f"{'chunks':>10} {'films':>8}  {'questions':<14}{'n':>4}  {'floor p50':>9} {'p95':>6}"
        f"  {'ask p50':>8} {'p95':>6}  {'ask/floor p50':>13} {'p95':>6}"
    )
    print("\n" + head)
    md = [
        "| chunks | questions | floor p50 | floor p95 | ask p50 | ask p95 | ask/floor p50 "
        "| ask/floor p95 |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for pt in points:
        for name, lat in pt.classes.items():
            f50, f95, a50, a95 = (_p(v, q) for v in (lat.floor, lat.ask) for q in (0.5, 0.95))
            print(
                f"{pt.chunks:>10,} {pt.films:>8,}  {name:<14}{len(lat.ask):>4}  {f50:>6.1f} ms "
                f"{f95:>6.1f}  {a50:>5.1f} ms {a95:>6.1f}  {a50 / f50:>12.2f}x {a95 / f95:>5.2f}x"
            )
            md.append(
                f"| {pt.chunks:,} | {name} | {f50:.1f} ms | {f95:.1f} ms | {a50:.1f} ms "
                f"| {a95:.1f} ms | {a50 / f50:.2f}x | {a95 / f95:.2f}x |"
            )
    print(
        "\nwhere ask time goes (mean ms per question; fts = the bm25 MATCH query, sql = other "
        "catalog queries, fetch = chunk rows):"
    )
    print(
        f"{'chunks':>10}  {'questions':<14}"
        + "".join(f"{p:>8}" for p in PARTS)
        + "   ask-embed p50    p95"
    )
    for pt in points:
        for name, lat in pt.classes.items():
            cells = "".join(f"{statistics.fmean(lat.parts[p]):>8.1f}" for p in PARTS)
            rest = [a - e for a, e in zip(lat.ask, lat.parts["embed"], strict=True)]
            print(
                f"{pt.chunks:>10,}  {name:<14}{cells}   {_p(rest, 0.5):10.1f} ms "
                f"{_p(rest, 0.95):6.1f}"
            )
        print(
            f"{pt.chunks:>10,}  first question after opening the index: {pt.cold_ms:,.0f} ms; "
            f"load average {pt.loads[0]:.1f} -> {pt.loads[1]:.1f} on {os.cpu_count()} cores; "
            f"embedder {pt.embedder}"
        )
    print("\nreviewqa serve (extractive; RSS read from /proc after the questions):")
    md += [
        "",
        "| chunks | ready | /healthz | HTTP ask p50 | VmRSS | VmHWM |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for pt in points:
        s = pt.serving
        if s is None:
            continue
        print(
            f"{pt.chunks:>10,}  ready {s.ready_s:6.1f} s  /healthz {s.healthz_ms:8.1f} ms  "
            f"{len(s.ask_ms)} asks p50 {_p(s.ask_ms, 0.5):6.1f} ms  VmRSS {s.rss_mb:7,.0f} MB  "
            f"VmHWM {s.hwm_mb:7,.0f} MB"
        )
        md.append(
            f"| {pt.chunks:,} | {s.ready_s:.1f} s | {s.healthz_ms:.0f} ms "
            f"| {_p(s.ask_ms, 0.5):.1f} ms | {s.rss_mb:,.0f} MB | {s.hwm_mb:,.0f} MB |"
        )
    print_growth(points)
    print_targets(points[-1])
    return md


def print_growth(points: list[Point]) -> None:
    if len(points) < 2:
        return
    small, large = points[0], points[-1]
    print(
        f"\ngrowth {large.chunks:,} / {small.chunks:,} chunks (x{large.chunks / small.chunks:.0f}):"
    )
    for name in large.classes:
        a, b = small.classes[name], large.classes[name]
        print(
            f"  {name:<14} ask p50 x{_p(b.ask, 0.5) / _p(a.ask, 0.5):.2f}  p95 "
            f"x{_p(b.ask, 0.95) / _p(a.ask, 0.95):.2f}   floor p50 "
            f"x{_p(b.floor, 0.5) / _p(a.floor, 0.5):.2f}  "
            f"p95 x{_p(b.floor, 0.95) / _p(a.floor, 0.95):.2f}"
        )
    if small.serving and large.serving:
        print(
            f"  serve VmRSS x{large.serving.rss_mb / small.serving.rss_mb:.2f}  "
            f"VmHWM x{large.serving.hwm_mb / small.serving.hwm_mb:.2f}"
        )


def print_targets(pt: Point) -> None:
    print(f"\ntargets at {pt.chunks:,} chunks:")
    for q, target in ((0.5, TARGET_P50_MS), (0.95, TARGET_P95_MS)):
        got = {name: _p(lat.ask, q) for name, lat in pt.classes.items()}
        verdict = "met" if all(v < target for v in got.values()) else "MISSED"
        cells = ", ".join(f"{name} {v:.1f} ms" for name, v in got.items())
        print(f"  ask p{round(q * 100)} < {target:.0f} ms: {verdict} ({cells})")
    if pt.serving:
        s = pt.serving
        verdict = "met" if max(s.rss_mb, s.hwm_mb) < TARGET_RSS_MB else "MISSED"
        print(
            f"  serve RSS < {TARGET_RSS_MB:,.0f} MB: {verdict} "
            f"(VmRSS {s.rss_mb:,.0f} MB, VmHWM {s.hwm_mb:,.0f} MB)"
        )


def plot(points: list[Point], path: Path) -> None:
    """p50/p95 of ask and floor against index size (needs matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"no plot: pip install matplotlib (then {path} is written)")
        return
    fig, ax = plt.subplots(figsize=(7, 4.5))
    sizes = [pt.chunks for pt in points]
    for name, color in zip(points[-1].classes, ("tab:blue", "tab:orange"), strict=False):
        for q, style in ((0.5, "-"), (0.95, "--")):
            ask = [_p(pt.classes[name].ask, q) for pt in points]
            floor = [_p(pt.classes[name].floor, q) for pt in points]
            ax.plot(sizes, ask, style, marker="o", color=color, label=f"{name} ask p{q * 100:.0f}")
            ax.plot(
                sizes,
                floor,
                style,
                marker=".",
                color=color,
                alpha=0.4,
                label=f"{name} floor p{q * 100:.0f}",
            )
    ax.axhline(TARGET_P50_MS, color="grey", lw=0.8, ls=":")
    ax.axhline(TARGET_P95_MS, color="grey", lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("chunks in the index")
    ax.set_ylabel("latency (ms), extractive engine, warm")
    ax.set_title("reviewqa question latency vs index size (targets dotted)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(f"plot: {path}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("--source-home", type=Path, required=True, help="a real index (read only)")
    parser.add_argument("--home", type=Path, required=True, help="where the large index goes")
    parser.add_argument("--chunks", type=int, default=1_000_000, help="chunks to simulate")
    parser.add_argument("--questions", type=int, default=200, help="questions per class (200)")
    parser.add_argument("--serve-questions", type=int, default=50, help="asked over HTTP (50)")
    parser.add_argument("--batch", type=int, default=5000, help="reviews per write batch")
    parser.add_argument("--seed", type=int, default=7, help="RNG seed (7)")
    parser.add_argument("--no-small", action="store_true", help="skip the source-index point")
    parser.add_argument("--plot", type=Path, default=PLOT, help=f"PNG path ({PLOT.name})")
    args = parser.parse_args()
    copy = copy_source(args.source_home.resolve())
    try:
        source_settings = load_settings(home=copy, engine="extractive")
        source = read_source(copy, source_settings)
        source.home = args.source_home.resolve()
        settings = load_settings(home=args.home, engine="extractive", embedding_model=source.model)
        built = build(source, settings, args.chunks, args.batch, args.seed)
        spent = ", ".join(f"{k} {v:,.0f} s" for k, v in sorted(built.spent.items()))
        build_line = (
            f"build: skipped, {args.home} already holds {built.chunks:,} chunks"
            if built.skipped
            else f"build: {built.seconds:,.0f} s ({spent})"
        )
        print(build_line, flush=True)
        catalog = Catalog(copy / "catalog.sqlite3", readonly=True)
        words = word_questions(catalog, 3 * args.questions, args.seed)
        catalog.close()
        points: list[Point] = []
        if not args.no_small:
            points.append(
                measure_point(source_settings, words, args.questions, args.serve_questions)
            )
        points.append(measure_point(settings, words, args.questions, args.serve_questions))
        md = print_report(
            points,
            method_line(source, built, args.batch, args.seed),
            build_line,
            disk_mb(args.home),
        )
        print("\nMarkdown for BENCHMARKS.md:\n")
        print(f"### Scale: {points[-1].chunks:,} chunks (`python -m bench.scale`)\n")
        print(method_line(source, built, args.batch, args.seed) + ".\n")
        print("\n".join(md))
        plot(points, args.plot)
    finally:
        shutil.rmtree(copy.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
