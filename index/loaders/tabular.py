"""CSV text as a header and a stream of records, each with the line it starts on; the Table
and Record that every tabular format (CSV, JSON Lines, JSON) gives `build_reviews`."""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from index.errors import CorpusError
from index.loaders.lines import Line, TextFile, displayable, too_long
from index.loaders.rawrows import RawRows
from index.loaders.result import Problems

UNCLOSED = "broken CSV row: a quoted field is not closed on its line — check quoting"


class Record(NamedTuple):
    """One row: the line (or array element) it starts on, its values in column order, and
    a hash of the whole row (rows reusing an id for other content differ in it)."""

    line: int
    values: Sequence[str]
    key: int


@dataclass
class Table:
    """A file's columns and a stream of its usable rows (the others are reported)."""

    columns: list[str]
    records: Iterable[Record]


def _quoting(exc: csv.Error) -> str:
    if "expected after" in str(exc):
        return 'broken CSV row: a quote inside a quoted field is not doubled ("") — check quoting'
    return f"broken CSV row ({exc}) — check quoting"


def _broken(fields: int, header: int) -> str:
    return f"broken CSV row: {fields} fields, header has {header} — check quoting"


class _Overlong(Exception):
    """The record being read passed the row limit."""


class _Unclosed(Exception):
    """A record that may not span lines asked for a second line."""


class _Feed:
    """The lines csv.reader reads, remembering those of the record being read (`take()`),
    and lines to read again (`replay()`) after a broken record, before the file's next.

    A line read again is one record: it may not open a quote that runs on into the lines
    after it, so a re-read never swallows rows (and a file of broken rows costs linear time).
    """

    def __init__(self, lines: Iterator[Line], limit: int) -> None:
        self._lines = lines
        self._limit = limit
        self._too_long = too_long(limit)
        self._again: deque[Line] = deque()
        self._tape: list[Line] = []
        self._chars = 0
        self._single = False  # the record being read is a line read again

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        if self._tape and self._single:
            raise _Unclosed
        again = bool(self._again)
        line = self._again.popleft() if again else next(self._lines)
        if not self._tape:
            self._single = again
        self._tape.append(line)
        self._chars += len(line.text)
        if line.flaw == self._too_long or self._chars > self._limit:
            raise _Overlong
        return line.text

    def take(self) -> list[Line]:
        """The lines of the record just read (or broken); the next record starts afresh."""
        tape, self._tape, self._chars = self._tape, [], 0
        return tape

    def replay(self, lines: Sequence[Line]) -> None:
        """Read `lines` again, one record each, before the file's next line."""
        self._again.extendleft(reversed(lines))


class _CsvRows:
    """The records of CSV lines: a broken one is reported and its lines after the first are
    read again, so a stray quote that swallowed the rows after it loses only its own row.
    Quoting is read strictly: a quote inside a quoted field that is not doubled
    (`"a "b" c"`) breaks the row, which is skipped rather than read as some other text."""

    def __init__(self, lines: Iterator[Line], problems: Problems, raw: RawRows, limit: int):
        self._feed = _Feed(lines, limit)
        self._reader = csv.reader(self._feed, strict=True)
        self._problems = problems
        self._raw = raw
        self._limit = limit

    def next_row(self) -> tuple[list[str], list[Line]] | None:
        """The next well-formed CSV record and its lines; None at the end of the file."""
        while True:
            try:
                row = next(self._reader)
            except StopIteration:
                return None
            except csv.Error as exc:
                self._broken(_quoting(exc))
            except _Overlong:
                self._broken(too_long(self._limit))
            except _Unclosed:
                self._broken(UNCLOSED)
            else:
                return row, self._feed.take()

    def _broken(self, reason: str) -> None:
        tape = self._feed.take()
        self._reader = csv.reader(self._feed, strict=True)
        if not tape:
            return
        self._problems.add(tape[0].number, reason)
        self._raw.add(tape[0].number, tape[0].text)
        self._feed.replay(tape[1:])

    def records(self, width: int) -> Iterator[Record]:
        """The rows after the header that have `width` fields and no flaw."""
        while (found := self.next_row()) is not None:
            row, tape = found
            if _blank(row):
                continue
            first = tape[0].number
            if len(row) != width:
                self._problems.add(first, _broken(len(row), width))
                self._raw.add(first, tape[0].text)
                self._feed.replay(tape[1:])  # the rows after its first line are re-read
                continue
            if len(tape) == 1:  # the common case, without joining
                text, flaw = tape[0].text, tape[0].flaw
            else:
                text = "".join(line.text for line in tape)
                flaw = next((line.flaw for line in tape if line.flaw), "")
            self._raw.add(first, text)
            if flaw:
                self._problems.add(first, flaw)
                continue
            yield Record(first, row, hash(tuple(row)))


def _blank(row: list[str]) -> bool:
    return len(row) <= 1 and not "".join(row).strip()


@contextmanager
def csv_table(path: Path, file: TextFile, problems: Problems, raw: RawRows) -> Iterator[Table]:
    """The CSV file's header and its records, read as they are used (the file stays open
    inside the `with`). A file without a header row raises CorpusError."""
    with file.lines(newline="") as lines:
        rows = _CsvRows(lines, problems, raw, file.max_row_chars)
        while (found := rows.next_row()) is not None:
            header, _ = found
            if not _blank(header):
                columns = [displayable(name.strip()) for name in header]
                yield Table(columns, rows.records(len(columns)))
                return
        raise CorpusError(path, "file is empty: add a header row and reviews")
