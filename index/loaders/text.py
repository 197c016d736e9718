"""Plain-text corpus files: one review a line, the film from --film, a first line or the name."""

from __future__ import annotations

from pathlib import Path

from index.loaders.cleaning import clean_field, clean_text
from index.loaders.films import film_from_file_name, film_from_line
from index.loaders.result import LoadResult, Problems, drop_duplicates
from index.loaders.rows import EMPTY_TEXT
from index.loaders.source import NOT_UTF8, has_surrogate
from index.records import Review, stable_review_id


def load_txt(
    path: Path, text: str, *, film: str | None, bad_utf8: bool, source: str | None = None
) -> LoadResult:
    """Reviews from a .txt file; lines starting with `#` are comments, blank lines are skipped.

    The film is `film` ("--film"), else a first line `# film: Title (Year)` ("first line"),
    else the file name ("file name"): `her-2013.txt` -> "Her (2013)". `source` names the
    file in reviews and problems (default: its absolute path).
    """
    lines = [line.rstrip("\r") for line in text.split("\n")]
    first = next((line for line in lines if line.strip()), "")
    title, film_from = clean_field(film or ""), "--film"
    if not title:
        title, film_from = film_from_line(first) or "", "first line"
    if not title:
        title, film_from = film_from_file_name(path), "file name"
    source = source or str(path.resolve())
    problems = Problems(source)
    candidates: list[Review] = []
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if bad_utf8 and has_surrogate(line):
            problems.add(number, NOT_UTF8)
            continue
        review = clean_text(stripped)
        if not review:
            problems.add(number, EMPTY_TEXT)
            continue
        review_id = stable_review_id(title, "", "", review)
        candidates.append(Review(id=review_id, film=title, text=review, source=source, line=number))
    kept = drop_duplicates(candidates, problems, frozenset(r.id for r in candidates))

    def raw(number: int) -> str:
        return lines[number - 1] if 1 <= number <= len(lines) else ""

    return LoadResult(
        path=path,
        reviews=kept,
        problems=problems.sorted(raw),
        film_from=film_from,
        notes=[],
        raw=raw,
    )
