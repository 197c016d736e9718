"""Where a review's film comes from: a file name, a `# film:` line, or a `movies.csv` table."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from index.errors import CorpusError
from index.loaders.cleaning import clean_field
from index.loaders.columns import found_columns
from index.loaders.lines import TextFile, flaw_of

MOVIE_TABLES = ("movies.csv", "movies.csv.gz")
_TITLE_COLUMNS = ("movietitle", "title")
_YEAR_COLUMNS = ("movieyear", "year")
_TRAILING_YEAR = re.compile(r"^(.*?)[-_ ]+\(?(\d{4})\)?$")
_FILM_LINE = re.compile(r"#\s*film\s*:(.*)", re.IGNORECASE)


def film_from_file_name(path: Path) -> str:
    """`her-2013.txt` -> "Her (2013)": a trailing year in parentheses, words capitalized."""
    stem = path.name[: -len(".txt")] if path.name.lower().endswith(".txt") else path.stem
    year = ""
    if match := _TRAILING_YEAR.match(stem):
        stem, year = match[1], match[2]
    words = stem.replace("_", " ").replace("-", " ").split()
    title = " ".join(word[:1].upper() + word[1:] for word in words)
    if year:
        return f"{title} ({year})" if title else year
    return title


def film_from_line(line: str) -> str | None:
    """The film named by a `# film: Title (Year)` line, or None for any other line."""
    match = _FILM_LINE.fullmatch(line.strip())
    if match is None:
        return None
    return clean_field(match[1]) or None


def is_movie_table(path: Path) -> bool:
    """True for `movies.csv` / `movies.csv.gz`: a title lookup table when beside a corpus file."""
    return path.name.lower() in MOVIE_TABLES


@dataclass
class MovieTitles:
    """Film ids resolved to "Title (Year)" from a `movies.csv` beside the corpus file."""

    titles: dict[str, str] = field(default_factory=dict)
    table: Path | None = None
    problem: str = ""


def _year(value: str) -> str:
    value = value.strip()
    return value[:-2] if value.endswith(".0") else value


def load_movie_titles(corpus: Path, id_column: str) -> MovieTitles:
    """Read the `movies.csv` next to `corpus` keyed by `id_column`; empty when there is none."""
    for name in MOVIE_TABLES:
        table = corpus.parent / name
        if table.is_file() and table.resolve() != corpus.resolve():
            break
    else:
        return MovieTitles()
    try:
        with TextFile(table).lines(newline="") as lines:
            return _read_titles(table, (line.text for line in lines), id_column)
    except CorpusError as exc:
        return MovieTitles(table=table, problem=f"{table.name} ignored: {exc}")
    except csv.Error as exc:
        return MovieTitles(table=table, problem=f"{table.name} ignored: broken CSV ({exc})")


def _read_titles(table: Path, lines: Iterator[str], id_column: str) -> MovieTitles:
    """The titles in the CSV `lines` of `table`; broken CSV raises csv.Error."""
    rows = csv.reader(lines)
    header = [name.strip().lower() for name in next(rows, [])]
    want = id_column.strip().lower()
    title_col = next((header.index(c) for c in _TITLE_COLUMNS if c in header), None)
    if want not in header or title_col is None:
        return MovieTitles(
            table=table,
            problem=(
                f"{table.name} ignored: it needs a {id_column!r} column and a movieTitle or "
                f"title column; found {found_columns(header)}"
            ),
        )
    id_col = header.index(want)
    year_col = next((header.index(c) for c in _YEAR_COLUMNS if c in header), None)
    titles: dict[str, str] = {}
    for row in rows:
        if len(row) != len(header):
            continue
        key, title = row[id_col].strip(), clean_field(row[title_col])
        if not key or not title or flaw_of(key + title):
            continue
        year = _year(row[year_col]) if year_col is not None else ""
        if year and not title.endswith(f"({year})"):
            title = f"{title} ({year})"
        titles.setdefault(key, title)
    return MovieTitles(titles=titles, table=table)
