"""Review dates in the forms sources write them, normalized to ISO `YYYY-MM-DD`, and the
placeholder dates (one value stamped on many rows) that stand for "unknown"."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from index.records import Review

_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_MONTH_DAY_YEAR = re.compile(r"([A-Za-z]+)\.? (\d{1,2}),? (\d{4})")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2}) ([A-Za-z]+)\.?,? (\d{4})")

_MONTH_NAMES = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
MONTHS: dict[str, int] = {name: number for number, name in enumerate(_MONTH_NAMES, start=1)}
MONTHS.update({name[:3]: number for name, number in list(MONTHS.items())})
MONTHS["sept"] = 9

DATE_FORMS = (
    "2013-12-18",
    "2013-12-18 00:00:00",
    "2013-12-18T10:00:00Z",
    "12/18/2013",
    "December 18, 2013",
    "Dec 18, 2013",
    "18 December 2013",
)


def _iso(year: str, month: int | str | None, day: str) -> str | None:
    if month is None:
        return None
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


@lru_cache(maxsize=16384)
def parse_date(value: str) -> str | None:
    """`YYYY-MM-DD` for any form in DATE_FORMS, "" for an empty value, None when unparseable."""
    value = " ".join(value.split())
    if not value:
        return ""
    if match := _ISO.fullmatch(value):
        return _iso(match[1], match[2], match[3])
    if match := _SLASHED.fullmatch(value):
        return _iso(match[3], match[1], match[2])
    if match := _MONTH_DAY_YEAR.fullmatch(value):
        return _iso(match[3], MONTHS.get(match[1].lower()), match[2])
    if match := _DAY_MONTH_YEAR.fullmatch(value):
        return _iso(match[3], MONTHS.get(match[2].lower()), match[1])
    return None


PlaceholderMode = Literal["unknown", "keep"]

# A placeholder date ("date unknown" written as a real day, e.g. 2000-01-01 on 6,463 of the
# 15,563 CS109 quotes) is one value that many of a file's dated rows carry while the days
# around it are empty. A real busy day (a release or festival day) has a week around it:
# measured on the shared Rotten Tomatoes files, a film's biggest day holds up to 38% of its
# reviews (and 85% of a 20-review film) but the 7 days either side hold 1.4-3x as many rows;
# the placeholders (2000-01-01 in both files) have none. A date is taken as a placeholder
# when all three hold:
PLACEHOLDER_MIN_ROWS = 50  # it dates at least this many rows
PLACEHOLDER_MIN_SHARE = 0.20  # and more than this share of the file's dated rows
PLACEHOLDER_NEAR_DAYS = 7  # and the days this close to it, either side,
PLACEHOLDER_NEAR_RATIO = 0.25  # date fewer rows than this share of its own


@dataclass(frozen=True, slots=True)
class SharedDate:
    """A date that too many of a file's rows carry, with what made it implausible."""

    date: str
    rows: int
    dated: int  # the file's rows with a date
    near: int  # rows dated within PLACEHOLDER_NEAR_DAYS of it (the day itself left out)

    def note(self, mode: PlaceholderMode) -> str:
        """What ingest says about it in the file's summary."""
        near = "none" if not self.near else f"only {self.near}"
        found = (
            f"{self.rows} rows carry the date {self.date} ({self.rows / self.dated:.0%} of dated "
            f"rows, {near} dated within {PLACEHOLDER_NEAR_DAYS} days of it)"
        )
        if mode == "keep":
            return f"{found}: looks like a placeholder, {_done(mode)}"
        return f"{found}: taken as a placeholder and {_done(mode)}"


def _done(mode: PlaceholderMode) -> str:
    """What ingest did with the dates a note is about, and the setting that decides it."""
    if mode == "keep":
        return "kept (REVIEWQA_PLACEHOLDER_DATES=keep)"
    return "stored as unknown (REVIEWQA_PLACEHOLDER_DATES=keep keeps them)"


def placeholder_dates(dates: Iterable[str]) -> list[SharedDate]:
    """The values among one file's ISO dates ("" = unknown) that look like placeholders."""
    counts = Counter(date for date in dates if date)
    dated = sum(counts.values())
    found: list[SharedDate] = []
    for date, rows in sorted(counts.items()):
        if rows < PLACEHOLDER_MIN_ROWS or rows <= PLACEHOLDER_MIN_SHARE * dated:
            continue
        day = dt.date.fromisoformat(date)
        near = sum(
            counts.get((day + dt.timedelta(days=offset)).isoformat(), 0)
            for offset in range(-PLACEHOLDER_NEAR_DAYS, PLACEHOLDER_NEAR_DAYS + 1)
            if offset
        )
        if near < PLACEHOLDER_NEAR_RATIO * rows:
            found.append(SharedDate(date, rows, dated, near))
    return found


# No review is older than the films: a date before the first ("Roundhay Garden Scene", 1888)
# stands for "unknown" (3 CS109 quotes are dated 1800-01-01).
EARLIEST_REVIEW_DATE = "1888-01-01"


def drop_placeholder_dates(
    reviews: list[Review], mode: PlaceholderMode
) -> tuple[list[Review], list[str]]:
    """One file's reviews with placeholder dates, and dates older than any film, made unknown
    ("") unless `mode` is "keep", and a note on each found. Nothing else of a review changes
    (its id included)."""
    found = placeholder_dates(r.date for r in reviews)
    notes = [shared.note(mode) for shared in found]
    early = Counter(r.date for r in reviews if r.date and r.date < EARLIEST_REVIEW_DATE)
    if early:
        rows = sum(early.values())
        dates = ", ".join(sorted(early)[:3]) + (", ..." if len(early) > 3 else "")
        notes.append(
            f"{rows} {'row carries a date' if rows == 1 else 'rows carry dates'} before "
            f"{EARLIEST_REVIEW_DATE[:4]} ({dates}), older than any film: {_done(mode)}"
        )
    if (not found and not early) or mode == "keep":
        return reviews, notes
    unknown = {shared.date for shared in found} | set(early)
    return [dataclasses.replace(r, date="") if r.date in unknown else r for r in reviews], notes
