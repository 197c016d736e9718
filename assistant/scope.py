"""The facts of an answer's scope, from the catalog: how many reviews the asked film(s) have
(narrowed by critic, outlet, dates, top critics; never by the stance asked), how many are
positive or negative, and who wrote them. Every number an answer states comes from here, never
from what retrieval happened to return."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from index.filters import Filters
from index.store import Index


@dataclass(frozen=True, slots=True)
class ScopeFacts:
    """Review counts of one scope."""

    reviews: int
    positive: int
    negative: int

    @property
    def unrated(self) -> int:
        return self.reviews - self.positive - self.negative

    def of(self, stance: str) -> int:
        return self.positive if stance == "positive" else self.negative

    def percent(self, stance: str) -> int:
        """The stance's share of all reviews in scope, rounded to a whole percent."""
        return round(100 * self.of(stance) / self.reviews) if self.reviews else 0

    @classmethod
    def of_labels(cls, labels: Iterable[tuple[str, str]]) -> ScopeFacts:
        """The counts of the reviews in (review id, sentiment) pairs, each review once."""
        by_review: dict[str, str] = {}
        for review_id, sentiment in labels:
            by_review.setdefault(review_id, sentiment)
        sentiments = list(by_review.values())
        return cls(len(sentiments), sentiments.count("positive"), sentiments.count("negative"))


def scope_filters(filters: Filters) -> Filters:
    """`filters` without the stance: the scope a stance question counts within."""
    return replace(filters, sentiment=None, exclude_reviews=())


def scope_facts(index: Index, filters: Filters) -> ScopeFacts:
    """Reviews, positive and negative in the scope of `filters` (stance ignored)."""
    return ScopeFacts(*index.catalog.stance_counts(scope_filters(filters)))


def stance_critics(index: Index, filters: Filters, stance: str) -> list[str]:
    """Who wrote the reviews of `stance` in scope: each critic once (their outlet when the
    review names no critic), in the order their reviews were dated, undated last."""
    return index.catalog.writers(replace(scope_filters(filters), sentiment=stance))
