"""A full disk, told apart from the other failures of a write. SQLite, the OS and Chroma each
say it their own way (Chroma not always: "Error in compaction: ..."); the user gets one
sentence that names the disk and the fix."""

from __future__ import annotations

import errno
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from index.errors import ReviewQAError, StoreError
from index.settings import Settings

__all__ = ["LOW_SPACE", "full_disk_error", "full_disk_explained"]

LOW_SPACE = 1 << 20  # bytes: a store that fails with less room than this left ran out of it
_SAID = ("database or disk is full", "no space left on device", "disk is full", "os error 28")


def full_disk_error(exc: BaseException, settings: Settings) -> StoreError | None:
    """The error to raise instead of `exc` when a full disk caused it, else None.

    A full disk is an OSError ENOSPC or EDQUOT, or an error (SQLite's, Chroma's) that says so
    anywhere in `exc`'s chain of causes; or a failure of the catalog or the embedded Chroma
    while the disk holding the home has less than LOW_SPACE left."""
    chain = _chain(exc)
    cause = next((e for e in chain if _says_full(e)), None)
    if cause is None:
        failed = next((e for e in chain if _from_a_store(e)), None)
        if failed is None or _from_server(failed, settings) or _room(settings.home) >= LOW_SPACE:
            return None
        cause = failed
    where = (
        f"the Chroma server's data ({settings.chroma_url})"
        if _from_server(cause, settings)
        else str(settings.home)
    )
    return StoreError(
        f"the disk holding {where} is full ({type(cause).__name__}: {cause}): free space, "
        "then run the same ingest again; what was committed is kept"
    )


@contextmanager
def full_disk_explained(settings: Settings) -> Iterator[None]:
    """Within the block, an error that a full disk caused becomes `full_disk_error`'s."""
    try:
        yield
    except Exception as exc:
        full = full_disk_error(exc, settings)
        if full is None:
            raise
        raise full from exc


def _chain(exc: BaseException) -> list[BaseException]:
    """`exc` and what caused it (explicitly or while it was handled), never followed far."""
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and len(chain) < 10 and seen not in chain:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    return chain


def _says_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    if isinstance(exc, ReviewQAError):  # ours: what it wraps tells
        return False
    return any(words in str(exc).lower() for words in _SAID)


def _from_a_store(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.Error) or type(exc).__module__.startswith("chromadb")


def _from_server(exc: BaseException, settings: Settings) -> bool:
    return bool(settings.chroma_url) and type(exc).__module__.startswith("chromadb")


def _room(path: Path) -> int:
    """Bytes free on the disk holding `path` (or its nearest existing folder); a disk that
    cannot be asked counts as roomy."""
    for folder in (path, *path.parents):
        if folder.exists():
            try:
                return shutil.disk_usage(folder).free
            except OSError:
                break
    return LOW_SPACE
