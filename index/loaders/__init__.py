"""Corpus file readers: find the files, read each into Reviews and the rows it had to skip.

    discover(paths)            the supported files under the given files and folders
    load_file(path, ...)       one file -> LoadResult(reviews, problems, film_from, notes)
    parse_column_map(spec)     "--map text=quote,film=title" -> {"text": "quote", ...}

Formats: .txt (one review a line), .csv, .jsonl, .json (an array of objects), and the
gzipped .csv.gz, .jsonl.gz, .json.gz. A file that cannot be used at all raises CorpusError;
a row that cannot be used becomes a RowProblem and the rows around it are kept.

Files are read as streams, never whole (`source` opens, `lines` decodes, `tabular`,
`jsontable` and `text` parse): a row holding a NUL, bytes that are not UTF-8 or more than
the row limit is skipped with its line; a file past REVIEWQA_MAX_DECOMPRESSED_BYTES (read or
gunzipped) is refused. Memory follows the reviews a file gives, not its size.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from index.loaders.columns import parse_column_map
from index.loaders.dates import PlaceholderMode, drop_placeholder_dates
from index.loaders.discover import discover
from index.loaders.jsontable import json_table, jsonl_table
from index.loaders.lines import MAX_REVIEW_SETTING, TextFile, row_limit
from index.loaders.rawrows import RawRows
from index.loaders.result import LoadResult, Problems
from index.loaders.rows import build_reviews
from index.loaders.source import (
    MAX_DECOMPRESSED_SETTING,
    SUPPORTED_SUFFIXES,
    refuse_folder,
    require_suffix,
    resolved,
)
from index.loaders.tabular import csv_table
from index.loaders.text import load_txt
from index.records import RowProblem
from index.settings import DEFAULT_MAX_DECOMPRESSED_BYTES, DEFAULT_MAX_REVIEW_CHARS

__all__ = ["SUPPORTED_SUFFIXES", "LoadResult", "discover", "load_file", "parse_column_map"]

_TABLES = {".csv": csv_table, ".jsonl": jsonl_table, ".json": json_table}


def load_file(
    path: Path,
    *,
    film: str | None = None,
    column_map: Mapping[str, str] | None = None,
    max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES,
    limit_name: str = MAX_DECOMPRESSED_SETTING,
    placeholder_dates: PlaceholderMode = "unknown",
    source: str | None = None,
    max_review_chars: int = DEFAULT_MAX_REVIEW_CHARS,
) -> LoadResult:
    """Read one corpus file; `film` (--film) sets every review's film, `column_map` (--map)
    names the column of a field where the automatic match gets it wrong. A file that holds
    (or, gzipped, expands to) more than `max_decompressed_bytes` is refused naming
    `limit_name`. A date that stands in for "unknown" on many rows (see
    `index.loaders.dates.placeholder_dates`) is noted and, unless `placeholder_dates` is
    "keep", made unknown (""). `source` is the name reviews and skipped rows carry (default:
    the file's absolute path). A review longer than `max_review_chars` is skipped and
    reported with its line, the rows around it kept.

    The file is read as a stream, never held whole: memory follows the reviews kept, not
    the file. A gzipped CSV is read through once first, to refuse a bomb before any row;
    JSON is read twice anyway (its keys, then its rows).
    """
    path = Path(path)
    refuse_folder(path)
    suffix = require_suffix(path)
    file = TextFile(
        path,
        max_bytes=max_decompressed_bytes,
        limit_name=limit_name,
        max_row_chars=row_limit(max_review_chars),
    )
    source = source or str(resolved(path))
    if suffix == ".txt":
        with file.lines() as lines:
            result = load_txt(path, lines, film=film, source=source)
        return _capped(result, max_review_chars)
    kind = suffix.removesuffix(".gz")
    if kind == ".csv" and suffix.endswith(".gz"):
        file.measure()  # a bomb is refused before any row is read (JSON is read twice anyway)
    problems = Problems(source, "element" if kind == ".json" else "line")
    raw = RawRows()
    with _TABLES[kind](path, file, problems, raw) as table:
        result = build_reviews(
            path,
            table.columns,
            table.records,
            problems,
            film=film,
            column_map=column_map,
            source=source,
            raw=raw,
        )
    result.reviews, notes = drop_placeholder_dates(result.reviews, placeholder_dates)
    result.notes.extend(notes)
    return _capped(result, max_review_chars)


def _capped(result: LoadResult, max_chars: int) -> LoadResult:
    """`result` without its reviews over `max_chars` characters, each reported by line."""
    kept = []
    for review in result.reviews:
        if len(review.text) <= max_chars:
            kept.append(review)
            continue
        reason = (
            f"review is {len(review.text):,} characters; the limit is {max_chars:,} "
            f"({MAX_REVIEW_SETTING}): split it or raise the limit"
        )
        result.problems.append(RowProblem(review.source, review.line, reason))
    result.reviews = kept
    return result
