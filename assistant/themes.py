"""What a film's critics talk about, found in its own reviews: the clauses of its reviews
(`assistant.film_clauses`) are clustered by meaning and each cluster is named by the phrase
most characteristic of it, taken from the reviews themselves. No list of aspects or synonyms
is involved: "the score soars", "the songs are lovely" and "Randy Newman's music" fall
together because their vectors are near, and the cluster is called by whichever words its
clauses share and the film's other clauses lack.

1. The clause vectors are centred on the film's mean (what every review of the film shares,
   its title and its general praise, is taken out) and clustered agglomeratively (average
   linkage, cosine distance, stopping at `DISTANCE`).
2. A cluster is named by its most characteristic phrase of one to three words: the one
   maximising coverage x purity, i.e. (share of the cluster's reviews using it) x (share of
   the film's reviews using it that fall in the cluster), among those with a coverage of
   `MIN_COVERAGE` and a purity of `MIN_PURITY` at least. A phrase neither starts nor ends with
   a function word, nor is made only of the film's title words.
3. A named cluster raised by `MIN_REVIEWS` reviews at least is a theme; clusters named by the
   same phrase are one theme. A review counts once in a theme, by its clause nearest the
   theme's centre; that clause's stance is the review's stance on the theme.

`bench/report_themes.py` measures the themes against the Pixar semantic dev set (BENCHMARKS.md).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant.film_clauses import Clause, FilmClauses, Side
from index.names import split_year

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["Cluster", "find_themes", "phrase_keys"]

DISTANCE = 0.9  # cosine distance at which agglomerative clustering stops merging
MIN_REVIEWS = 3  # reviews a theme needs
MIN_COVERAGE = 0.25  # share of a theme's reviews that use its name
MIN_PURITY = 0.3  # share of the film's reviews using the name that fall in the theme
MOST_THEMES = 8
QUOTES_PER_SIDE = 2
NAMED_BONUS = 0.2  # a clause using the theme's name ranks as if this much nearer the centre

# Function words (grammar, not topics): a phrase neither starts nor ends with one.
FUNCTION_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each even
    ever every few for from further had has have having he her here hers herself him himself
    his how i if in into is isn't it it's its itself just least less let's many me more most
    much my myself never no nor not now of off on once one only or other our ours out over own
    quite rather same she should so some such than that that's the their theirs them
    themselves then there there's these they this those though through to too under until up
    upon us very was we were what when where whether which while who whom whose why will with
    within without would yet you your yours you'll you're one's""".split()
)
_TOKEN = re.compile(r"[^\W_](?:[\w'’-]*[^\W_])?")

Phrases = dict[tuple[str, ...], tuple[int, int]]  # phrase key -> its first span in a clause


@dataclass(eq=False)
class Cluster:
    """A theme: its name (a phrase from the reviews), its clauses (one per review: the one
    nearest its centre, nearest first) and its centre (unit length, not centred on the film,
    for comparing films)."""

    label: str
    key: tuple[str, ...]
    clauses: list[Clause]
    centre: npt.NDArray[np.float32]
    named_by: int  # reviews whose clause in the theme uses the name
    by_side: dict[Side, list[Clause]] = field(default_factory=dict)

    @property
    def reviews(self) -> int:
        return len(self.clauses)

    def count(self, side: Side) -> int:
        return sum(1 for c in self.clauses if c.stance == side)

    def quotes(self, side: Side) -> list[Clause]:
        """The `QUOTES_PER_SIDE` clauses on `side` nearest the theme's centre (the name's
        users first, by `NAMED_BONUS`)."""
        return self.by_side.get(side, [])[:QUOTES_PER_SIDE]


def phrase_keys(text: str, most: int = 3) -> list[tuple[tuple[str, ...], int, int]]:
    """(lower-cased words, start, end) of every phrase of 1..`most` words of `text` that
    neither starts nor ends with a function word."""
    tokens = [
        (m.group().casefold().replace("’", "'"), m.start(), m.end()) for m in _TOKEN.finditer(text)
    ]
    found = []
    for i in range(len(tokens)):
        if tokens[i][0] in FUNCTION_WORDS:
            continue
        for n in range(1, most + 1):
            if i + n > len(tokens) or tokens[i + n - 1][0] in FUNCTION_WORDS:
                continue
            words = tuple(t[0] for t in tokens[i : i + n])
            found.append((words, tokens[i][1], tokens[i + n - 1][2]))
    return found


