"""Question latency, start time and serving memory as the index grows, one run, many sizes.

    python -m bench.scale --home SMALL --home MEDIUM --home LARGE [--questions 200]
        [--serve-questions 50] [--plot bench/latency_scale.png]

Each --home is an index (`reviewqa ingest`, or `python -m bench.simulate` for a million
chunks). For each, with the extractive engine in a warm process: p50/p95 of film-filtered
questions (from `bench.ask_latency.make_questions`: "Who disliked {film}?", "What do critics
say about the {word} in {film}?"), unfiltered ones ("What do critics say about {word}?",
words of the index's own chunks) and stance-only ones ("Which critics disliked the {word}?"),
each against the floor of the same run (embed the question
and one Chroma query of the same size with the same filter), and where the time goes. Then
`reviewqa serve` in a subprocess: seconds from spawn to a healthy /healthz (the app warms up
before it listens), the first answer over HTTP, /healthz time, RSS after the questions
(VmRSS, VmHWM). Prints the growth from the first --home to each other, the targets, a
Markdown table, and a plot.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.service import Assistant
from bench.ask_latency import make_questions, percentile
from bench.common import ROOT, process_memory_mb, served
from bench.simulate import RECIPE_FILE
from index.catalog import Catalog
from index.filters import Filters, chroma_where
from index.reads import CatalogReads
from index.settings import Settings
from ui.settings import load_settings

PLOT = ROOT / "bench" / "latency_scale.png"
# (chunks at least, p50 ms, p95 ms): the 85k-review targets, and the 1M-chunk ones
TARGETS = ((0, 40.0, 120.0), (1_000_000, 80.0, 250.0))
TARGET_RSS_MB = 4096.0


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
# The catalog's reads that search the lexical index; its other reads count as "sql".
FTS_READS = frozenset({"search_passages", "mentions"})


@contextmanager
def metered(assistant: Assistant) -> Iterator[dict[str, float]]:
    """Seconds spent in the data layer while the block runs, by part (the methods are wrapped
    on the instances and unwrapped on exit)."""
    spent: dict[str, float] = defaultdict(float)
    index = assistant.index
    wrapped: list[tuple[object, str]] = []

    def wrap(obj: object, name: str, part: str) -> None:
        original = getattr(obj, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[part] += time.perf_counter() - t0

        setattr(obj, name, timed)
        wrapped.append((obj, name))

    wrap(index.embedder, "embed_query", "embed")
    wrap(index.vectors, "query", "chroma")
    wrap(index.catalog, "chunks", "fetch")
    for name, member in vars(CatalogReads).items():
        if callable(member) and not name.startswith("_"):
            wrap(index.catalog, name, "fts" if name in FTS_READS else "sql")
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
    first_ask_ms: float
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
    reviews: int = 0
    disk: dict[str, float] = field(default_factory=dict)
    recipe: str = ""  # how a simulated index was built (bench.simulate), else ""


PARTS = ("embed", "chroma", "fts", "sql", "fetch", "other")


def word_questions(catalog: Catalog, n: int, seed: int) -> list[str]:
    """ "What do critics say about {word}?" with words (> 6 letters) of random chunks."""
    rng = random.Random(seed)
    top = catalog.last_chunk_rowid()
    questions: list[str] = []
    while len(questions) < n:
        text = catalog.chunk_text_at(rng.randint(1, top))
        words = [w.strip(".,;:!?\"'()") for w in text.split()]
        words = [w for w in words if len(w) > 6 and w.isalpha()]
        if words:
            questions.append(f"What do critics say about {rng.choice(words)}?")
    return questions


def question_classes(assistant: Assistant, n: int, words: list[str]) -> dict[str, list[str]]:
    """n film-filtered, up to n unfiltered and up to n stance-only questions ("Which critics
    disliked the {word}?": a broad filter, no name), each checked by the planner."""
    named = [q for i, q in enumerate(make_questions(assistant, 4 * n)) if i % 4 in (1, 3)]
    films = [q for q in named if assistant.plan(q).filters.films][:n]
    unfiltered = [q for q in words if assistant.plan(q).filters == Filters()][:n]
    disliked = [
        q.replace("What do critics say about ", "Which critics disliked the ") for q in words
    ]
    stance = [q for q in disliked if assistant.plan(q).filters == Filters(sentiment="negative")]
    return {"film-filtered": films, "unfiltered": unfiltered, "stance": stance[:n]}


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
        where = chroma_where(assistant.plan(question).filters)
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
    chunks = index.catalog.chunk_count()
    films = len(assistant.films())
    loads = (load, os.getloadavg()[0])
    return Point(label, chunks, films, cold, out, loads)


# -- serving ------------------------------------------------------------------------------
def measure_serving(home: Path, questions: list[str]) -> Serving:
    """`reviewqa serve` over `home`: ready time, first answer, /healthz, RSS after questions."""
    import httpx

    with (
        served(home, timeout=900) as server,
        httpx.Client(base_url=server.url, timeout=300) as http,
    ):

        def ask(question: str) -> float:
            t0 = time.perf_counter()
            response = http.post("/api/ask", json={"question": question})
            if response.status_code != 200:
                raise SystemExit(
                    f"POST /api/ask {question!r}: {response.status_code} {response.text}"
                )
            return (time.perf_counter() - t0) * 1000

        first = ask(questions[0])
        healthz = []
        for _ in range(5):
            t0 = time.perf_counter()
            http.get("/healthz").raise_for_status()
            healthz.append((time.perf_counter() - t0) * 1000)
        latencies = [ask(q) for q in questions[1:]]
        memory = process_memory_mb(server.proc.pid)
    return Serving(
        server.ready_s,
        first,
        statistics.median(healthz),
        latencies,
        memory["VmRSS"],
        memory["VmHWM"],
    )


def measure_point(settings: Settings, words: list[str], n: int, serve_n: int) -> Point:
    """Latency in this process, then `reviewqa serve` memory, over the index of `settings`."""
    assistant = Assistant(settings)
    classes = question_classes(assistant, n, words)
    counts = ", ".join(f"{len(q)} {c}" for c, q in classes.items())
    print(f"measuring {settings.home}: {counts} questions", flush=True)
    point = measure_latency(str(settings.home), assistant, classes)
    point.embedder = f"{settings.embedding_model} on {settings.embedding_backend}"
    point.reviews = assistant.index.catalog.count_reviews()
    assistant.close()
    point.disk = disk_mb(settings.home)
    recipe = settings.home / RECIPE_FILE
    point.recipe = recipe.read_text(encoding="utf-8").strip() if recipe.is_file() else ""
    mixed = [q for pair in zip(*classes.values(), strict=False) for q in pair][:serve_n]
    point.serving = measure_serving(settings.home, mixed)
    return point


# -- the report ---------------------------------------------------------------------------
def _p(values: list[float], q: float) -> float:
    return percentile(values, q) if values else float("nan")


def print_report(points: list[Point]) -> list[str]:
    """The printed report; returns its Markdown block's lines."""
    print("\n== reviewqa at scale: extractive engine, warm process ==")
    for pt in points:
        disk = pt.disk
        print(
            f"{pt.label}: {pt.reviews:,} reviews, {pt.chunks:,} chunks, {pt.films:,} films; disk "
            f"{disk['total']:,.0f} MB (catalog + FTS {disk['catalog']:,.0f} MB, "
            f"Chroma {disk['chroma']:,.0f} MB, other {disk['other']:,.0f} MB)"
        )
        if pt.recipe:
            print(f"  simulated: {pt.recipe}")
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
        "| chunks | ready | first answer | /healthz | HTTP ask p50 | VmRSS | VmHWM |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for pt in points:
        s = pt.serving
        if s is None:
            continue
        print(
            f"{pt.chunks:>10,}  ready {s.ready_s:6.1f} s  first answer {s.first_ask_ms:6.0f} ms  "
            f"/healthz {s.healthz_ms:6.1f} ms  "
            f"{len(s.ask_ms)} asks p50 {_p(s.ask_ms, 0.5):6.1f} ms  VmRSS {s.rss_mb:7,.0f} MB  "
            f"VmHWM {s.hwm_mb:7,.0f} MB"
        )
        md.append(
            f"| {pt.chunks:,} | {s.ready_s:.1f} s | {s.first_ask_ms:.0f} ms "
            f"| {s.healthz_ms:.1f} ms | {_p(s.ask_ms, 0.5):.1f} ms | {s.rss_mb:,.0f} MB "
            f"| {s.hwm_mb:,.0f} MB |"
        )
    md += print_growth(points)
    for pt in points:
        print_targets(pt)
    return md


def print_growth(points: list[Point]) -> list[str]:
    """Latency of each point against the first (smallest); returns a Markdown table."""
    if len(points) < 2:
        return []
    small = points[0]
    names = list(small.classes)
    print(f"\ngrowth against {small.chunks:,} chunks:")
    md = [
        "",
        "| reviews | chunks | x chunks | "
        + " | ".join(f"{n} p50 | {n} p95" for n in names)
        + " | serve VmHWM |",
        "|---:|---:|---:|" + "---:|---:|" * len(names) + "---:|",
    ]
    for pt in points:
        cells = []
        for name in names:
            a, b = small.classes[name], pt.classes[name]
            p50, p95 = _p(b.ask, 0.5), _p(b.ask, 0.95)
            cells.append(
                f"{p50:.1f} ms (x{p50 / _p(a.ask, 0.5):.2f}) | {p95:.1f} ms "
                f"(x{p95 / _p(a.ask, 0.95):.2f})"
            )
        hwm = f"{pt.serving.hwm_mb:,.0f} MB" if pt.serving else "-"
        line = f"| {pt.reviews:,} | {pt.chunks:,} | x{pt.chunks / small.chunks:.1f} | "
        md.append(line + " | ".join(cells) + f" | {hwm} |")
        print("  " + md[-1])
    return md


def targets_for(chunks: int) -> tuple[float, float]:
    """(p50, p95) targets of an index this size: the 1M-chunk ones from 1M chunks on."""
    return next((p50, p95) for least, p50, p95 in reversed(TARGETS) if chunks >= least)


def print_targets(pt: Point) -> None:
    print(f"\ntargets at {pt.chunks:,} chunks:")
    for q, target in zip((0.5, 0.95), targets_for(pt.chunks), strict=True):
        got = {name: _p(lat.ask, q) for name, lat in pt.classes.items()}
        verdict = "met" if all(v < target for v in got.values()) else "MISSED"
        cells = ", ".join(f"{name} {v:.1f} ms" for name, v in got.items())
        print(f"  ask p{round(q * 100)} < {target:.0f} ms: {verdict} ({cells})")
    if pt.serving:
        s = pt.serving
        verdict = "met" if max(s.rss_mb, s.hwm_mb) < TARGET_RSS_MB else "MISSED"
        print(
            f"  serve RSS < {TARGET_RSS_MB:,.0f} MB: {verdict} "
            f"(VmRSS {s.rss_mb:,.0f} MB, VmHWM {s.hwm_mb:,.0f} MB); ready in {s.ready_s:.1f} s"
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
    colors = ("tab:blue", "tab:orange", "tab:green")
    for name, color in zip(points[-1].classes, colors, strict=False):
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
    for _, p50, p95 in TARGETS:
        ax.axhline(p50, color="grey", lw=0.8, ls=":")
        ax.axhline(p95, color="grey", lw=0.8, ls=":")
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
    parser.add_argument(
        "--home", type=Path, action="append", required=True, help="an index; repeat, small first"
    )
    parser.add_argument("--questions", type=int, default=200, help="questions per class (200)")
    parser.add_argument("--serve-questions", type=int, default=50, help="asked over HTTP (50)")
    parser.add_argument("--seed", type=int, default=7, help="RNG seed of the questions (7)")
    parser.add_argument("--plot", type=Path, default=PLOT, help=f"PNG path ({PLOT.name})")
    args = parser.parse_args()
    points: list[Point] = []
    for home in args.home:
        if not (home / "catalog.sqlite3").is_file():
            raise SystemExit(f"no index in {home}: run 'reviewqa --home {home} ingest PATH'")
        settings = load_settings(home=home, engine="extractive")
        catalog = Catalog(settings.catalog_path, readonly=True)
        words = word_questions(catalog, 3 * args.questions, args.seed)
        catalog.close()
        points.append(measure_point(settings, words, args.questions, args.serve_questions))
    md = print_report(points)
    print("\nMarkdown for BENCHMARKS.md:\n")
    print("\n".join(md))
    plot(points, args.plot)


if __name__ == "__main__":
    main()
