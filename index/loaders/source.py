"""Reading a corpus file's bytes into text: suffixes, gzip, emptiness, binary and UTF-8 checks."""

from __future__ import annotations

import re
import zlib
from pathlib import Path
from typing import BinaryIO

from index.errors import CorpusError
from index.settings import DEFAULT_MAX_DECOMPRESSED_BYTES

SUPPORTED_SUFFIXES: tuple[str, ...] = (
    ".txt",
    ".csv",
    ".jsonl",
    ".json",
    ".csv.gz",
    ".jsonl.gz",
    ".json.gz",
)

_BINARY_PROBE = 8192
_GZIP_WBITS = 16 + zlib.MAX_WBITS  # a gzip header and trailer (CRC and size checked)
_GUNZIP_BLOCK = 64 * 1024  # compressed bytes read at a time
_GUNZIP_PIECE = 256 * 1024  # most decompressed bytes one zlib call returns
MAX_DECOMPRESSED_SETTING = "REVIEWQA_MAX_DECOMPRESSED_BYTES"
_SURROGATE = re.compile("[\udc80-\udcff]")

NOT_UTF8 = "not valid UTF-8: re-save the file as UTF-8"


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


def has_surrogate(value: str) -> bool:
    """True when `value` holds a byte that was not valid UTF-8 (decoded as a surrogate)."""
    return _SURROGATE.search(value) is not None


def read_text(
    path: Path,
    *,
    max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES,
    limit_name: str = MAX_DECOMPRESSED_SETTING,
) -> tuple[str, bool]:
    """The file's text (gunzipped, BOM dropped) and whether any byte was not valid UTF-8.

    Bytes that are not UTF-8 are kept as surrogates so the rows holding them can be reported
    one by one; whole-file problems (missing, empty, binary, a gzip file expanding past
    `max_decompressed_bytes`, which `limit_name` names in the message) raise CorpusError.
    """
    try:
        raw = path.open("rb")
    except FileNotFoundError:
        raise CorpusError(path, "no such file: check the path") from None
    except IsADirectoryError:
        raise CorpusError(path, "is a folder, not a file: pass it to discover()") from None
    except OSError as exc:
        raise CorpusError(path, f"cannot be read ({exc.strerror}): check its permissions") from None
    with raw:
        if path.name.lower().endswith(".gz"):
            data: bytes | bytearray = _gunzip(raw, path, max_decompressed_bytes, limit_name)
        else:
            data = raw.read()
    # isspace() is strip()'s test without copying what may be a large file
    if not data or data.isspace():
        raise CorpusError(path, "file is empty: add reviews to it or leave it out")
    if b"\x00" in data[:_BINARY_PROBE]:
        raise CorpusError(
            path,
            "not a text file (it holds NUL bytes): save the reviews as UTF-8 text "
            f"({supported_list()})",
        )
    try:
        text = data.decode("utf-8")
        bad = False
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="surrogateescape")
        bad = True
    return text.removeprefix("\ufeff"), bad


def _gunzip(raw: BinaryIO, path: Path, limit: int, limit_name: str) -> bytearray:
    """The decompressed bytes of a gzip file, refused as soon as they pass `limit`.

    zlib is fed a block at a time and gives at most `_GUNZIP_PIECE` bytes per call, so at
    most the limit plus one piece and one block are ever held, whatever the file expands to.
    Several gzip members in a row and zero padding after them are read as `gzip` reads them.
    """
    data = bytearray()
    unzip = zlib.decompressobj(wbits=_GZIP_WBITS)
    pending = b""
    fed = False
    try:
        while True:
            if not pending:
                pending = raw.read(_GUNZIP_BLOCK)
                if not pending:
                    break
            if unzip.eof:  # another member follows, or zero padding
                pending = pending.lstrip(b"\x00")
                if not pending:
                    continue
                unzip = zlib.decompressobj(wbits=_GZIP_WBITS)
            fed = True
            piece = unzip.decompress(pending, _GUNZIP_PIECE)
            pending = unzip.unused_data if unzip.eof else unzip.unconsumed_tail
            if len(data) + len(piece) > limit:
                raise CorpusError(
                    path,
                    f"expands past {limit:,} bytes when decompressed, the limit "
                    f"({limit_name}): split the file or raise the limit",
                )
            data += piece
        if fed and not unzip.eof:
            raise EOFError("the file ends before the end of its compressed data")
    except (OSError, EOFError, zlib.error) as exc:
        raise CorpusError(
            path,
            f"not a text file: the gzip data cannot be decompressed ({exc}); "
            "re-compress it with gzip or save it uncompressed",
        ) from None
    return data
