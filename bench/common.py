"""Helpers shared by the benchmarks: the shared data paths, timing a command, peak RSS."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


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
