"""Servers the tests start in subprocesses: wait until one answers, stop it for sure."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


def spawn_serve(
    port: int, *args: str, env: Mapping[str, str], cwd: Path, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """`reviewqa serve --port PORT ARGS...` in a subprocess with exactly `env`, its output in
    `log` (dropped without one)."""
    command = [sys.executable, "-m", "ui.cli", "serve", "--port", str(port), *args]
    if log is None:
        out = subprocess.DEVNULL
        return subprocess.Popen(command, env=dict(env), cwd=cwd, stdout=out, stderr=out)
    with log.open("wb") as sink:
        return subprocess.Popen(
            command, env=dict(env), cwd=cwd, stdout=sink, stderr=subprocess.STDOUT
        )


def wait_until_up(url: str, proc: subprocess.Popen[bytes], seconds: float) -> bool:
    """True once GET `url` answers 200; False if `proc` exits or `seconds` pass first."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.2)


def stop(proc: subprocess.Popen[bytes], grace: float = 15) -> None:
    """Terminate `proc`, killing it if it does not exit within `grace` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def free_port() -> int:
    """A loopback port that was free a moment ago (bound, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(
    home: Path, logs: Path, env: Mapping[str, str], *args: str, seconds: float = 180
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`reviewqa serve` over `home` (extractive engine) with only `env` on top of a clean
    environment; yields its URL and process, stops it after."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REVIEWQA_")}
    environment.update(HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False", **env)
    environment["REVIEWQA_HOME"] = str(home)
    log = logs / f"serve-{port}.log"
    proc = spawn_serve(port, "--engine", "extractive", *args, env=environment, cwd=logs, log=log)
    url = f"http://127.0.0.1:{port}"
    try:
        if not wait_until_up(f"{url}/healthz", proc, seconds):
            raise AssertionError(f"the server did not start:\n{log.read_text()}")
        yield url, proc
    finally:
        stop(proc, grace=20)


# -- nginx in front: deploy/'s configuration, run as the tests' own user ------------------
ROOT = Path(__file__).resolve().parents[2]
NGINX = Path("/usr/sbin/nginx")
RENDER = ROOT / "deploy" / "render_nginx.py"


@dataclass
class Nginx:
    """nginx on loopback: its URL, its access log (deploy/'s `reviewqa` format) and process."""

    url: str
    access_log: Path
    proc: subprocess.Popen[bytes]

    def log_lines(self) -> list[dict[str, str]]:
        """The access log so far: each line's request, status, upstream(s) and route."""
        return [_log_fields(line) for line in self.access_log.read_text().splitlines()]


LOG_LINE = re.compile(
    r'"(?P<request>[^"]*)" (?P<status>\d+) .* upstream=(?P<upstream>.*) '
    r"upstream_status=(?P<upstream_status>.*) route=(?P<route>\S+)$"
)


def _log_fields(line: str) -> dict[str, str]:
    """One line of the `reviewqa` log format; `upstream` lists every process tried, in order
    ("127.0.0.1:8001, 127.0.0.1:8002" when the first failed)."""
    match = LOG_LINE.search(line)
    assert match, f"not the reviewqa log format: {line}"
    return match.groupdict()


@contextmanager
def nginx_in_front(
    folder: Path, servers: Sequence[str], *options: str, seconds: float = 30
) -> Iterator[Nginx]:
    """`deploy/render_nginx.py --standalone FOLDER` for `servers` (HOST:PORT each) and
    `options`, then Debian's nginx on a free loopback port in the foreground; yields once
    GET /healthz answers through it, stops it after."""
    port = free_port()
    render = [sys.executable, str(RENDER), "--standalone", str(folder)]
    render += ["--listen", f"127.0.0.1:{port}", *options]
    for server in servers:
        render += ["--server", server]
    rendered = subprocess.run(render, capture_output=True, text=True, check=True)
    command = rendered.stdout.split()  # nginx -p FOLDER -c FOLDER/nginx.conf -e ...
    log = folder / "nginx.out"
    with log.open("wb") as sink:
        proc = subprocess.Popen([str(NGINX), *command[1:]], stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        if not wait_until_up(f"{url}/healthz", proc, seconds):
            errors = (folder / "error.log").read_text() if (folder / "error.log").exists() else ""
            raise AssertionError(f"nginx did not start:\n{log.read_text()}\n{errors}")
        yield Nginx(url, folder / "access.log", proc)
    finally:
        stop(proc, grace=10)
