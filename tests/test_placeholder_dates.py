"""A date stamped on an implausible share of a file's rows is a placeholder: noted, stored as
unknown (or kept with REVIEWQA_PLACEHOLDER_DATES=keep), and review ids do not change."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest

from index.ingest import IngestReport, ingest
from index.loaders import load_file
from index.loaders.dates import placeholder_dates
from index.settings import Settings
from index.store import open_index
from tests.conftest import needs_shared
from ui.settings import load_settings

PLACEHOLDER = "2000-01-01"
PLACEHOLDER_NOTE = (
    "60 rows carry the date 2000-01-01 (60% of dated rows, none dated within 7 days of it): "
    "taken as a placeholder and stored as unknown (REVIEWQA_PLACEHOLDER_DATES=keep keeps them)"
)
KEPT_NOTE = (
    "60 rows carry the date 2000-01-01 (60% of dated rows, none dated within 7 days of it): "
    "looks like a placeholder, kept (REVIEWQA_PLACEHOLDER_DATES=keep)"
)


def spread(n: int, start: str, step: int) -> list[str]:
    """`n` dates from `start`, `step` days apart."""
    first = dt.date.fromisoformat(start)
    return [(first + dt.timedelta(days=i * step)).isoformat() for i in range(n)]


def review_rows(dates: list[str], films: int) -> list[dict[str, str]]:
    return [
        {
            "id": f"r{i}",
            "title": f"Film {i % films}",
            "critic": f"Critic {i % 9}",
            "publication": f"Outlet {i % 4}",
            "quote": f"Review {i}: a {'fine' if i % 3 else 'flat'} film, in its way number {i}.",
            "fresh": "fresh" if i % 3 else "rotten",
            "review_date": date,
        }
        for i, date in enumerate(dates)
    ]


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
        return path
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def placeholder_file(folder: Path, suffix: str) -> Path:
    """100 reviews of 20 films: 60 dated 2000-01-01 (and nothing near it), 40 over 2013."""
    dates = [PLACEHOLDER] * 60 + spread(40, "2013-01-04", 9)
    return write(folder / f"reviews{suffix}", review_rows(dates, films=20))


def stored_dates(settings: Settings, ids: list[str]) -> dict[str, str]:
    index = open_index(settings, readonly=True)
    try:
        return index.catalog.dates_of(ids)
    finally:
        index.close()


def only_file(report: IngestReport) -> tuple[list[str], int]:
    (file_report,) = report.files
    assert file_report.error is None
    return file_report.notes, file_report.reviews


IDS = [f"r{i}" for i in range(100)]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_placeholder_date_is_stored_as_unknown(
    settings: Settings, tmp_path: Path, suffix: str
) -> None:
    path = placeholder_file(tmp_path, suffix)
    notes, reviews = only_file(ingest([path], settings))
    assert reviews == 100
    assert notes == [PLACEHOLDER_NOTE]
    dates = stored_dates(settings, IDS)
    assert [dates[f"r{i}"] for i in range(60)] == [""] * 60
    assert [dates[f"r{i}"] for i in range(60, 100)] == spread(40, "2013-01-04", 9)


def test_keep_setting_keeps_them_and_ids_do_not_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = placeholder_file(tmp_path, ".csv")
    monkeypatch.setenv("REVIEWQA_PLACEHOLDER_DATES", "keep")
    keep = load_settings(home=tmp_path / "home")
    assert keep.placeholder_dates == "keep"
    notes, _ = only_file(ingest([path], keep))
    assert notes == [KEPT_NOTE]
    assert Counter(stored_dates(keep, IDS).values())[PLACEHOLDER] == 60

    # the same home, back to the default: the same 100 ids, 60 of them now without a date
    monkeypatch.delenv("REVIEWQA_PLACEHOLDER_DATES")
    unknown = load_settings(home=tmp_path / "home")
    assert unknown.placeholder_dates == "unknown"
    report = ingest([path], unknown)
    (file_report,) = report.files
    assert (file_report.added, file_report.updated, file_report.unchanged) == (0, 60, 40)
    dates = stored_dates(unknown, IDS)
    assert sorted(dates) == sorted(IDS)
    assert Counter(dates.values())[""] == 60


def test_festival_day_is_kept(settings: Settings, tmp_path: Path) -> None:
    """15 of 100 reviews on one real day (a festival premiere), the rest around it."""
    around = [d for d in spread(12, "2013-05-15", 1) if d != "2013-05-23"]
    dates = ["2013-05-23"] * 15 + [around[i % len(around)] for i in range(85)]
    path = write(tmp_path / "cannes.csv", review_rows(dates, films=12))
    notes, _ = only_file(ingest([path], settings))
    assert notes == []
    assert Counter(stored_dates(settings, IDS).values())["2013-05-23"] == 15


def test_the_rule() -> None:
    """Many rows on one date, with the week around it empty; a release day has its week."""
    real = spread(40, "2013-01-04", 9)
    assert [s.date for s in placeholder_dates([PLACEHOLDER] * 60 + real)] == [PLACEHOLDER]
    # too few rows on it, or too small a share of the dated rows
    assert placeholder_dates([PLACEHOLDER] * 49 + real) == []
    assert placeholder_dates([PLACEHOLDER] * 60 + real * 6) == []
    # unknown dates do not count as dated rows
    assert placeholder_dates([PLACEHOLDER] * 60 + [""] * 400) != []
    # a release day: half of a film's reviews, the rest in the days around it
    release = ["2024-06-14"] * 60 + ["2024-06-08"] * 60 + ["2024-06-16"] * 60
    assert placeholder_dates(release) == []
    # two placeholders are both found
    two = ["1900-01-01"] * 50 + [PLACEHOLDER] * 50 + real
    assert [s.date for s in placeholder_dates(two)] == ["1900-01-01", PLACEHOLDER]


@pytest.mark.shared
def test_cs109_placeholder_rows_are_found() -> None:
    """Loading only (no model): 6,463 of 15,563 CS109 quotes carry 2000-01-01."""
    path = needs_shared("data", "rt-critics-cs109", "critics.csv")
    loaded = load_file(path)
    assert len(loaded.reviews) == 15563
    assert (
        "6463 rows carry the date 2000-01-01 (42% of dated rows, none dated within 7 days "
        "of it): taken as a placeholder and stored as unknown "
        "(REVIEWQA_PLACEHOLDER_DATES=keep keeps them)"
    ) in loaded.notes
    # and 3 dated 1800-01-01, older than any film
    assert (
        "3 rows carry dates before 1888 (1800-01-01), older than any film: stored as unknown "
        "(REVIEWQA_PLACEHOLDER_DATES=keep keeps them)"
    ) in loaded.notes
    dates = Counter(r.date for r in loaded.reviews)
    assert dates[""] == 6463 + 3
    assert dates[PLACEHOLDER] == 0
    assert dates["2003-05-20"] == 586  # a busy real date stays
    kept = load_file(path, placeholder_dates="keep")
    assert Counter(r.date for r in kept.reviews)[PLACEHOLDER] == 6463
    assert [r.id for r in kept.reviews] == [r.id for r in loaded.reviews]


def test_a_date_older_than_any_film_is_stored_as_unknown(
    settings: Settings, tmp_path: Path
) -> None:
    """Was: 3 CS109 quotes dated 1800-01-01 made the index's dates run "1800-01-01 to ..."."""
    dates = ["1800-01-01", "1800-01-01", "1887-12-31", *spread(17, "2013-01-04", 9)]
    path = write(tmp_path / "old.csv", review_rows(dates, films=4))
    notes, reviews = only_file(ingest([path], settings))
    assert reviews == 20
    assert notes == [
        "3 rows carry dates before 1888 (1800-01-01, 1887-12-31), older than any film: stored "
        "as unknown (REVIEWQA_PLACEHOLDER_DATES=keep keeps them)"
    ]
    stored = stored_dates(settings, [f"r{i}" for i in range(20)])
    assert [stored[f"r{i}"] for i in range(3)] == ["", "", ""]
    assert [stored[f"r{i}"] for i in range(3, 20)] == spread(17, "2013-01-04", 9)
