"""Plain-text corpus files: one review a line, the film from --film, a first line or the name."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from index.loaders.cleaning import clean_field, clean_text
from index.loaders.films import film_from_file_name, film_from_line
from index.loaders.lines import Line
from index.loaders.rawrows import RawRows
from index.loaders.result import LoadResult, Problems, drop_duplicates
from index.loaders.rows import EMPTY_TEXT
from index.records import Review, stable_review_id


def load_txt(
    path: Path, lines: Iterable[Line], *, film: str | None, source: str | None = None
) -> LoadResult:
    """Reviews from the lines of a .txt file; lines starting with `#` are comments, blank
    lines are skipped, a line with a flaw (see `index.loaders.lines`) is reported.

    The film is `film` ("--film"), else a first line `# film: Title (Year)` ("first line"),
    else the file name ("file name"): `her-2013.txt` -> "Her (2013)". `source` names the
    file in reviews and problems (default: its absolute path).
    """
    source = source or str(path.resolve())
    problems = Problems(source)
    raw = RawRows()
    candidates: list[Review] = []
    title = clean_field(film or "")
    film_from: str | None = "--film" if title else None  # else decided by the first line
    for line in lines:
        stripped = line.text.strip()
        if not stripped and not line.flaw:
            continue
        if film_from is None:
            title = "" if line.flaw else film_from_line(stripped) or ""
            film_from = "first line" if title else "file name"
            title = title or film_from_file_name(path)
        if stripped.startswith("#"):
            continue
        raw.add(line.number, line.text)
        if line.flaw:
            problems.add(line.number, line.flaw)
            continue
        review = clean_text(stripped)
        if not review:
            problems.add(line.number, EMPTY_TEXT)
            continue
        review_id = stable_review_id(title, "", "", review)
        candidates.append(
            Review(id=review_id, film=title, text=review, source=source, line=line.number)
        )
    kept = drop_duplicates(candidates, problems, frozenset(r.id for r in candidates))
    return LoadResult(
        path=path,
        reviews=kept,
        problems=problems.sorted(raw),
        film_from=film_from,
        notes=[],
        raw=raw,
    )
