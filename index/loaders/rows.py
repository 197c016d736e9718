"""Turning the rows of a table (CSV, JSON Lines, JSON) into Reviews, skipping unusable rows."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path

from index.loaders.cleaning import clean_field, clean_text, normalize_sentiment, parse_bool
from index.loaders.columns import ColumnPlan, plan_columns
from index.loaders.dates import parse_date
from index.loaders.films import load_movie_titles
from index.loaders.result import LoadResult, Problems, drop_duplicates
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


def build_reviews(
    path: Path,
    columns: Sequence[str],
    records: Sequence[tuple[int, Sequence[str]]],
    problems: Problems,
    *,
    film: str | None,
    column_map: Mapping[str, str] | None,
    bad_utf8: bool,
) -> LoadResult:
    """Reviews from `records` (line, values in `columns` order); bad rows go to `problems`."""
    plan = plan_columns(path, columns, column_map)
    notes: list[str] = []
    films = _films(path, plan, film, notes)
    source = str(path.resolve())
    text_i = plan.index["text"]
    film_i, film_id_i = plan.get("film"), plan.get("film_id")
    date_i, id_i = plan.get("date"), plan.get("id")
    critic_i, outlet_i = plan.get("critic"), plan.get("publication")
    sentiment_i, rating_i = plan.get("sentiment"), plan.get("rating")
    top_i, url_i = plan.get("top_critic"), plan.get("url")
    fields: dict[str, str] = {}

    def value(values: Sequence[str], i: int | None) -> str:
        return values[i] if i is not None and i < len(values) else ""

    def field(values: Sequence[str], i: int | None) -> str:
        raw = value(values, i)
        cleaned = fields.get(raw)
        if cleaned is None:
            cleaned = fields[raw] = clean_field(raw)
        return cleaned

    if id_i is not None and "id" not in plan.mapped and _not_an_id(records, id_i):
        column = plan.names["id"]
        notes.append(
            f"the {column!r} column is not a review id (many rows reuse an id for another "
            "row): ids are computed from film, critic, outlet and text instead; pass "
            f"--map id={column} to use it anyway"
        )
        id_i = None
    candidates: list[Review] = []
    hashed: set[str] = set()
    for line, values in records:
        if bad_utf8 and any(has_surrogate(v) for v in values):
            problems.add(line, NOT_UTF8)
            continue
        text = clean_text(value(values, text_i))
        if not text:
            problems.add(line, EMPTY_TEXT)
            continue
        title = films.film(field(values, film_i), value(values, film_id_i))
        if not title:
            problems.add(line, NO_FILM)
            continue
        raw_date = value(values, date_i).strip()
        date = parse_date(raw_date)
        if date is None:
            problems.add(line, f"bad date {raw_date!r}: use YYYY-MM-DD")
            continue
        critic, outlet = field(values, critic_i), field(values, outlet_i)
        review_id = value(values, id_i).strip()
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
                sentiment=normalize_sentiment(value(values, sentiment_i)),
                rating=field(values, rating_i),
                top_critic=parse_bool(value(values, top_i)),
                url=value(values, url_i).strip(),
                source=source,
                line=line,
            )
        )
    kept = drop_duplicates(candidates, problems, frozenset(hashed))
    return LoadResult(path=path, reviews=kept, problems=problems.sorted(), notes=notes)


def _not_an_id(records: Sequence[tuple[int, Sequence[str]]], id_i: int) -> bool:
    """True when many rows reuse an earlier row's id with other values: a per-folder number."""
    first: dict[str, Sequence[str]] = {}
    reused = 0
    for _, values in records:
        key = values[id_i].strip() if id_i < len(values) else ""
        if not key:
            continue
        seen = first.setdefault(key, values)
        if seen is not values and seen != values:
            reused += 1
    return reused >= NOT_AN_ID_MIN_CONFLICTS and reused >= NOT_AN_ID_SHARE * len(records)
