"""The facts of an answer's scope, from the catalog: how many reviews the asked film(s) have
(narrowed by critic, outlet, dates, top critics; never by the stance asked), how many are
positive or negative, and who wrote them. Every number an answer states comes from here, never
from what retrieval happened to return."""

from __future__ import annotations

from dataclasses import dataclass, replace

from assistant.filters import Filters
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


def scope_filters(filters: Filters) -> Filters:
    """`filters` without the stance: the scope a stance question counts within."""
    return replace(filters, sentiment=None, exclude_reviews=())


def scope_facts(index: Index, filters: Filters) -> ScopeFacts:
    """Reviews, positive and negative in the scope of `filters` (stance ignored)."""
    where, params = scope_filters(filters).sql("r")
    reviews, positive, negative = index.catalog.execute(
        "SELECT count(*), coalesce(sum(r.sentiment = 'positive'), 0), "
        f"coalesce(sum(r.sentiment = 'negative'), 0) FROM reviews r WHERE {where}",
        params,
    ).fetchone()
    return ScopeFacts(int(reviews), int(positive), int(negative))


def stance_critics(index: Index, filters: Filters, stance: str) -> list[str]:
    """Who wrote the reviews of `stance` in scope: each critic once (their outlet when the
    review names no critic), in the order their reviews were dated, undated last."""
    where, params = scope_filters(filters).sql("r")
    rows = index.catalog.execute(
        "SELECT CASE WHEN r.critic != '' THEN r.critic ELSE r.publication END AS who "
        f"FROM reviews r WHERE {where} AND r.sentiment = ? AND who != '' "
        "ORDER BY r.date = '', r.date, who",
        [*params, stance],
    ).fetchall()
    return list(dict.fromkeys(str(r[0]) for r in rows))
