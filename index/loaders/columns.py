"""Which column of a table holds which review field: aliases, `--map` overrides, the plan."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.errors import ConfigError, CorpusError
from index.loaders.lines import one_line

# First match wins, in this order, comparing names case-insensitively.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "text": ("text", "quote", "review", "content", "body"),
    "film": ("film", "title", "movie", "movieTitle"),
    "critic": ("critic", "criticName", "author", "reviewer"),
    "publication": ("publication", "publicationName", "outlet", "source"),
    "date": ("date", "review_date", "creationDate"),
    "sentiment": ("fresh", "reviewState", "isFresh", "scoreSentiment", "label", "sentiment"),
    "rating": ("rating", "originalScore", "score"),
    "top_critic": ("isTopCritic", "top_critic"),
    "url": ("url", "reviewUrl"),
    "id": ("id", "review_id", "reviewId"),
    "film_id": ("movieId", "imdb", "imdb_title_id"),
}

SHOWN_COLUMNS = 20
_MAP_FORM = "FIELD=COLUMN pairs separated by commas, e.g. --map text=quote,film=title"


def _fields() -> str:
    return ", ".join(FIELD_ALIASES)


def parse_column_map(spec: str | None) -> dict[str, str]:
    """`"text=quote,film=title"` -> `{"text": "quote", "film": "title"}`; None or "" -> {}."""
    mapping: dict[str, str] = {}
    if spec is None or not spec.strip():
        return mapping
    for pair in spec.split(","):
        field, sep, column = (part.strip() for part in pair.partition("="))
        if not sep or not field or not column:
            raise ConfigError(f"--map expects {_MAP_FORM}; got {pair.strip()!r} in {spec!r}")
        field = field.lower()
        if field not in FIELD_ALIASES:
            raise ConfigError(f"--map names an unknown field {field!r}: the fields are {_fields()}")
        if field in mapping:
            raise ConfigError(f"--map maps {field!r} twice: give each field one column")
        mapping[field] = column
    return mapping


def found_columns(columns: Sequence[str]) -> str:
    """`[a, b, c]`: the columns of a file, for error messages; past the first
    `SHOWN_COLUMNS`, how many more (a header of 5,000 columns stays one readable line)."""
    shown = ", ".join(one_line(name) for name in columns[:SHOWN_COLUMNS])
    more = len(columns) - SHOWN_COLUMNS
    return f"[{shown}, ... and {more:,} more]" if more > 0 else f"[{shown}]"


@dataclass(frozen=True, slots=True)
class ColumnPlan:
    """For each review field, the index of the column holding it (absent: no such column).

    `candidates[field]` are all the columns that may hold the field, in alias order: a row
    takes the first of them it has a value in (rows of JSON Lines may name a field
    differently). A field given by --map has only its mapped column.
    """

    index: dict[str, int]
    names: dict[str, str]
    mapped: frozenset[str]
    candidates: dict[str, tuple[int, ...]]

    def get(self, field: str) -> int | None:
        return self.index.get(field)


def plan_columns(
    path: Path, columns: Sequence[str], column_map: Mapping[str, str] | None = None
) -> ColumnPlan:
    """Match `columns` to review fields; `column_map` wins over the aliases.

    A mapped column that is missing, or no text column at all, raises CorpusError naming the
    columns found and the fix.
    """
    by_name: dict[str, int] = {}
    all_by_name: dict[str, list[int]] = {}
    for i, name in enumerate(columns):
        by_name.setdefault(name.strip().lower(), i)
        all_by_name.setdefault(name.strip().lower(), []).append(i)
    overrides = {field.lower(): column for field, column in (column_map or {}).items()}
    unknown = sorted(set(overrides) - set(FIELD_ALIASES))
    if unknown:
        raise ConfigError(
            f"column map names unknown field(s) {', '.join(unknown)}: the fields are {_fields()}"
        )
    index: dict[str, int] = {}
    candidates: dict[str, tuple[int, ...]] = {}
    for field, column in overrides.items():
        position = by_name.get(column.strip().lower())
        if position is None:
            raise CorpusError(
                path,
                f"no column {column!r} (from --map {field}={column}): found columns "
                f"{found_columns(columns)}; map {field} to one of these",
            )
        index[field] = position
        candidates[field] = (position,)
    for field, aliases in FIELD_ALIASES.items():
        if field in index:
            continue
        found = tuple(i for alias in aliases for i in all_by_name.get(alias.lower(), ()))
        if found:
            index[field] = found[0]
            candidates[field] = found
    if "text" not in index:
        raise CorpusError(
            path,
            f"no review text column: found columns {found_columns(columns)}; name one of "
            f"{'|'.join(FIELD_ALIASES['text'])} or pass --map text=COLUMN",
        )
    names = {field: columns[i] for field, i in index.items()}
    return ColumnPlan(index=index, names=names, mapped=frozenset(overrides), candidates=candidates)
