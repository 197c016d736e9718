"""A corpus file as text, a line (or, for a JSON array, a block) at a time: UTF-8 with the
bytes that are not kept as surrogates, each line's flaw (a NUL, bad UTF-8, too long) said.

The file is never held whole: a line longer than the row limit is skipped as it is read.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from index.errors import CorpusError
from index.loaders.source import MAX_DECOMPRESSED_SETTING, open_bytes
from index.settings import DEFAULT_MAX_DECOMPRESSED_BYTES, DEFAULT_MAX_REVIEW_CHARS

MAX_REVIEW_SETTING = "REVIEWQA_MAX_REVIEW_CHARS"
NOT_UTF8 = "not valid UTF-8: re-save the file as UTF-8"
HOLDS_NUL = "holds a NUL character (\\0): remove it; a review is text"
LONE_SURROGATE = "holds half of a UTF-16 pair (a lone \\ud800-\\udfff escape): fix the escape"
EMPTY_FILE = "file is empty: add reviews to it or leave it out"

ROW_FLOOR = 16 * 1024 * 1024  # characters: the row limit whatever the review limit
_DISCARD = 1024 * 1024  # characters read at a time while skipping a row that is too long
_BLOCK = 256 * 1024  # characters of a JSON array read at a time
_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")  # a byte that was not UTF-8
_OTHER_SURROGATE = re.compile("[\ud800-\udc7f\udd00-\udfff]")


def row_limit(max_review_chars: int = DEFAULT_MAX_REVIEW_CHARS) -> int:
    """The most characters one row (a line, a CSV record, a JSON element) may hold."""
    return max(ROW_FLOOR, 4 * max_review_chars)


def too_long(limit: int) -> str:
    """The reason a row over `limit` characters is skipped."""
    return (
        f"row is longer than {limit:,} characters, the most a row may hold: split it "
        f"(raising {MAX_REVIEW_SETTING} raises this limit too)"
    )


def flaw_of(text: str) -> str:
    """Why `text` cannot be stored ("" when it can): a NUL, bytes that were not UTF-8, or
    half of a UTF-16 surrogate pair (from a JSON escape)."""
    if "\x00" in text:
        return HOLDS_NUL
    if text.isascii():
        return ""
    found = _SURROGATE.search(text)
    if found is None:
        return ""
    return NOT_UTF8 if _ESCAPED_BYTE.match(found.group()) else LONE_SURROGATE


def displayable(text: str) -> str:
    """`text` safe to print and to write as UTF-8: bytes that were not UTF-8 (and halves of
    UTF-16 pairs) become U+FFFD."""
    if text.isascii() or _SURROGATE.search(text) is None:
        return text
    text = _OTHER_SURROGATE.sub("\ufffd", text)
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def one_line(text: str) -> str:
    """`text` for a one-line message: as it is when printable, else with line ends and other
    control characters written as escapes (`\\n`) and bad bytes as U+FFFD."""
    text = displayable(text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


@dataclass(slots=True)  # not frozen: that costs 4 times as much to build, a line at a time
class Line:
    """One physical line: its number (1-based), its text with its line end ("" when it was
    too long to keep), and its flaw ("" when none)."""

    number: int
    text: str
    flaw: str = ""


class TextFile:
    """A corpus file to read as text, as often as a reader needs (JSON is read twice)."""

    def __init__(
        self,
        path: Path,
        *,
        max_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES,
        limit_name: str = MAX_DECOMPRESSED_SETTING,
        max_row_chars: int = ROW_FLOOR,
    ) -> None:
        self.path = path
        self.max_row_chars = max_row_chars
        self._max_bytes = max_bytes
        self._limit_name = limit_name

    @contextmanager
    def _text(self, newline: str) -> Iterator[io.TextIOWrapper]:
        with open_bytes(self.path, max_bytes=self._max_bytes, limit_name=self._limit_name) as raw:
            text = io.TextIOWrapper(
                raw, encoding="utf-8", errors="surrogateescape", newline=newline
            )
            try:
                yield text
            finally:
                text.detach()

    def measure(self) -> None:
        """Read the file through once, keeping nothing: a gzip bomb is refused here."""
        with open_bytes(self.path, max_bytes=self._max_bytes, limit_name=self._limit_name) as raw:
            while raw.read(io.DEFAULT_BUFFER_SIZE * 32):
                pass

    @contextmanager
    def lines(self, *, newline: str = "\n") -> Iterator[Iterator[Line]]:
        """The file's lines; `newline="\\n"` ends a line at LF only, `""` also at a lone CR
        (as the csv module reads). At the end, a file of only blank lines is a CorpusError."""
        with self._text(newline) as text:
            yield self._lines(text, newline)

    def _lines(self, text: io.TextIOWrapper, newline: str) -> Iterator[Line]:
        limit = self.max_row_chars
        seen_text = False
        number = 0
        while piece := text.readline(limit):
            number += 1
            if number == 1:
                piece = piece.removeprefix("\ufeff")
            if len(piece) >= limit and not _ended(piece, limit, newline):
                _discard_rest(text, newline)
                seen_text = True
                yield Line(number, "", too_long(limit))
                continue
            if not seen_text and not piece.isspace():
                seen_text = True
            clean = piece.isascii() and "\x00" not in piece  # the common case, checked fast
            yield Line(number, piece, "" if clean else flaw_of(piece))
        if not seen_text:
            raise CorpusError(self.path, EMPTY_FILE)

    @contextmanager
    def blocks(self, size: int = _BLOCK) -> Iterator[Iterator[str]]:
        """The file's text in blocks of `size` characters (the last shorter); at the end, a
        blank file is a CorpusError."""
        with self._text("") as text:
            yield self._blocks(text, size)

    def _blocks(self, text: io.TextIOWrapper, size: int) -> Iterator[str]:
        seen_text = False
        first = True
        while block := text.read(size):
            if first:
                block, first = block.removeprefix("\ufeff"), False
            if not seen_text and block and not block.isspace():
                seen_text = True
            yield block
        if not seen_text:
            raise CorpusError(self.path, EMPTY_FILE)


def _ended(piece: str, limit: int, newline: str) -> bool:
    """True when `piece` (read with a limit) is a whole line: it has its line end, or is the
    file's last line, shorter than the limit."""
    if piece.endswith("\n") or len(piece) < limit:
        return True
    return newline == "" and piece.endswith("\r")


def _discard_rest(text: io.TextIOWrapper, newline: str) -> None:
    """Skip to the end of a line that was too long to keep."""
    while piece := text.readline(_DISCARD):
        if _ended(piece, _DISCARD, newline):
            return
