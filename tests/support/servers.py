"""Servers the tests start in subprocesses: wait until one answers, stop it for sure."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
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
    """Terminate `proc`, killing it if it does not exit within `grace` seconds; then end the
    children it left running (`serve --workers N` leaves its workers when SIGTERM ends it)."""
    children = child_pids(proc.pid)
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    for pid in children:
        end(pid, grace)


def child_pids(pid: int) -> list[int]:
    """The ids of `pid`'s child processes (Linux /proc; none elsewhere)."""
    found: list[int] = []
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found.extend(int(p) for p in children.read_text().split())
        except OSError:  # the task ended meanwhile
            continue
    return found


def end(pid: int, grace: float) -> None:
    """SIGTERM to a process that is not our child, SIGKILL if it outlives `grace` seconds."""
    deadline = time.monotonic() + grace
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        while time.monotonic() < deadline:
            if not Path(f"/proc/{pid}").exists():
                return
            time.sleep(0.1)


@contextmanager
def served(
    home: Path, logs: Path, env: Mapping[str, str], *args: str, seconds: float = 180
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`reviewqa serve` over `home` (extractive engine) with only `env` on top of a clean
    environment; yields its URL and process, stops it after."""
    from tests.conftest import free_port

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
