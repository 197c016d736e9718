"""A bounded load test of POST /api/ask on loopback.

    python -m bench.load_test --home DIR [--clients 32] [--requests 640] [--max-seconds 600]

Starts `python -m ui.serve` over the index in DIR (extractive engine, rate limits off) on a
free 127.0.0.1 port, measures one client alone (the baseline), then `--clients` concurrent
clients sharing `--requests` questions. Any error fails the run. Prints p50/p95 latency and
throughput of both, and their ratios. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import itertools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.common import ROOT

HOST = "127.0.0.1"


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextmanager
def server(home: Path, start_timeout: float) -> Iterator[str]:
    """The app in a subprocess on loopback, rate limits off; yields its base URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEWQA_")}
    env.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
        REVIEWQA_RATE_IP_PER_MINUTE="0",
        REVIEWQA_RATE_KEY_PER_MINUTE="0",
    )
    log_path = Path(tempfile.mkdtemp(prefix="reviewqa-load-")) / "server.log"
    command = [sys.executable, "-m", "ui.serve", "--home", str(home), "--host", HOST]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [*command, "--port", str(port), "--engine", "extractive", "--log-level", "warning"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"the server did not start: see {log_path}")
            time.sleep(0.25)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load_test", description=__doc__)
    parser.add_argument("--home", required=True, type=Path, help="REVIEWQA_HOME of an index")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (32)")
    parser.add_argument("--requests", type=int, default=640, help="questions in all (640)")
    parser.add_argument("--baseline", type=int, default=40, help="single-client questions (40)")
    parser.add_argument("--max-seconds", type=float, default=600, help="time limit (600)")
    args = parser.parse_args(argv)
    if not (args.home / "catalog.sqlite3").exists():
        sys.exit(f"no index in {args.home}: run 'reviewqa --home {args.home} ingest PATH'")
    deadline = time.monotonic() + args.max_seconds
    with server(args.home, start_timeout=min(120.0, args.max_seconds)) as url:
        asked = questions(url)
        run(url, asked, clients=1, total=8, deadline=deadline)  # warm caches, not measured
        single = run(url, asked, clients=1, total=args.baseline, deadline=deadline)
        loaded = run(url, asked, clients=args.clients, total=args.requests, deadline=deadline)
    print(f"server: {url}  index: {args.home}  questions: {len(asked)} distinct")
    print(single.line("1 client"))
    print(loaded.line(f"{args.clients} clients"))
    if single.latencies and loaded.latencies:
        print(
            f"ratios: p50 x{loaded.pct(0.5) / single.pct(0.5):.2f}  "
            f"p95 x{loaded.pct(0.95) / single.pct(0.95):.2f}  "
            f"throughput x{loaded.throughput / single.throughput:.2f} "
            f"(concurrent / single client)"
        )
    errors = single.errors + loaded.errors
    for error in errors[:10]:
        print(f"error: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
