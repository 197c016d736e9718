"""A bounded load test of POST /api/ask on loopback: one process direct, N behind nginx.

    python -m bench.load_test --home DIR [--clients 32] [--requests 640] [--max-seconds 600]
        [--nginx 1 --nginx 2] [--chroma-server]

Starts `reviewqa serve` over the index in DIR (extractive engine, rate limits off) on a free
127.0.0.1 port and measures one client alone, then `--clients` concurrent clients sharing
`--requests` questions: the direct baseline. Each `--nginx N` then starts N such processes
behind Debian's nginx with deploy/'s configuration (its per-IP limit lifted; N > 1 processes
get cores / N embedding threads each) and measures the same through nginx; with `--nginx`, the
direct run is repeated last, and the baseline is the mean of the two (a drift in what else
the machine runs shows as two direct rows that differ). With `--nginx` (or `--chroma-server`)
the index is copied and its vectors served by a real `chroma run` on loopback, which every
process of every run shares, as in a deployment. Any error fails the run. Nothing leaves the
machine.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import httpx

from bench.common import chroma_served, nginx_served, served


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


@contextmanager
def direct(home: Path, env: dict[str, str], timeout: float) -> Iterator[str]:
    """One `reviewqa serve`, asked directly; yields its URL."""
    with served(home, env=env, timeout=timeout) as server:
        yield server.url


@contextmanager
def behind_nginx(home: Path, env: dict[str, str], processes: int, timeout: float) -> Iterator[str]:
    """`processes` `reviewqa serve` over `home` behind nginx; yields nginx's URL."""
    env = {**env, "REVIEWQA_TRUST_FORWARDED_FOR": "true"}
    if processes > 1:  # threads of N processes on fewer cores only wait for each other
        cores = len(os.sched_getaffinity(0))
        env["REVIEWQA_EMBEDDING_THREADS"] = str(max(1, cores // processes))
    with ExitStack() as stack:
        servers = [
            stack.enter_context(served(home, env=env, timeout=timeout)) for _ in range(processes)
        ]
        lifted = ("--ip-per-minute", "6000000", "--ip-burst", "1000000")
        addresses = [s.url.removeprefix("http://") for s in servers]
        yield stack.enter_context(nginx_served(addresses, *lifted))


def measure(
    label: str, url: str, processes: int, args: argparse.Namespace, deadline: float
) -> tuple[Run, Run]:
    """One client alone, then `--clients` at once, after a warm-up that asks every question
    about twice per process (the shared store and each process's caches warm, so the run
    measured first pays no cold start that the later ones are spared)."""
    asked = questions(url)
    run(url, asked, clients=4, total=2 * processes * len(asked), deadline=deadline)
    single = run(url, asked, clients=1, total=args.baseline, deadline=deadline)
    loaded = run(url, asked, clients=args.clients, total=args.requests, deadline=deadline)
    print(f"{label}: {url}  questions: {len(asked)} distinct", flush=True)
    print("  " + single.line("1 client"))
    print("  " + loaded.line(f"{args.clients} clients"), flush=True)
    return single, loaded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load_test",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--home", required=True, type=Path, help="REVIEWQA_HOME of an index")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (32)")
    parser.add_argument("--requests", type=int, default=640, help="questions in all (640)")
    parser.add_argument("--baseline", type=int, default=40, help="single-client questions (40)")
    parser.add_argument("--max-seconds", type=float, default=600, help="time limit a run (600)")
    parser.add_argument(
        "--nginx",
        type=int,
        action="append",
        default=[],
        metavar="N",
        help="also N processes behind nginx; repeat to compare",
    )
    parser.add_argument(
        "--chroma-server", action="store_true", help="serve the vectors from `chroma run`"
    )
    args = parser.parse_args(argv)
    if not (args.home / "catalog.sqlite3").exists():
        sys.exit(f"no index in {args.home}: run 'reviewqa --home {args.home} ingest PATH'")
    if any(n < 1 for n in args.nginx):
        sys.exit("--nginx takes a number of processes, 1 or more")
    results: dict[str, tuple[Run, Run]] = {}
    with ExitStack() as stack:
        home, env = args.home, dict[str, str]()
        if args.chroma_server or args.nginx:
            home, env = stack.enter_context(shared_store(args.home))
            chroma = env["REVIEWQA_CHROMA_URL"]
            print(f"store: a copy of {args.home}, its vectors served by chroma run at {chroma}")
        print(f"index: {home}")
        timeout = min(300.0, args.max_seconds)
        setups: list[tuple[str, int, Callable[[], AbstractContextManager[str]]]] = [
            ("direct, 1 process", 1, partial(direct, home, env, timeout))
        ]
        for n in args.nginx:
            label = f"nginx, {n} process{'es' if n > 1 else ''}"
            setups.append((label, n, partial(behind_nginx, home, env, n, timeout)))
        if args.nginx:
            setups.append(("direct, 1 process, again", 1, partial(direct, home, env, timeout)))
        for label, processes, start in setups:
            with start() as url:
                deadline = time.monotonic() + args.max_seconds
                results[label] = measure(label, url, processes, args, deadline)
    print_table(results, args.clients)
    errors = [e for single, loaded in results.values() for e in single.errors + loaded.errors]
    for error in errors[:10]:
        print(f"error: {error}", file=sys.stderr)
    return 1 if errors else 0


def print_table(results: dict[str, tuple[Run, Run]], clients: int) -> None:
    """The runs as a Markdown table, throughput against the direct runs' mean."""
    direct = [loaded.throughput for label, (_, loaded) in results.items() if "direct" in label]
    base = statistics.fmean(direct)
    print(
        f"\n| setup | 1 client p50 | {clients} clients p50 | {clients} clients p95 | "
        "throughput | vs direct | errors |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, (single, loaded) in results.items():
        print(
            f"| {label} | {single.pct(0.5) * 1000:.1f} ms | {loaded.pct(0.5) * 1000:.0f} ms | "
            f"{loaded.pct(0.95) * 1000:.0f} ms | {loaded.throughput:.1f} req/s | "
            f"{loaded.throughput / base if base else 0:.2f}x | "
            f"{len(single.errors) + len(loaded.errors)} |"
        )


if __name__ == "__main__":
    sys.exit(main())
