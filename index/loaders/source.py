"""Reading a corpus file's bytes into text: suffixes, gzip, emptiness, binary and UTF-8 checks."""

from __future__ import annotations

import gzip
import re
import zlib
from pathlib import Path

from index.errors import CorpusError

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


def read_text(path: Path) -> tuple[str, bool]:
    """The file's text (gunzipped, BOM dropped) and whether any byte was not valid UTF-8.

    Bytes that are not UTF-8 are kept as surrogates so the rows holding them can be reported
    one by one; whole-file problems (missing, empty, binary) raise CorpusError.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CorpusError(path, "no such file: check the path") from None
    except IsADirectoryError:
        raise CorpusError(path, "is a folder, not a file: pass it to discover()") from None
    except OSError as exc:
        raise CorpusError(path, f"cannot be read ({exc.strerror}): check its permissions") from None
    if path.name.lower().endswith(".gz") and data:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise CorpusError(
                path,
                f"not a text file: the gzip data cannot be decompressed ({exc}); "
                "re-compress it with gzip or save it uncompressed",
            ) from None
    if not data.strip():
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
