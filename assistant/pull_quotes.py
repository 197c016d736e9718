"""Pull quotes: the sentences of a film's reviews a journalist could print on their own.

A candidate sentence is short (`MIN_WORDS`..`MAX_WORDS` words), whole (it opens with a capital
and ends with . ! or ?, with no ellipsis), stands alone (it opens with no connective such as
"But", "Still" or "He", which would lean on a sentence before it; "It" and "This" stand for
the film, which the report names) and holds one idea (no contrast: the stance module's clause
splitter finds one clause). Every clause of it takes the same side (`assistant.film_clauses`);
the strongest stance wins: on the positive side the mean of the stance head's P(positive)
over its clauses, on the negative side one minus it. One quote per critic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.film_clauses import Clause, Side
from assistant.stance import clause_spans

__all__ = ["PER_SIDE", "pull_quotes", "quotable"]

PER_SIDE = 3
MIN_WORDS = 6
MAX_WORDS = 30
MAX_CHARS = 200
TOP_CRITIC_BONUS = 0.02
# Openings that lean on what came before (grammar words, not topics).
_LEANS = frozenset(
    """and but so yet still also then however or nor because which though although plus
    instead otherwise besides nevertheless meanwhile thus hence that these those they he she
    his her their there here""".split()
)
_FIRST_WORD = re.compile(r"[A-Za-z']+")


def quotable(text: str) -> bool:
    """Short, whole, standing alone, one idea (see the module's docstring)."""
    words = text.split()
    if not MIN_WORDS <= len(words) <= MAX_WORDS or len(text) > MAX_CHARS:
        return False
    if not text[:1].isupper() or "..." in text or "…" in text:
        return False
    if text.rstrip("\"'”’)").rstrip()[-1:] not in (".", "!", "?"):
        return False
    first = _FIRST_WORD.match(text)
    if first is None or first.group().casefold() in _LEANS:
        return False
    return len(clause_spans(text)) == 1


def pull_quotes(clauses: Sequence[Clause], per_side: int = PER_SIDE) -> dict[Side, list[Clause]]:
    """The `per_side` most quotable sentences of each side, strongest stance first: for each,
    its first clause (a quote cites the clause's sentence)."""
    sentences: dict[tuple[str, tuple[int, int]], list[Clause]] = {}
    for clause in clauses:
        sentences.setdefault((clause.review.id, clause.sentence), []).append(clause)
    picked: dict[Side, list[Clause]] = {"positive": [], "negative": []}
    for side in ("positive", "negative"):
        candidates = [
            parts
            for parts in sentences.values()
            if all(c.stance == side for c in parts) and quotable(parts[0].sentence_text)
        ]
        candidates.sort(key=lambda parts: (-_strength(parts, side), parts[0].review.id))
        critics: set[str] = set()
        for parts in candidates:
            review = parts[0].review
            who = review.critic or review.publication or review.id
            if who not in critics:
                critics.add(who)
                picked[side].append(parts[0])
            if len(picked[side]) == per_side:
                break
    return picked


def _strength(parts: Sequence[Clause], side: str) -> float:
    p = sum(c.probability for c in parts) / len(parts)
    strength = p if side == "positive" else 1.0 - p
    return strength + (TOP_CRITIC_BONUS if parts[0].review.top_critic else 0.0)