def find_themes(table: FilmClauses, most: int = MOST_THEMES) -> list[Cluster]:
    """The film's themes, most reviews first (see the module's docstring)."""
    import numpy as np

    if len(table.clauses) < 2:
        return []
    centred = table.vectors - table.vectors.mean(axis=0)
    centred /= np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-9)
    title = {word for words, _, _ in phrase_keys(split_year(table.film)[0], 1) for word in words}
    phrases = [_phrases(c.text, title) for c in table.clauses]
    film_uses: Counter[tuple[str, ...]] = Counter()
    for keys in _review_phrases(table.clauses, phrases).values():
        film_uses.update(keys)
    named: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for members in _groups(_cluster(centred)):
        reviews = len({table.clauses[i].review.id for i in members})
        if reviews >= MIN_REVIEWS:
            key = _best_phrase(members, table.clauses, phrases, film_uses, reviews)
            if key is not None:
                named[key].extend(members)
    themes = [_theme(key, members, table, centred, phrases) for key, members in named.items()]
    found = [t for t in themes if t is not None]
    found.sort(key=lambda t: (-t.reviews, t.label))
    return found[:most]


def _cluster(vectors: npt.NDArray[np.float32]) -> list[int]:
    """Average-linkage clusters by cosine distance, cut at DISTANCE (scipy: a third of the
    import time of scikit-learn's equivalent, the same partition)."""
    import numpy as np
    from scipy.cluster.hierarchy import fcluster, linkage

    tree = linkage(np.asarray(vectors, dtype=np.float64), method="average", metric="cosine")
    return [int(label) for label in fcluster(tree, t=DISTANCE, criterion="distance")]


def _groups(labels: list[int]) -> list[list[int]]:
    groups: dict[int, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        groups[label].append(i)
    return list(groups.values())


def _phrases(text: str, title: set[str]) -> Phrases:
    """The clause's phrases (not made only of title words), each with its first span."""
    found: Phrases = {}
    for words, start, end in phrase_keys(text):
        if all(w in title for w in words) or not any(len(w) > 2 and w.isalpha() for w in words):
            continue
        found.setdefault(words, (start, end))
    return found


def _review_phrases(
    clauses: Sequence[Clause], phrases: Sequence[Phrases]
) -> dict[str, set[tuple[str, ...]]]:
    by_review: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for clause, keys in zip(clauses, phrases, strict=True):
        by_review[clause.review.id].update(keys)
    return by_review


def _best_phrase(
    members: list[int],
    clauses: Sequence[Clause],
    phrases: Sequence[Phrases],
    film_uses: Counter[tuple[str, ...]],
    reviews: int,
) -> tuple[str, ...] | None:
    """The phrase maximising coverage x purity (see the module's docstring); None when no
    phrase passes both floors."""
    mine = _review_phrases([clauses[i] for i in members], [phrases[i] for i in members])
    uses = Counter(key for keys in mine.values() for key in keys)
    floor = max(2, MIN_COVERAGE * reviews)
    scored = [
        ((n / reviews) * (n / film_uses[key]), len(key), key)
        for key, n in uses.items()
        if n >= floor and n / film_uses[key] >= MIN_PURITY
    ]
    return max(scored)[2] if scored else None


def _theme(
    key: tuple[str, ...],
    members: list[int],
    table: FilmClauses,
    centred: npt.NDArray[np.float32],
    phrases: Sequence[Phrases],
) -> Cluster | None:
    import numpy as np

    centre = centred[members].mean(axis=0)
    nearness = (centred[members] @ (centre / max(float(np.linalg.norm(centre)), 1e-9))).tolist()
    score = {
        i: near + (NAMED_BONUS if key in phrases[i] else 0.0)
        for i, near in zip(members, nearness, strict=True)
    }
    chosen: dict[str, int] = {}
    for i in sorted(members, key=lambda i: (-score[i], i)):
        chosen.setdefault(table.clauses[i].review.id, i)
    picked = sorted(chosen.values(), key=lambda i: (-score[i], i))
    users = [i for i in picked if key in phrases[i]]
    if len(picked) < MIN_REVIEWS or not users:
        return None
    start, end = phrases[users[0]][key]
    raw = table.vectors[members].mean(axis=0)
    cluster = Cluster(
        label=table.clauses[users[0]].text[start:end],
        key=key,
        clauses=[table.clauses[i] for i in picked],
        centre=(raw / max(float(np.linalg.norm(raw)), 1e-9)).astype(np.float32),
        named_by=len(users),
    )
    for clause in cluster.clauses:
        cluster.by_side.setdefault(clause.stance, []).append(clause)
    return cluster
