"""Which quotes an overview shows: each side of the reception in proportion to the scope's
catalog counts, and at least one quote of a side that exists ("17 positive, 3 negative" shows
7 positive and 1 negative of 8, not 8 positive)."""

from __future__ import annotations

import math
from dataclasses import replace

from assistant.retrieval import Hit, Plan, Retriever
from assistant.scope import ScopeFacts

STANCES = ("positive", "negative", "unknown")


def quota(facts: ScopeFacts, k: int) -> dict[str, int]:
    """Quotes per stance for `k` in all: proportional (largest remainder), at least one for
    every stance the scope has while `k` allows (else the biggest sides), never more than the
    scope holds; biggest side first."""
    sizes = {"positive": facts.positive, "negative": facts.negative, "unknown": facts.unrated}
    present = {stance: n for stance, n in sizes.items() if n > 0}
    total = sum(present.values())
    if not total or k <= 0:
        return {}
    share = {stance: k * n / total for stance, n in present.items()}
    counts = {stance: min(n, max(1, math.floor(share[stance]))) for stance, n in present.items()}
    while sum(counts.values()) > k:
        biggest = max(counts, key=lambda s: (counts[s], s))
        if counts[biggest] <= 1:
            break
        counts[biggest] -= 1
    if sum(counts.values()) > k:  # fewer quotes than sides ("a quote about Fargo"): the biggest
        kept = sorted(counts, key=lambda s: (-present[s], STANCES.index(s)))[:k]
        counts = {stance: counts[stance] for stance in kept}
    while sum(counts.values()) < k:
        open_ = [s for s in counts if counts[s] < present[s]]
        if not open_:
            break
        counts[max(open_, key=lambda s: (share[s] - counts[s], present[s]))] += 1
    return dict(
        sorted(counts.items(), key=lambda item: (-present[item[0]], STANCES.index(item[0])))
    )


def balanced_hits(retriever: Retriever, plan: Plan, facts: ScopeFacts) -> list[Hit]:
    """The passages of an overview: the best of each stance, in the numbers `quota` gives."""
    hits: list[Hit] = []
    for stance, count in quota(facts, plan.k).items():
        side = replace(plan, filters=replace(plan.filters, sentiment=stance), k=count)
        hits.extend(retriever.retrieve(side))
    return hits
