"""Servers the tests start in subprocesses: wait until one answers, stop it for sure."""

from __future__ import annotations

import subprocess
import time

import httpx


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
