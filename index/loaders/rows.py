"""Turning the rows of a table (CSV, JSON Lines, JSON) into Reviews, skipping unusable rows."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from index.loaders.cleaning import clean_field, clean_text, normalize_sentiment, parse_bool
from index.loaders.columns import ColumnPlan, plan_columns
from index.loaders.dates import parse_date
from index.loaders.films import load_movie_titles
from index.loaders.result import LoadResult, Problems, RawRow, drop_duplicates, no_raw
from index.loaders.tabular import Record
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
    records: Iterable[Record],
    problems: Problems,
    *,
    film: str | None,
    column_map: Mapping[str, str] | None,
    source: str | None = None,
    raw: RawRow = no_raw,
) -> LoadResult:
    """Reviews from `records` (line, values in `columns` order), read once as they come;
    bad rows go to `problems`.

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
    reuse = _IdReuse()
    cleaned: dict[str, str] = {}

    def field(values: Sequence[str], name: str) -> str:
        raw = row.get(values, name)
        value = cleaned.get(raw)
        if value is None:
            value = cleaned[raw] = clean_field(raw)
        return value

    candidates: list[Review] = []
    hashed: set[str] = set()
    for line, values, key in records:
        if use_id:
            reuse.add(row.get(values, "id", count=False).strip(), key)
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
    if use_id and "id" not in plan.mapped and reuse.not_an_id():
        column = plan.names["id"]
        notes.append(
            f"the {column!r} column is not a review id (many rows reuse an id for another "
            "row): ids are computed from film, critic, outlet and text instead; pass "
            f"--map id={column} to use it anyway"
        )
        candidates = [_with_computed_id(review) for review in candidates]
        hashed = {review.id for review in candidates}
    kept = drop_duplicates(candidates, problems, frozenset(hashed))
    notes.extend(row.notes(columns))
    return LoadResult(path=path, reviews=kept, problems=problems.sorted(raw), notes=notes, raw=raw)


def _with_computed_id(r: Review) -> Review:
    """`r` with the id computed from its content (built directly: `replace` costs 10 times)."""
    computed = stable_review_id(r.film, r.critic, r.publication, r.text)
    return Review(
        computed,
        r.film,
        r.text,
        r.critic,
        r.publication,
        r.date,
        r.sentiment,
        r.rating,
        r.top_critic,
        r.url,
        r.source,
        r.line,
    )


class _IdReuse:
    """Counts rows that reuse an earlier row's id for other content: many make the column a
    per-folder number, not an id."""

    def __init__(self) -> None:
        self._first: dict[str, int] = {}  # id -> key of the first row holding it
        self._rows = 0
        self._reused = 0

    def add(self, review_id: str, key: int) -> None:
        self._rows += 1
        if not review_id:
            return
        first = self._first.setdefault(review_id, key)
        if first != key:
            self._reused += 1

    def not_an_id(self) -> bool:
        return (
            self._reused >= NOT_AN_ID_MIN_CONFLICTS and self._reused >= NOT_AN_ID_SHARE * self._rows
        )
