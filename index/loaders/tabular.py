"""Splitting CSV, JSON Lines and JSON text into a header and (line, values) records."""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.errors import CorpusError
from index.loaders.result import Lines, Problems, RawRow, no_raw

Record = tuple[int, list[str]]


@dataclass
class Table:
    """A file's columns and its rows as strings in column order, with the line each starts on;
    `raw(line)` is the row starting there as the file holds it."""

    columns: list[str]
    records: list[Record] = field(default_factory=list)
    raw: RawRow = field(default=no_raw, repr=False)


def _quoting(exc: csv.Error) -> str:
    if "expected after" in str(exc):
        return 'broken CSV row: a quote inside a quoted field is not doubled ("") — check quoting'
    return f"broken CSV row ({exc}) — check quoting"


def _broken(fields: int, header: int) -> str:
    return f"broken CSV row: {fields} fields, header has {header} — check quoting"


def read_csv(path: Path, text: str, problems: Problems) -> Table:
    """Parse CSV text; a broken row is reported and parsing resumes on the line after it starts.

    csv.reader's `line_num` is the line where a record ends, so a record starts one line after
    the previous record ended. A broken record that spans lines (a stray quote swallowing the
    rows after it) is re-read from its second line, so those rows are kept. Quoting is read
    strictly: a quote inside a quoted field that is not doubled (`"a "b" c"`) breaks the row,
    which is skipped rather than read as some other text.
    """
    table: Table | None = None
    lines = Lines(text)
    start = 0  # physical lines skipped before the current reader begins
    while True:
        source = itertools.islice(io.StringIO(text, newline=""), start, None)
        reader = csv.reader(source, strict=True)
        ended = 0
        restart: int | None = None
        try:
            for row in reader:
                first = start + ended + 1
                ended = reader.line_num
                lines.span(first, start + ended)
                if len(row) <= 1 and not "".join(row).strip():
                    continue
                if table is None:
                    table = Table([name.strip() for name in row], raw=lines.raw)
                    continue
                if len(row) != len(table.columns):
                    problems.add(first, _broken(len(row), len(table.columns)))
                    if start + ended > first:
                        lines.span(first, first)  # the rows after its first line are re-read
                        restart = first
                        break
                    continue
                table.records.append((first, row))
        except csv.Error as exc:
            first = start + ended + 1
            problems.add(first, _quoting(exc))
            lines.span(first, first)
            restart = first
        if restart is None:
            break
        start = restart
    if table is None:
        raise CorpusError(path, "file is empty: add a header row and reviews")
    return table


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _tabulate(objects: list[tuple[int, dict[str, Any]]], raw: RawRow) -> Table:
    columns: dict[str, int] = {}
    for _, obj in objects:
        for key in obj:
            columns.setdefault(key, len(columns))
    table = Table(list(columns), raw=raw)
    for line, obj in objects:
        values = [""] * len(columns)
        for key, item in obj.items():
            values[columns[key]] = _as_text(item)
        table.records.append((line, values))
    return table


def _kind(value: Any) -> str:
    """The JSON name of a parsed value's type."""
    kinds = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return kinds.get(type(value), "number")


TOO_DEEP = "JSON nested too deep to read (arrays or objects inside each other thousands of levels)"


def _lines(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            yield number, line


def read_jsonl(path: Path, text: str, problems: Problems) -> Table:
    """Parse JSON Lines: each non-blank line one object; other lines are reported and skipped."""
    objects: list[tuple[int, dict[str, Any]]] = []
    for number, line in _lines(text):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.add(number, f"not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        except RecursionError:
            problems.add(number, TOO_DEEP)
            continue
        if not isinstance(obj, dict):
            problems.add(number, f"not a JSON object: found {_kind(obj)}; write {{...}}")
            continue
        objects.append((number, obj))
    if not objects:
        raise CorpusError(
            path,
            "no JSON object on any line: a .jsonl file holds one {...} object a line "
            "(a file holding one JSON array should be named .json)",
        )
    return _tabulate(objects, Lines(text).raw)


def read_json(path: Path, text: str, problems: Problems) -> Table:
    """Parse a JSON array of objects; records are numbered by element (first is 1)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CorpusError(
            path,
            f"not valid JSON ({exc.msg} at column {exc.colno}): fix it, or write one object "
            "a line as .jsonl",
            line=exc.lineno,
        ) from None
    except RecursionError:
        raise CorpusError(path, f"{TOO_DEEP}: a review file is an array of flat objects") from None
    if not isinstance(data, list):
        raise CorpusError(
            path,
            f"not a JSON array of objects (found {_kind(data)}): write "
            "[{...}, {...}] or one object a line as .jsonl",
        )
    objects: list[tuple[int, dict[str, Any]]] = []
    for number, item in enumerate(data, start=1):
        if isinstance(item, dict):
            objects.append((number, item))
        else:
            problems.add(number, f"not a JSON object: found {_kind(item)}")
    if not data:
        raise CorpusError(path, "file is empty: the JSON array holds no reviews")
    if not objects:
        raise CorpusError(path, "not a JSON array of objects: no element is an object {...}")

    def raw(number: int) -> str:
        return json.dumps(data[number - 1], ensure_ascii=False) if 0 < number <= len(data) else ""

    return _tabulate(objects, raw)
