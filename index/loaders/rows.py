"""Turning the rows of a table (CSV, JSON Lines, JSON) into Reviews, skipping unusable rows."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

from index.loaders.cleaning import clean_field, clean_text, normalize_sentiment, parse_bool
from index.loaders.columns import ColumnPlan, plan_columns
from index.loaders.dates import parse_date
from index.loaders.films import load_movie_titles
from index.loaders.result import LoadResult, Problems, RawRow, drop_duplicates, no_raw
from index.loaders.source import NOT_UTF8, has_surrogate
from index.records import Review, stable_review_id

NO_FILM = "no film: add a film column or pass --film"
EMPTY_TEXT = "empty review text"

# An id column found by its name (not --map) whose values are reused for other content in at
# least this many rows, and this share of them, numbers rows per folder: it is not an id.
NOT_AN_ID_MIN_CONFLICTS = 20
NOT_AN_ID_SHARE = 0.05


@dataclasses.dataclass(slots=True)
class _Films:
    """Film of a row: --film, else the film column, else the film id (resolved or as is)."""

    fixed: str
    titles: dict[str, str]

    def film(self, name: str, film_id: str) -> str:
        if self.fixed or name:
            return self.fixed or name
        film_id = film_id.strip()
        return self.titles.get(film_id, film_id)


def _films(path: Path, plan: ColumnPlan, film: str | None, notes: list[str]) -> _Films:
    fixed = clean_field(film or "")
    resolver = _Films(fixed, {})
    if fixed:
        if plan.get("film") is not None:
            notes.append(f"--film {fixed!r} replaces the {plan.names['film']!r} column")
        return resolver
    id_column = plan.names.get("film_id")
    if id_column is None:
        return resolver
    movies = load_movie_titles(path, id_column)
    if movies.problem:
        notes.append(movies.problem)
    if movies.titles and movies.table is not None:
        resolver.titles = movies.titles
        notes.append(f"titles resolved from {movies.table.name}")
    elif plan.get("film") is None:
        notes.append(
            f"no film column: films are the {id_column!r} values; put a movies.csv with "
            f"{id_column!r} and title columns beside the file to show titles"
        )
    return resolver


class _Fields:
    """A row's value of each field: the first of the field's columns the row has a value in.

    Where a field has several columns (JSON Lines rows that name the text `review` in some
    rows and `Content` in others), it counts which column each row used, for a note.
    """

    def __init__(self, plan: ColumnPlan) -> None:
        self._one = {f: c[0] for f, c in plan.candidates.items() if len(c) == 1}
        self._many = {f: c for f, c in plan.candidates.items() if len(c) > 1}
        self.used: dict[str, Counter[int]] = {f: Counter() for f in self._many}

    def get(self, values: Sequence[str], field: str, *, count: bool = True) -> str:
        i = self._one.get(field)
        if i is not None:
            return values[i] if i < len(values) else ""
        for i in self._many.get(field, ()):
            if i < len(values) and values[i].strip():
                if count:
                    self.used[field][i] += 1
                return values[i]
        return ""

    def notes(self, columns: Sequence[str]) -> list[str]:
        """One line per field whose rows used different columns: which, in how many rows."""
        notes = []
        for field, counts in self.used.items():
            if len(counts) > 1:
                uses = ", ".join(
                    f"{columns[i]!r} in {n} row{'s' if n != 1 else ''}"
                    for i, n in counts.most_common()
                )
                notes.append(
                    f"rows name the {field.replace('_', ' ')} in different columns: {uses}"
                )
        return notes


def build_reviews(
    path: Path,
    columns: Sequence[str],
    records: Sequence[tuple[int, Sequence[str]]],
    problems: Problems,
    *,
    film: str | None,
    column_map: Mapping[str, str] | None,
    bad_utf8: bool,
    source: str | None = None,
    raw: RawRow = no_raw,
) -> LoadResult:
    """Reviews from `records` (line, values in `columns` order); bad rows go to `problems`.

    Each field of a row comes from the first of its columns (aliases, see `columns.py`) that
    the row has a value in. `source` names the file in reviews (default: its absolute path);
    `raw(line)` is the row as the file holds it, for the problems.
    """
    plan = plan_columns(path, columns, column_map)
    notes: list[str] = []
    films = _films(path, plan, film, notes)
    source = source or str(path.resolve())
    row = _Fields(plan)
    use_id = "id" in plan.candidates
    cleaned: dict[str, str] = {}

    def field(values: Sequence[str], name: str) -> str:
        raw = row.get(values, name)
        value = cleaned.get(raw)
        if value is None:
            value = cleaned[raw] = clean_field(raw)
        return value

    if use_id and "id" not in plan.mapped and _not_an_id(records, row):
        column = plan.names["id"]
        notes.append(
            f"the {column!r} column is not a review id (many rows reuse an id for another "
            "row): ids are computed from film, critic, outlet and text instead; pass "
            f"--map id={column} to use it anyway"
        )
        use_id = False
    candidates: list[Review] = []
    hashed: set[str] = set()
    for line, values in records:
        if bad_utf8 and any(has_surrogate(v) for v in values):
            problems.add(line, NOT_UTF8)
            continue
        text = clean_text(row.get(values, "text"))
        if not text:
            problems.add(line, EMPTY_TEXT)
            continue
        title = films.film(field(values, "film"), row.get(values, "film_id"))
        if not title:
            problems.add(line, NO_FILM)
            continue
        raw_date = row.get(values, "date").strip()
        date = parse_date(raw_date)
        if date is None:
            problems.add(line, f"bad date {raw_date!r}: use YYYY-MM-DD")
            continue
        critic, outlet = field(values, "critic"), field(values, "publication")
        review_id = row.get(values, "id").strip() if use_id else ""
        if not review_id:
            review_id = stable_review_id(title, critic, outlet, text)
            hashed.add(review_id)
        candidates.append(
            Review(
                id=review_id,
                film=title,
                text=text,
                critic=critic,
                publication=outlet,
                date=date,
                sentiment=normalize_sentiment(row.get(values, "sentiment")),
                rating=field(values, "rating"),
                top_critic=parse_bool(row.get(values, "top_critic")),
                url=row.get(values, "url").strip(),
                source=source,
                line=line,
            )
        )
    kept = drop_duplicates(candidates, problems, frozenset(hashed))
    notes.extend(row.notes(columns))
    return LoadResult(path=path, reviews=kept, problems=problems.sorted(raw), notes=notes, raw=raw)


def _not_an_id(records: Sequence[tuple[int, Sequence[str]]], row: _Fields) -> bool:
    """True when many rows reuse an earlier row's id with other values: a per-folder number."""
    first: dict[str, Sequence[str]] = {}
    reused = 0
    for _, values in records:
        key = row.get(values, "id", count=False).strip()
        if not key:
            continue
        seen = first.setdefault(key, values)
        if seen is not values and seen != values:
            reused += 1
    return reused >= NOT_AN_ID_MIN_CONFLICTS and reused >= NOT_AN_ID_SHARE * len(records)
