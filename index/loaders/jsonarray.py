"""The elements of a JSON array read a block at a time: a file of any size is parsed holding
one element (at most the row limit) and a block, never the whole array."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.errors import CorpusError
from index.loaders.lines import too_long

TOO_DEEP = "JSON nested too deep to read (arrays or objects inside each other thousands of levels)"
DECODER = json.JSONDecoder(strict=False)  # a raw control character in a string is a flaw
_BLANK = re.compile(r"[ \t\n\r]*")
_TAIL = 8  # characters: an error or an end this near the end of the text read may move on
_KINDS = {"{": "object", '"': "string", "t": "boolean", "f": "boolean", "n": "null"}


def kind_of(value: Any) -> str:
    """The JSON name of a parsed value's type."""
    kinds = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return kinds.get(type(value), "number")


def not_valid(path: Path, message: str, line: int, column: int) -> CorpusError:
    return CorpusError(
        path,
        f"not valid JSON ({message} at column {column}): fix it, or write one object a line "
        "as .jsonl",
        line=line,
    )


@dataclass(frozen=True, slots=True)
class Element:
    """One element of the array: its number (the first is 1), value and text in the file."""

    number: int
    value: Any
    text: str


class _Buffer:
    """The unread text of the file: what is parsed is dropped, a block is added on demand;
    it knows the line and column of what it holds, for errors."""

    def __init__(self, path: Path, blocks: Iterator[str], limit: int) -> None:
        self.path = path
        self._blocks = blocks
        self.limit = limit
        self.text = ""
        self.pos = 0
        self.ended = False
        self._line = 1  # line of text[0]
        self._column = 0  # characters before text[0] on its line

    def more(self, at_least: int = 1) -> bool:
        """Add blocks holding at least `at_least` characters (fewer at the end of the file),
        dropping the text before `pos`; False when the file had no more."""
        blocks: list[str] = []
        added = 0
        while added < at_least and not self.ended:
            block = next(self._blocks, None)
            if block is None:
                self.ended = True
            else:
                blocks.append(block)
                added += len(block)
        if not blocks:
            return False
        newlines = self.text.count("\n", 0, self.pos)
        if newlines:
            self._line += newlines
            self._column = self.pos - self.text.rfind("\n", 0, self.pos) - 1
        else:
            self._column += self.pos
        self.text = self.text[self.pos :] + "".join(blocks)
        self.pos = 0
        return True

    def where(self, pos: int) -> tuple[int, int]:
        """The line and column (both 1-based) of `text[pos]`."""
        newlines = self.text.count("\n", 0, pos)
        if newlines:
            return self._line + newlines, pos - self.text.rfind("\n", 0, pos)
        return self._line, self._column + pos + 1

    def peek(self) -> str:
        """The next character that is not blank ("" at the end); `pos` moves to it."""
        while True:
            self.pos = _BLANK.match(self.text, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.more():
                return ""

    def error(self, message: str, pos: int | None = None) -> CorpusError:
        line, column = self.where(self.pos if pos is None else pos)
        return not_valid(self.path, message, line, column)

    def value(self, number: int) -> tuple[Any, str]:
        """Parse the value at `pos`, reading more blocks while it may run on; its value and
        text. Parsing that fails or ends within a few characters of the end of the text read
        so far (`tru`, `1.`, an open string) is tried again with the next block."""
        while True:
            try:
                value, end = DECODER.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                at_end = exc.pos + _TAIL >= len(self.text) or exc.msg.startswith("Unterminated")
                if not at_end:
                    raise self.error(exc.msg, exc.pos) from None
                self._grow(number, exc)
                continue
            except RecursionError:
                raise CorpusError(
                    self.path, f"{TOO_DEEP}: a review file is an array of flat objects"
                ) from None
            except ValueError as exc:  # e.g. an integer of more than 4,300 digits
                raise self.error(str(exc).split(";")[0]) from None
            if end - self.pos > self.limit:
                raise self._too_long(number)
            if end + _TAIL < len(self.text) or self.ended:
                text = self.text[self.pos : end]
                self.pos = end
                return value, text
            self._grow(number, None)

    def _too_long(self, number: int) -> CorpusError:
        line, _ = self.where(self.pos)
        return CorpusError(
            self.path,
            f"array element {number} (from line {line}) is too long: {too_long(self.limit)}; "
            "or write one object a line as .jsonl",
        )

    def _grow(self, number: int, failed: json.JSONDecodeError | None) -> None:
        """Read as much again for the value at `pos` (so a long value is parsed a few times,
        not once a block), up to the limit; the end of the file makes `failed` the file's
        error, a value past the limit is refused."""
        unread = len(self.text) - self.pos
        if unread > self.limit:
            raise self._too_long(number)
        if not self.more(at_least=min(unread, self.limit + 1 - unread)) and failed is not None:
            raise self.error(failed.msg, failed.pos)


def elements(path: Path, blocks: Iterator[str], limit: int) -> Iterator[Element]:
    """The elements of the JSON array in `blocks`, in order. Text that is not one JSON array
    raises CorpusError naming the line and column, as does an element over `limit`
    characters (it cannot be skipped without reading it whole)."""
    buffer = _Buffer(path, blocks, limit)
    first = buffer.peek()
    if first != "[":
        found = _KINDS.get(first, "number" if first in "-0123456789" and first else "")
        if not found:
            raise buffer.error("Expecting value")
        raise CorpusError(
            path,
            f"not a JSON array of objects (found {found}): write [{{...}}, {{...}}] or one "
            "object a line as .jsonl",
        )
    buffer.pos += 1
    number = 0
    if buffer.peek() == "]":
        buffer.pos += 1
    else:
        while True:
            number += 1
            value, text = buffer.value(number)
            yield Element(number, value, text)
            after = buffer.peek()
            buffer.pos += 1
            if after == "]":
                break
            if after != ",":
                raise buffer.error("Expecting ',' delimiter", buffer.pos - 1)
            buffer.peek()
    if buffer.peek():
        raise buffer.error("Extra data")
