"""One writer per home: an OS file lock on HOME/writer.lock, dropped by the kernel when its
process dies (even by `kill -9`), so two processes never write one index at once.

    hold_home(settings_or_home, purpose, wait=None)   context manager holding the home
    holder(settings_or_home)                          who holds it: {pid, purpose, since} or None

Two processes writing the same embedded Chroma store destroy it, and the catalog's journal
assumes one writer. `ingest()` holds the home for its run ("ingest"); `reviewqa serve` holds
it for its life ("serve"). A refusal (`IndexBusyError`) names the holder and the fix.

The lock is `fcntl.flock` on one open file, which belongs to the process, so holding is
re-entrant within a process: a server that holds its home can run `ingest()` from a request
thread. Those in-process writers take turns on a per-home thread lock ("ingest" takes it for
its run; "serve" does not). The lock file lives in the home whatever the vector store: the
catalog is always there.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from index.errors import IndexBusyError, StoreError
from index.settings import Settings

__all__ = ["LOCK_FILE", "Purpose", "hold_home", "holder", "process_alive"]

LOCK_FILE = "writer.lock"
Purpose = Literal["ingest", "serve", "repair"]
_POLL_SECONDS = 0.1


@dataclass
class _Held:
    """This process's hold on one home: the locked file, who in the process holds it."""

    fd: int
    since: str
    purposes: Counter[str] = field(default_factory=Counter)
    writing: threading.Lock = field(default_factory=threading.Lock)
    written: str = ""

    def info(self) -> dict[str, Any]:
        held = [p for p in ("serve", "repair", "ingest") if self.purposes[p]]
        purpose = held[0] if held else "ingest"
        return {"pid": os.getpid(), "purpose": purpose, "since": self.since}


_held: dict[Path, _Held] = {}
_registry = threading.Lock()


def home_of(target: Settings | Path | str) -> Path:
    """The resolved home folder of `target` (settings or a path)."""
    home = target.home if isinstance(target, Settings) else Path(target)
    return home.expanduser().resolve()


@contextmanager
def hold_home(
    target: Settings | Path | str, purpose: Purpose, *, wait: float | None = None
) -> Iterator[dict[str, Any]]:
    """Hold the home of `target` for `purpose` until the block ends; yields the holder record.

    Another process holding it: poll for up to `wait` seconds (default: none), then raise
    IndexBusyError naming that process and the fix. Re-entrant within this process; an
    "ingest" also waits for the other in-process ingests of this home to finish.
    """
    if purpose not in ("ingest", "serve", "repair"):
        raise ValueError(f"purpose must be ingest, serve or repair, not {purpose!r}")
    home = home_of(target)
    entry = _acquire(home, purpose, wait or 0.0)
    try:
        if purpose == "ingest":
            with entry.writing:
                yield entry.info()
        else:
            yield entry.info()
    finally:
        _release(home, purpose)


def holder(target: Settings | Path | str) -> dict[str, Any] | None:
    """Who holds the home: {"pid", "purpose", "since"}, or None when nobody does. Cheap: it
    reads the lock file and checks that its process is alive, it never takes the lock."""
    home = home_of(target)
    with _registry:
        entry = _held.get(home)
        if entry is not None:
            return entry.info()
    info = _read_record(home / LOCK_FILE)
    if info is None or info["pid"] == os.getpid() or not process_alive(info["pid"]):
        return None
    return info


def _acquire(home: Path, purpose: str, wait: float) -> _Held:
    deadline = time.monotonic() + wait
    while True:
        with _registry:
            entry = _held.get(home) or _lock(home)
            if entry is not None:
                _held[home] = entry
                entry.purposes[purpose] += 1
                _write_record(entry)
                return entry
        left = deadline - time.monotonic()
        if left <= 0:
            raise _busy(home, purpose, wait)
        time.sleep(min(_POLL_SECONDS, left))


def _lock(home: Path) -> _Held | None:
    """Take the flock on HOME/writer.lock; None when another process holds it."""
    try:
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(home / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise StoreError(
            f"cannot create {home / LOCK_FILE} ({exc.strerror}): check that REVIEWQA_HOME "
            "is a folder this user may write"
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except OSError as exc:
        os.close(fd)
        raise StoreError(
            f"cannot lock {home / LOCK_FILE} ({exc.strerror}): put REVIEWQA_HOME on a local "
            "file system"
        ) from None
    return _Held(fd=fd, since=datetime.now().astimezone().isoformat(timespec="seconds"))


def _write_record(entry: _Held) -> None:
    """Write who holds the home into the lock file (only when that changed)."""
    record = json.dumps(entry.info()) + "\n"
    if record != entry.written:
        os.ftruncate(entry.fd, 0)
        os.pwrite(entry.fd, record.encode(), 0)
        entry.written = record


def _release(home: Path, purpose: str) -> None:
    with _registry:
        entry = _held[home]
        entry.purposes[purpose] -= 1
        if entry.purposes.total() > 0:
            _write_record(entry)
            return
        del _held[home]
        try:
            os.ftruncate(entry.fd, 0)
            fcntl.flock(entry.fd, fcntl.LOCK_UN)
        finally:
            os.close(entry.fd)


def _read_record(path: Path) -> dict[str, Any] | None:
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict) or not isinstance(info.get("pid"), int):
        return None
    return info


def process_alive(pid: int) -> bool:
    """Is process `pid` running (ours or another user's)?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def _busy(home: Path, purpose: str, waited: float) -> IndexBusyError:
    """The refusal: who holds `home` and what to do about it."""
    info = None
    for _ in range(5):  # the holder may be between taking the lock and writing its record
        info = _read_record(home / LOCK_FILE)
        if info is not None and process_alive(info["pid"]):
            break
        info = None
        time.sleep(0.02)
    after = f" after waiting {waited:g}s" if waited else ""
    if info is None:
        return IndexBusyError(
            f"another process holds the index in {home} ({home / LOCK_FILE}){after}: wait "
            "for it to finish or stop it"
        )
    who = f"pid {info['pid']}, since {info.get('since', '?')}"
    if info.get("purpose") == "serve":
        return IndexBusyError(
            f"the index in {home} is served by reviewqa serve ({who}){after}: stop the "
            "server, ingest through it (POST /api/admin/ingest with REVIEWQA_ADMIN_TOKEN), "
            "or use a Chroma server (REVIEWQA_CHROMA_URL) and serve a catalog copy from "
            "another home (docs/DEPLOY.md)",
            info,
        )
    if purpose == "serve":
        fix = "wait for it to finish, then start the server"
    elif waited:
        fix = "wait for it to finish, or pass a longer --wait"
    else:
        fix = "wait for it to finish, or pass --wait SECONDS"
    writer = "a repair" if info.get("purpose") == "repair" else "another ingest"
    return IndexBusyError(f"{writer} ({who}) is writing the index in {home}{after}: {fix}", info)


def _forget_after_fork() -> None:
    """A forked child does not hold its parent's homes: drop its copies of the lock files
    (closing a copy leaves the parent's lock in place; LOCK_UN would not)."""
    global _registry
    _registry = threading.Lock()
    for entry in _held.values():
        os.close(entry.fd)
    _held.clear()


os.register_at_fork(after_in_child=_forget_after_fork)
