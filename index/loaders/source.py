"""Opening a corpus file for reading: suffixes, why a path cannot be read, gzip, the byte cap
and the binary check. Nothing here holds a whole file: it is read as a stream."""

from __future__ import annotations

import errno
import gzip
import io
import os
import stat
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from index.errors import CorpusError
from index.settings import DEFAULT_MAX_DECOMPRESSED_BYTES

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

SUPPORTED_SUFFIXES: tuple[str, ...] = (
    ".txt",
    ".csv",
    ".jsonl",
    ".json",
    ".csv.gz",
    ".jsonl.gz",
    ".json.gz",
)

MAX_DECOMPRESSED_SETTING = "REVIEWQA_MAX_DECOMPRESSED_BYTES"
_BINARY_PROBE = 8192  # bytes looked at for NULs and control bytes
_BUFFER = 256 * 1024  # bytes read from the file (or gunzipped) at a time
_MOST_STRAY_NULS = 8  # more NULs than this in the probe: not text (UTF-16, an image)
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\x00\t\n\v\f\r\x1b")


def supported_list() -> str:
    """The supported suffixes as one readable string."""
    return ", ".join(SUPPORTED_SUFFIXES)


def suffix_of(path: Path) -> str | None:
    """The supported suffix `path` ends with (longest first), or None."""
    name = path.name.lower()
    for suffix in sorted(SUPPORTED_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix) and len(name) > len(suffix):
            return suffix
    return None


def require_suffix(path: Path) -> str:
    """The supported suffix of `path`; a CorpusError naming the supported ones otherwise."""
    suffix = suffix_of(path)
    if suffix is None:
        raise CorpusError(
            path,
            f"unsupported file type: supported suffixes are {supported_list()}; "
            "save the reviews in one of these formats",
        )
    return suffix


def resolved(path: Path) -> Path:
    """`path` with symlinks and `..` resolved; a symlink loop resolves to itself, absolute."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: "Symlink loop from ..." (Python 3.11)
        return path.absolute()


def is_loop(folder: Path) -> bool:
    """True when the symlinked `folder` leads back to a folder holding it."""
    real = Path(os.path.realpath(folder))
    return Path(os.path.realpath(folder.parent)).is_relative_to(real)


def refuse_folder(path: Path) -> None:
    """A CorpusError saying why the folder `path` is not a corpus file; nothing if not one."""
    if not path.is_dir():
        return
    if path.is_symlink() and is_loop(path):
        target = os.path.realpath(path)
        raise CorpusError(
            path,
            f"symlink loop: it leads back to {target}, a folder holding it; not followed "
            "(remove the link or point it elsewhere)",
        )
    try:
        with os.scandir(path):
            pass
    except OSError as exc:
        raise CorpusError(
            path, f"folder cannot be read ({exc.strerror}): check its permissions"
        ) from None
    raise CorpusError(path, "is a folder, not a file: pass it to discover()")


def file_status(path: Path) -> os.stat_result:
    """The status of the file at `path`; a CorpusError saying why it cannot be read."""
    try:
        status = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            target = os.readlink(path)
            raise CorpusError(
                path, f"symlink to a missing file ({target}): fix or remove the link"
            ) from None
        raise CorpusError(path, "no such file: check the path") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise CorpusError(path, "symlink loop: fix or remove the link") from None
        raise CorpusError(path, f"cannot be read ({exc.strerror}): check its permissions") from None
    if not stat.S_ISREG(status.st_mode):
        raise CorpusError(
            path, "not a regular file (a pipe, socket or device): save the reviews in a file"
        )
    return status


def _too_big(path: Path, limit: int, limit_name: str, *, gzipped: bool) -> CorpusError:
    if gzipped:
        return CorpusError(
            path,
            f"expands past {limit:,} bytes when decompressed, the limit "
            f"({limit_name}): split the file or raise the limit",
        )
    return CorpusError(
        path,
        f"holds more than {limit:,} bytes, the limit ({limit_name}): split the file or "
        "raise the limit",
    )


class _Capped(io.RawIOBase):
    """The bytes of `inner` (a file or a gzip stream), refused as soon as they pass `limit`;
    a read that fails becomes a CorpusError naming the file."""

    def __init__(
        self, inner: io.BufferedIOBase, path: Path, limit: int, limit_name: str, gzipped: bool
    ) -> None:
        super().__init__()
        self._inner = inner
        self._path = path
        self._limit = limit
        self._limit_name = limit_name
        self._gzipped = gzipped
        self._total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        try:
            count = self._inner.readinto(buffer)
        except (OSError, EOFError, zlib.error) as exc:
            raise self._unreadable(exc) from None
        self._total += count
        if self._total > self._limit:
            raise _too_big(self._path, self._limit, self._limit_name, gzipped=self._gzipped)
        return count

    def close(self) -> None:
        self._inner.close()
        super().close()

    def _unreadable(self, exc: BaseException) -> CorpusError:
        if self._gzipped:
            return CorpusError(
                self._path,
                f"not a text file: the gzip data cannot be decompressed ({exc}); "
                "re-compress it with gzip or save it uncompressed",
            )
        reason = getattr(exc, "strerror", None) or str(exc)
        return CorpusError(self._path, f"cannot be read ({reason}): check the disk and the file")


def _looks_binary(head: bytes) -> bool:
    """NUL bytes beside other control bytes, or many of them: UTF-16, an image, an archive.

    A few stray NULs in text are not: the rows holding them are skipped one by one.
    """
    nuls = head.count(0)
    if not nuls:
        return False
    return nuls > _MOST_STRAY_NULS or len(head) > len(head.translate(None, _CONTROL_BYTES))


@contextmanager
def open_bytes(
    path: Path,
    *,
    max_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES,
    limit_name: str = MAX_DECOMPRESSED_SETTING,
) -> Iterator[io.BufferedReader[_Capped]]:
    """The file's bytes (gunzipped for `.gz`) as a buffered stream, never read whole.

    A file that cannot be read, is not a regular file, looks binary, or holds (or expands
    to) more than `max_bytes` raises CorpusError naming `limit_name`; a gzip bomb is
    refused as soon as it passes the limit, having held a buffer's worth of it.
    """
    status = file_status(path)
    gzipped = path.name.lower().endswith(".gz")
    if not gzipped and status.st_size > max_bytes:
        raise _too_big(path, max_bytes, limit_name, gzipped=False)
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise CorpusError(path, f"cannot be read ({exc.strerror}): check its permissions") from None
    inner: io.BufferedIOBase = gzip.GzipFile(fileobj=raw, mode="rb") if gzipped else raw
    capped = _Capped(inner, path, max_bytes, limit_name, gzipped)
    stream = io.BufferedReader(capped, buffer_size=_BUFFER)
    try:
        if _looks_binary(stream.peek(_BINARY_PROBE)[:_BINARY_PROBE]):
            raise CorpusError(
                path,
                "not a text file (it holds NUL bytes): save the reviews as UTF-8 text "
                f"({supported_list()})",
            )
        yield stream
    finally:
        stream.close()
        raw.close()
