"""JSON Lines and JSON arrays as a table: read twice, once for the keys (the columns), once
for the rows, so that neither the text nor the parsed objects are ever held whole."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, overload

from index.errors import CorpusError
from index.loaders.jsonarray import DECODER, TOO_DEEP, elements, kind_of
from index.loaders.lines import HOLDS_NUL, LONE_SURROGATE, Line, TextFile, displayable, flaw_of
from index.loaders.rawrows import RawRows
from index.loaders.result import Problems
from index.loaders.tabular import Record, Table

NO_OBJECT_LINE = (
    "no JSON object on any line: a .jsonl file holds one {...} object a line "
    "(a file holding one JSON array should be named .json)"
)


def as_text(value: Any) -> str:
    """A JSON value as the text of a field: strings as they are, others as JSON writes them."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


class ObjectRow(Sequence[str]):
    """A parsed object seen as a row of the table's columns (a missing key is ""), without
    building a value for each of (perhaps thousands of) columns."""

    __slots__ = ("_keys", "_object")

    def __init__(self, obj: dict[str, Any], keys: Sequence[str]) -> None:
        self._object = obj
        self._keys = keys

    def __len__(self) -> int:
        return len(self._keys)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        return as_text(self._object.get(self._keys[index]))


def _not_storable(value: Any, text: str, fix: str = "") -> str:
    """Why the element parsed from `text` is no review ("" when it is one): not an object
    (`fix` says what to write instead), or an object with a flaw (`_object_flaw`)."""
    if not isinstance(value, dict):
        return f"not a JSON object: found {kind_of(value)}{fix}"
    return _object_flaw(value, text)


def _object_flaw(obj: dict[str, Any], text: str) -> str:
    """Why the object parsed from `text` cannot be stored ("" when it can): a flaw of its
    text, or a NUL or half a UTF-16 pair that a `\\u` escape put in one of its values."""
    flaw = flaw_of(text)
    if flaw or "\\u" not in text:
        return flaw
    for value in obj.values():
        found = flaw_of(as_text(value))
        if found:
            return HOLDS_NUL if found == HOLDS_NUL else LONE_SURROGATE
    return ""


class _Keys:
    """The keys of the objects of a file in the order they first appear."""

    def __init__(self) -> None:
        self.order: dict[str, None] = {}
        self.objects = 0

    def add(self, value: Any) -> None:
        if isinstance(value, dict):
            self.objects += 1
            self.order.update(dict.fromkeys(value))

    def table(self, records: Iterator[Record]) -> Table:
        return Table([displayable(key) for key in self.order], records)


def _parse_line(line: Line) -> tuple[Any, str]:
    """The value on a JSON Lines line, or None and why it cannot be used."""
    if line.flaw:
        return None, line.flaw
    try:
        return DECODER.decode(line.text), ""
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON ({exc.msg} at column {exc.colno})"
    except RecursionError:
        return None, TOO_DEEP
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        return None, f"not valid JSON ({str(exc).split(';')[0]})"


@contextmanager
def jsonl_table(path: Path, file: TextFile, problems: Problems, raw: RawRows) -> Iterator[Table]:
    """Each non-blank line one object; other lines are reported and skipped."""
    keys = _Keys()
    with file.lines() as lines:
        for line in lines:
            if line.text.strip():
                keys.add(_parse_line(line)[0])
    if not keys.objects:
        raise CorpusError(path, NO_OBJECT_LINE)
    columns = list(keys.order)

    def records(lines: Iterator[Line]) -> Iterator[Record]:
        for line in lines:
            if not line.text.strip() and not line.flaw:
                continue
            raw.add(line.number, line.text)
            value, reason = _parse_line(line)
            reason = reason or _not_storable(value, line.text, "; write {...}")
            if reason:
                problems.add(line.number, reason)
                continue
            yield Record(line.number, ObjectRow(value, columns), hash(line.text))

    with file.lines() as lines:
        yield keys.table(records(lines))


@contextmanager
def json_table(path: Path, file: TextFile, problems: Problems, raw: RawRows) -> Iterator[Table]:
    """A JSON array of objects; rows are numbered by element (the first is 1)."""
    keys = _Keys()
    count = 0
    with file.blocks() as blocks:
        for element in elements(path, blocks, file.max_row_chars):
            count += 1
            keys.add(element.value)
    if not count:
        raise CorpusError(path, "file is empty: the JSON array holds no reviews")
    if not keys.objects:
        raise CorpusError(path, "not a JSON array of objects: no element is an object {...}")
    columns = list(keys.order)

    def records(blocks: Iterator[str]) -> Iterator[Record]:
        for element in elements(path, blocks, file.max_row_chars):
            raw.add(element.number, element.text)
            value = element.value
            reason = _not_storable(value, element.text)
            if reason:
                problems.add(element.number, reason)
                continue
            yield Record(element.number, ObjectRow(value, columns), hash(element.text))

    with file.blocks() as blocks:
        yield keys.table(records(blocks))
