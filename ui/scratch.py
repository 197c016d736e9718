"""The server process's one temporary folder: export files, uploads on their way to ingest.

One folder per process (`reviewqa-PID-*` in the system temp folder), removed when the app
stops (and at exit); folders of processes that died without cleaning up (`kill -9`) are removed
by the next one to start. Files older than `max_age` seconds are swept whenever one is written.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from pathlib import Path

from index.lock import process_alive

PREFIX = "reviewqa-"


def remove_orphans(parent: Path) -> int:
    """Remove the scratch folders under `parent` whose process is gone; how many."""
    removed = 0
    for folder in parent.glob(f"{PREFIX}*-*"):
        pid = folder.name[len(PREFIX) :].split("-", 1)[0]
        if folder.is_dir() and pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


class Scratch:
    """A private temporary folder for this process, removed by `close()` or at exit."""

    def __init__(self, max_age: float = 3600.0, parent: Path | None = None) -> None:
        parent = Path(parent or tempfile.gettempdir())
        remove_orphans(parent)
        self.root = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=parent))
        self.max_age = max_age
        atexit.register(self.close)

    def folder(self, *parts: str) -> Path:
        """A folder under the scratch root (made if missing), after sweeping old files."""
        self.sweep()
        target = self.root.joinpath(*parts)
        target.mkdir(parents=True, exist_ok=True)
        return target

    def sweep(self, now: float | None = None) -> int:
        """Delete files older than `max_age` (and the folders they leave empty); how many."""
        if not self.root.exists():
            return 0
        cutoff = (time.time() if now is None else now) - self.max_age
        removed = 0
        for path in sorted(self.root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
                elif path.is_dir() and not any(path.iterdir()):
                    path.rmdir()
            except OSError:  # removed meanwhile by another thread
                continue
        return removed

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        atexit.unregister(self.close)
