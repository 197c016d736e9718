"""Review dates in the forms sources write them, normalized to ISO `YYYY-MM-DD`."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

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
