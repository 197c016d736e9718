"""The rows of one file as the file holds them, for `--skipped` and refusals: kept compressed
in memory (about a fifth of the file), looked up by the line (or array element) each
starts on, without the file's text held whole or the file read again."""

from __future__ import annotations

import zlib
from array import array
from bisect import bisect_left, bisect_right

from index.loaders.lines import displayable

_BLOCK = 256 * 1024  # characters of rows compressed together


class RawRows:
    """`add(line, text)` as a file is read; `rows(line)` then gives the row starting there
    ("" for a line that starts none), printable (bad bytes and NULs shown as U+FFFD)."""

    def __init__(self) -> None:
        self._lines = array("q")  # first line (or element number) of each row, ascending
        self._starts = array("q")  # where each row starts in the text of all rows
        self._block_starts = array("q")  # where each compressed block starts in that text
        self._blocks: list[bytes] = []
        self._pending: list[str] = []
        self._pending_start = 0
        self._end = 0
        self._cached: tuple[int, str] = (-1, "")

    def add(self, line: int, text: str) -> None:
        """Keep the row starting at `line`; rows must come in file order (line ascending)."""
        self._lines.append(line)
        self._starts.append(self._end)
        self._pending.append(text)
        self._end += len(text)
        if self._end - self._pending_start >= _BLOCK:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        text = "".join(self._pending).encode("utf-8", "surrogatepass")
        self._block_starts.append(self._pending_start)
        self._blocks.append(zlib.compress(text, 1))
        self._pending = []
        self._pending_start = self._end

    def _block(self, number: int) -> str:
        if self._cached[0] != number:
            text = zlib.decompress(self._blocks[number]).decode("utf-8", "surrogatepass")
            self._cached = (number, text)
        return self._cached[1]

    def __call__(self, line: int) -> str:
        i = bisect_left(self._lines, line)
        if i == len(self._lines) or self._lines[i] != line:
            return ""
        self._flush()
        start = self._starts[i]
        end = self._starts[i + 1] if i + 1 < len(self._starts) else self._end
        number = bisect_right(self._block_starts, start) - 1
        offset = self._block_starts[number]
        text = self._block(number)[start - offset : end - offset]
        return displayable(text.rstrip("\r\n"))
