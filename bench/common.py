"""Helpers shared by the benchmarks: the shared data paths, timing a command, peak RSS, and a
`reviewqa serve` started on loopback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


def gzip_csv_rows(path: Path) -> Generator[dict[str, str], None, None]:
    """The rows of a gzipped CSV whose fields may be whole reviews: the csv module's field
    limit (128 KiB, the process's own) is raised while they are read and put back after, so
    that nothing else (the loaders' row checks) sees it raised."""
    import csv
    import gzip

    limit = csv.field_size_limit(2**31 - 1)
    try:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
            yield from csv.DictReader(f)
    finally:
        csv.field_size_limit(limit)


def shared(*parts: str) -> Path:
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        sys.exit(f"{path} is absent: benchmarks need the shared review data beside the repo")
    return path


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float
    stdout: str


_MEASURE = (
    "import resource, subprocess, sys, time; t = time.perf_counter(); "
    "rc = subprocess.call(sys.argv[1:]); s = time.perf_counter() - t; "
    "m = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss; "
    "print(f'@@measure {s} {m} {rc}', file=sys.stderr); sys.exit(rc)"
)


def run_command(args: list[str], env: dict[str, str] | None = None) -> Run:
    """Run a command to completion; its wall seconds and its own peak RSS.

    A small wrapper process runs the command so that RUSAGE_CHILDREN covers it alone.
    """
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *args],
        env={**os.environ, **(env or {})},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    line = [x for x in done.stderr.splitlines() if x.startswith("@@measure ")][-1]
    _, seconds, max_rss_kb, _ = line.split()
    return Run(float(seconds), int(max_rss_kb) / 1024, done.stdout)


# -- a server under test ------------------------------------------------------------------
HOST = "127.0.0.1"


def free_port() -> int:
    """A loopback port that was free a moment ago (bound, then closed)."""
    import socket

    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def server_env(**extra: str) -> dict[str, str]:
    """This environment without REVIEWQA_* settings, offline, rate limits off, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEWQA_")}
    env.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
        REVIEWQA_RATE_IP_PER_MINUTE="0",
        REVIEWQA_RATE_KEY_PER_MINUTE="0",
    )
    env.update(extra)
    return env


@contextmanager
def _running(
    command: list[str], health_url: str, log_path: Path, timeout: float, env: dict[str, str]
) -> Iterator[tuple[subprocess.Popen[bytes], float]]:
    """`command` started with its output in `log_path`, once GET `health_url` answers 200;
    yields the process and the seconds it took. Exits the benchmark, naming the log, if the
    process dies or `timeout` passes first; stops it (killed after 30 s) when the block ends."""
    import httpx

    started = time.perf_counter()
    with log_path.open("wb") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        while True:
            try:
                if httpx.get(health_url, timeout=timeout).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.perf_counter() - started > timeout:
                sys.exit(f"{Path(command[0]).name} did not become healthy: see {log_path}")
            time.sleep(0.1)
        yield proc, time.perf_counter() - started
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Served:
    """A `reviewqa serve` process: its URL, its process, and seconds from spawn to healthy."""

    url: str
    proc: subprocess.Popen[bytes]
    ready_s: float


@contextmanager
def served(
    home: Path,
    *,
    env: dict[str, str] | None = None,
    timeout: float = 600,
) -> Iterator[Served]:
    """`reviewqa serve` over `home` (extractive engine) on a free loopback port, healthy."""
    port = free_port()
    command = [str(Path(sys.executable).with_name("reviewqa")), "--home", str(home), "serve"]
    command += ["--host", HOST, "--port", str(port), "--engine", "extractive"]
    folder = Path(tempfile.mkdtemp(prefix="reviewqa-bench-serve-"))
    url = f"http://{HOST}:{port}"
    environment = server_env(**(env or {}))
    with _running(command, f"{url}/healthz", folder / "server.log", timeout, environment) as (
        proc,
        seconds,
    ):
        yield Served(url, proc, seconds)
    shutil.rmtree(folder, ignore_errors=True)


def process_memory_mb(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM (peak) of one process, in MB, from /proc."""
    found: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) / 1024
    return found


@contextmanager
def chroma_served(path: Path, timeout: float = 300) -> Iterator[str]:
    """A real `chroma run --path PATH` on a free loopback port; yields its URL."""
    exe = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if exe is None:
        sys.exit("the 'chroma' command is missing: pip install chromadb")
    port = free_port()
    url = f"http://{HOST}:{port}"
    command = [exe, "run", "--path", str(path), "--host", HOST, "--port", str(port)]
    log_path = path.parent / f"chroma-{port}.log"
    with _running(command, f"{url}/api/v2/heartbeat", log_path, timeout, dict(os.environ)):
        yield url


NGINX = Path("/usr/sbin/nginx")
RENDER_NGINX = ROOT / "deploy" / "render_nginx.py"


@contextmanager
def nginx_served(servers: list[str], *options: str, timeout: float = 60) -> Iterator[str]:
    """Debian's nginx with deploy/'s configuration (`render_nginx.py --standalone` in a
    temporary folder) on a free loopback port, in front of `servers` (HOST:PORT each); yields
    its URL once /healthz answers through it."""
    if not NGINX.exists():
        sys.exit(f"{NGINX} is absent: apt-get install nginx")
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="reviewqa-bench-nginx-"))
    render = [sys.executable, str(RENDER_NGINX), "--standalone", str(folder)]
    render += ["--listen", f"{HOST}:{port}", *options]
    for server in servers:
        render += ["--server", server]
    command = subprocess.run(render, capture_output=True, text=True, check=True).stdout.split()
    url = f"http://{HOST}:{port}"
    with _running([str(NGINX), *command[1:]], f"{url}/healthz", folder / "nginx.out", timeout, {}):
        yield url
    shutil.rmtree(folder, ignore_errors=True)
