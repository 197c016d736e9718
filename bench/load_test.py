"""A bounded load test of POST /api/ask on loopback, for 1 or more worker processes.

    python -m bench.load_test --home DIR [--clients 32] [--requests 640] [--max-seconds 600]
        [--workers 1 --workers 2 --workers 4] [--chroma-server]

Starts `reviewqa serve` over the index in DIR (extractive engine, rate limits off) on a free
127.0.0.1 port, measures one client alone (the baseline), then `--clients` concurrent clients
sharing `--requests` questions. With several `--workers` values (or `--chroma-server`) the
index is copied and its vectors served by a real `chroma run` on loopback, which every worker
of every run shares, as in a deployment; the runs are compared in one table against the first
worker count. Any error fails the run. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.common import chroma_served, served


@dataclass
class Run:
    """Latencies (seconds) of one phase, its wall time and its errors."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def line(self, name: str) -> str:
        return (
            f"{name:<12} {len(self.latencies):>5} ok  {len(self.errors):>3} errors  "
            f"p50 {self.pct(0.5) * 1000:7.1f} ms  p95 {self.pct(0.95) * 1000:7.1f} ms  "
            f"mean {statistics.fmean(self.latencies or [0]) * 1000:7.1f} ms  "
            f"{self.throughput:7.1f} req/s"
        )


def questions(url: str) -> list[str]:
    """Questions about the films the index holds (overview, stance, aspect)."""
    films = [f["title"] for f in httpx.get(f"{url}/api/films", timeout=30).json()["films"]]
    if not films:
        sys.exit("the index holds no films: ingest some reviews first")
    forms = [
        "What do critics say about {}?",
        "Who disliked {}?",
        "What did critics like about the story of {}?",
        "How do critics describe the animation in {}?",
    ]
    return [form.format(film) for film in films[:12] for form in forms]


def run(url: str, asked: list[str], clients: int, total: int, deadline: float) -> Run:
    """`clients` threads (one HTTP connection each) asking `total` questions in all."""
    result = Run()
    lock = threading.Lock()
    tickets = itertools.count()
    pool = itertools.cycle(asked)

    def client() -> None:
        with httpx.Client(base_url=url, timeout=60) as http:
            while time.monotonic() < deadline:
                with lock:
                    if next(tickets) >= total:
                        return
                    question = next(pool)
                started = time.perf_counter()
                try:
                    response = http.post("/api/ask", json={"question": question})
                    ok = response.status_code == 200 and "answer" in response.json()
                    problem = "" if ok else f"HTTP {response.status_code}: {response.text[:200]}"
                except (httpx.HTTPError, ValueError) as exc:
                    problem = f"{type(exc).__name__}: {exc}"
                elapsed = time.perf_counter() - started
                with lock:
                    (result.errors.append(problem) if problem else result.latencies.append(elapsed))

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()) + 60)
    result.seconds = time.perf_counter() - started
    missing = total - len(result.latencies) - len(result.errors)
    if missing > 0:
        result.errors.append(f"{missing} requests not made before the time limit")
    return result


@contextmanager
def shared_store(home: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """A copy of `home` whose vectors a real `chroma run` serves; yields (home, env)."""
    folder = Path(tempfile.mkdtemp(prefix="reviewqa-load-"))
    try:
        copy = folder / "home"
        shutil.copytree(home, copy, ignore=shutil.ignore_patterns("models"))
        with chroma_served(copy / "chroma") as url:
            yield copy, {"REVIEWQA_CHROMA_URL": url}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def measure(
    home: Path, env: dict[str, str], workers: int, args: argparse.Namespace
) -> tuple[Run, Run]:
    """One server with `workers` processes: one client alone, then `--clients` at once."""
    deadline = time.monotonic() + args.max_seconds
    with served(home, workers=workers, env=env, timeout=min(300.0, args.max_seconds)) as server:
        url = server.url
        asked = questions(url)
        run(url, asked, clients=2 * workers, total=8 * workers, deadline=deadline)  # warm
        single = run(url, asked, clients=1, total=args.baseline, deadline=deadline)
        loaded = run(url, asked, clients=args.clients, total=args.requests, deadline=deadline)
    label = f"{workers} worker{'s' if workers > 1 else ''}"
    print(f"{label}: {url}  index: {home}  questions: {len(asked)} distinct", flush=True)
    print("  " + single.line("1 client"))
    print("  " + loaded.line(f"{args.clients} clients"), flush=True)
    return single, loaded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load_test", description=__doc__)
    parser.add_argument("--home", required=True, type=Path, help="REVIEWQA_HOME of an index")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (32)")
    parser.add_argument("--requests", type=int, default=640, help="questions in all (640)")
    parser.add_argument("--baseline", type=int, default=40, help="single-client questions (40)")
    parser.add_argument("--max-seconds", type=float, default=600, help="time limit a run (600)")
    parser.add_argument(
        "--workers", type=int, action="append", help="worker processes; repeat to compare (1)"
    )
    parser.add_argument(
        "--chroma-server", action="store_true", help="serve the vectors from `chroma run`"
    )
    args = parser.parse_args(argv)
    if not (args.home / "catalog.sqlite3").exists():
        sys.exit(f"no index in {args.home}: run 'reviewqa --home {args.home} ingest PATH'")
    counts = args.workers or [1]
    results: dict[int, tuple[Run, Run]] = {}
    with ExitStack() as stack:
        home, env = args.home, dict[str, str]()
        if args.chroma_server or max(counts) > 1:
            home, env = stack.enter_context(shared_store(args.home))
            chroma = env["REVIEWQA_CHROMA_URL"]
            print(f"store: a copy of {args.home}, its vectors served by chroma run at {chroma}")
        for workers in counts:
            results[workers] = measure(home, env, workers, args)
    single, loaded = results[counts[0]]
    if single.latencies and loaded.latencies:
        print(
            f"ratios ({counts[0]} worker(s)): p50 x{loaded.pct(0.5) / single.pct(0.5):.2f}  "
            f"p95 x{loaded.pct(0.95) / single.pct(0.95):.2f}  "
            f"throughput x{loaded.throughput / single.throughput:.2f} "
            f"(concurrent / single client)"
        )
    if len(results) > 1:
        base = results[counts[0]][1].throughput
        print(f"\n| workers | p50 | p95 | req/s | vs {counts[0]} worker(s) |")
        print("|---|---|---|---|---|")
        for workers, (_, run_) in results.items():
            print(
                f"| {workers} | {run_.pct(0.5) * 1000:.0f} ms | {run_.pct(0.95) * 1000:.0f} ms | "
                f"{run_.throughput:.1f} | {run_.throughput / base if base else 0:.2f}x |"
            )
    errors = [e for single, loaded in results.values() for e in single.errors + loaded.errors]
    for error in errors[:10]:
        print(f"error: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
