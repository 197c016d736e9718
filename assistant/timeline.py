"""A film's reviews counted: by label (`Counts`), and over time (`timeline`: by month of review
date, by year when the reviews span more than `MONTHS_BY_MONTH` months). Part of the
reception report (`assistant.reception`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from index.records import Review

__all__ = ["MONTHS_BY_MONTH", "Counts", "TimeBin", "Timeline", "timeline"]

MONTHS_BY_MONTH = 36  # a timeline spanning more months than this is drawn by year


@dataclass(frozen=True, slots=True)
class Counts:
    """Reviews and how many carry each label."""

    reviews: int = 0
    positive: int = 0
    negative: int = 0

    @property
    def unlabelled(self) -> int:
        return self.reviews - self.positive - self.negative

    @classmethod
    def of(cls, reviews: Iterable[Review]) -> Counts:
        labels = [r.sentiment for r in reviews]
        return cls(len(labels), labels.count("positive"), labels.count("negative"))

    def to_json(self) -> dict[str, int]:
        return {
            "reviews": self.reviews,
            "positive": self.positive,
            "negative": self.negative,
            "unlabelled": self.unlabelled,
        }

    def words(self) -> str:
        """'26 reviews: 20 positive, 4 negative, 2 unlabelled'."""
        noun = "review" if self.reviews == 1 else "reviews"
        return (
            f"{self.reviews} {noun}: {self.positive} positive, {self.negative} negative, "
            f"{self.unlabelled} unlabelled"
        )


@dataclass(frozen=True, slots=True)
class TimeBin:
    """The reviews dated in one month ("2019-06") or year ("2019")."""

    period: str
    counts: Counts

    @property
    def share_positive(self) -> float | None:
        """Positive share of the labelled reviews; None when none is labelled."""
        labelled = self.counts.positive + self.counts.negative
        return self.counts.positive / labelled if labelled else None

    def to_json(self) -> dict[str, Any]:
        share = self.share_positive
        return {
            "period": self.period,
            **self.counts.to_json(),
            "share_positive": None if share is None else round(share, 4),
        }


@dataclass(frozen=True, slots=True)
class Timeline:
    """Reviews by month or year of review date, every period from the first to the last."""

    unit: Literal["month", "year"]
    bins: list[TimeBin]
    undated: Counts

    def to_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "bins": [b.to_json() for b in self.bins],
            "undated": self.undated.to_json(),
        }


def timeline(reviews: Iterable[Review]) -> Timeline:
    """Reviews by month of review date, or by year when they span more than
    `MONTHS_BY_MONTH` months; every period between the first and the last is listed."""
    dated: list[tuple[int, int, Review]] = []
    undated: list[Review] = []
    for r in reviews:
        if len(r.date) >= 7 and r.date[:4].isdigit() and r.date[5:7].isdigit():
            dated.append((int(r.date[:4]), int(r.date[5:7]), r))
        else:
            undated.append(r)
    if not dated:
        return Timeline("month", [], Counts.of(undated))
    months = [y * 12 + m - 1 for y, m, _ in dated]
    by_year = max(months) - min(months) > MONTHS_BY_MONTH
    groups: dict[str, list[Review]] = {}
    if by_year:
        first, last = min(y for y, _, _ in dated), max(y for y, _, _ in dated)
        periods = [str(y) for y in range(first, last + 1)]
        for y, _, r in dated:
            groups.setdefault(str(y), []).append(r)
    else:
        periods = [f"{k // 12}-{k % 12 + 1:02d}" for k in range(min(months), max(months) + 1)]
        for y, m, r in dated:
            groups.setdefault(f"{y}-{m:02d}", []).append(r)
    bins = [TimeBin(p, Counts.of(groups.get(p, []))) for p in periods]
    return Timeline("year" if by_year else "month", bins, Counts.of(undated))
