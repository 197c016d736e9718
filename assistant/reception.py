"""A film's reception at a glance: one core call that every face renders.

`reception_report(source, film)` reads the film's reviews from the catalog and returns a
`Report`: the counts (from the reviews' own labels; top critics apart), a timeline by month
(by year when the reviews span more than three years), the themes its critics raise (found in
the reviews themselves: `assistant.themes`), pull quotes (`assistant.pull_quotes`) and a
consensus paragraph written by templates from those findings (`assistant.consensus`). Every
quote is a verbatim sentence of a review, cited with its review id, critic, outlet, date and
character span; `Report.citations` numbers them, and the consensus's [n] refer to those.

`reception_comparison(source, a, b)` puts two films' reports side by side with the themes
they share (theme centres nearer than `SHARED_SIMILARITY`).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.consensus import ThemeFacts, consensus
from assistant.entities import NameIndex
from assistant.film_clauses import CONFIDENT, Clause, Side, StanceFrom, film_clauses
from assistant.film_refs import closest_films
from assistant.findings import join
from assistant.pull_quotes import pull_quotes
from assistant.result import Citation
from assistant.themes import Cluster, find_themes
from assistant.timeline import Counts, TimeBin, Timeline, timeline
from index.errors import ReviewQAError, UnknownNameError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from assistant.service import Assistant
    from index.store import Index

__all__ = [
    "Comparison",
    "Counts",
    "FilmChoiceError",
    "Quote",
    "Report",
    "SharedTheme",
    "Theme",
    "TimeBin",
    "Timeline",
    "reception_comparison",
    "reception_report",
    "resolve_film",
    "timeline",
]

SHARED_SIMILARITY = 0.6  # cosine of two themes' centres for them to count as shared
STANCE_NOTE = (
    "A quote's stance is that of the clause that placed it: its review's positive/negative "
    "label (the critic's verdict), unless the sentence stance head is confident otherwise "
    f"(P(positive) above {CONFIDENT:.2f} or below {1 - CONFIDENT:.2f} in a review of several "
    "clauses; for an unlabelled review, outside its calibrated band): `stance_from` says "
    "which decided."
)
_MARKER = re.compile(r"\[(\d+)\]")


class FilmChoiceError(ReviewQAError):
    """A film name that matches several films of the index (the same title, other years)."""

    def __init__(self, film: str, choices: list[str]) -> None:
        self.choices = choices
        options = join(choices, most=len(choices)).replace(" and ", " or ")
        super().__init__(f"{film!r} names {len(choices)} films in the index: give {options}")


@dataclass(slots=True)
class Quote:
    """A verbatim sentence of a review, cited; `stance` is that of the clause of it that
    placed it where it is quoted (see STANCE_NOTE)."""

    citation: Citation
    stance: Side
    stance_from: StanceFrom
    top_critic: bool

    @property
    def n(self) -> int:
        return self.citation.n

    def to_json(self) -> dict[str, Any]:
        return {
            **self.citation.to_json(),
            "stance": self.stance,
            "stance_from": self.stance_from,
            "top_critic": self.top_critic,
        }


@dataclass(slots=True)
class Theme:
    """A thing the film's critics talk about, named by a phrase of theirs."""

    label: str
    reviews: int
    positive: int
    negative: int
    unclear: int
    review_ids: dict[str, list[str]]  # by stance: positive, negative, unclear
    stance_from: dict[str, int]  # reviews whose stance here the label / the head decided
    quotes: dict[str, list[Quote]]  # positive, negative: the most representative
    named_by: int  # reviews whose clause in the theme uses the label
    centre: npt.NDArray[np.float32] = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "reviews": self.reviews,
            "positive": self.positive,
            "negative": self.negative,
            "unclear": self.unclear,
            "named_by": self.named_by,
            "stance_from": self.stance_from,
            "review_ids": self.review_ids,
            "quotes": {side: [q.to_json() for q in qs] for side, qs in self.quotes.items()},
        }


@dataclass(slots=True)
class Report:
    """A film's reception (see the module's docstring); `to_json` is what every face gets."""

    film: str
    counts: Counts
    top_critics: Counts
    timeline: Timeline
    themes: list[Theme]
    pull_quotes: dict[str, list[Quote]]
    consensus: str
    citations: list[Quote]
    timings_ms: dict[str, float] = field(default_factory=dict)
    clauses: int = 0
    vectors: dict[str, int] = field(default_factory=dict)  # reused / embedded

    def to_json(self) -> dict[str, Any]:
        return {
            "film": self.film,
            "counts": self.counts.to_json(),
            "top_critics": self.top_critics.to_json(),
            "timeline": self.timeline.to_json(),
            "consensus": self.consensus,
            "themes": [t.to_json() for t in self.themes],
            "pull_quotes": {s: [q.to_json() for q in qs] for s, qs in self.pull_quotes.items()},
            "citations": [q.to_json() for q in self.citations],
            "method": {
                "stance": STANCE_NOTE,
                "clauses": self.clauses,
                "vectors": self.vectors,
            },
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }


@dataclass(frozen=True, slots=True)
class SharedTheme:
    """A theme both films' critics raise, with each film's counts."""

    a: Theme
    b: Theme
    similarity: float

    def to_json(self) -> dict[str, Any]:
        def side(t: Theme) -> dict[str, Any]:
            return {k: getattr(t, k) for k in ("label", "reviews", "positive", "negative")}

        return {"a": side(self.a), "b": side(self.b), "similarity": round(self.similarity, 3)}


@dataclass(slots=True)
class Comparison:
    """Two films' reports and the themes they share."""

    a: Report
    b: Report
    shared: list[SharedTheme]

    def to_json(self) -> dict[str, Any]:
        return {
            "films": [self.a.film, self.b.film],
            "counts": {self.a.film: self.a.counts.to_json(), self.b.film: self.b.counts.to_json()},
            "shared_themes": [s.to_json() for s in self.shared],
            "reports": [self.a.to_json(), self.b.to_json()],
        }


# -- the calls ----------------------------------------------------------------------------
def _parts(source: Assistant | Index) -> tuple[Index, NameIndex]:
    from assistant.service import Assistant

    if isinstance(source, Assistant):
        return source.index, source.retriever.names
    return source, NameIndex.from_catalog(source.catalog)


def resolve_film(names: NameIndex, film: str) -> str:
    """The stored title `film` names; UnknownNameError (with the closest titles) when none,
    FilmChoiceError when several (the same title, other years)."""
    found = names.film_variants(film)
    if len(found) == 1:
        return found[0]
    if found:
        raise FilmChoiceError(film, sorted(found))
    near = closest_films(film, names.films)
    if near:
        options = join(near, most=3).replace(" and ", " or ")
        raise UnknownNameError(
            f"no film {film!r} in the index: did you mean {options}? ('reviewqa stats' lists "
            "the films)"
        )
    raise UnknownNameError(f"no film {film!r} in the index: see 'reviewqa stats'")


def reception_report(source: Assistant | Index, film: str) -> Report:
    """The reception report of `film` (any spelling the index resolves to one film)."""
    index, names = _parts(source)
    return _report(index, resolve_film(names, film))


def reception_comparison(source: Assistant | Index, a: str, b: str) -> Comparison:
    """Two films' reports side by side, and the themes they share."""
    import numpy as np

    index, names = _parts(source)
    first, second = _report(index, resolve_film(names, a)), _report(index, resolve_film(names, b))
    pairs = sorted(
        (
            (float(np.dot(x.centre, y.centre)), i, j)
            for i, x in enumerate(first.themes)
            for j, y in enumerate(second.themes)
        ),
        reverse=True,
    )
    shared, used_a, used_b = [], set(), set()
    for similarity, i, j in pairs:
        if similarity < SHARED_SIMILARITY:
            break
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            shared.append(SharedTheme(first.themes[i], second.themes[j], similarity))
    return Comparison(first, second, shared)


# -- building a report --------------------------------------------------------------------
class _Citations:
    """One numbered Quote per (review, span), in the order they are first used."""

    def __init__(self) -> None:
        self.quotes: dict[tuple[str, tuple[int, int], str], Quote] = {}

    def of(self, clause: Clause) -> Quote:
        """The quote of the clause's sentence, with the clause's stance."""
        key = (clause.review.id, clause.sentence, clause.stance)
        if key not in self.quotes:
            r = clause.review
            n = len(self.quotes) + 1
            citation = Citation.of(n, r, clause.sentence_text, clause.sentence, verified=True)
            self.quotes[key] = Quote(citation, clause.stance, clause.stance_from, r.top_critic)
        return self.quotes[key]


def _report(index: Index, film: str) -> Report:
    started = time.perf_counter()
    table = film_clauses(index, film)
    read = time.perf_counter()
    clusters = find_themes(table)
    clustered = time.perf_counter()
    cited = _Citations()
    themes = [_theme(c, cited) for c in clusters]
    pulls: dict[str, list[Quote]] = {
        side: [cited.of(s) for s in found] for side, found in pull_quotes(table.clauses).items()
    }
    counts = Counts.of(table.reviews)

    def cite(label: str, side: str) -> str:
        if not label:
            quotes = pulls.get(side, [])[:1]
        else:
            quotes = next((t.quotes.get(side, []) for t in themes if t.label == label), [])
        return "".join(f"[{q.n}]" for q in quotes)

    facts = [ThemeFacts(t.label, t.reviews, t.positive, t.negative) for t in themes]
    text = consensus(film, counts.reviews, counts.positive, counts.negative, facts, cite)
    text, ordered = _reading_order(text, list(cited.quotes.values()))
    return Report(
        film=film,
        counts=counts,
        top_critics=Counts.of(r for r in table.reviews if r.top_critic),
        timeline=timeline(table.reviews),
        themes=themes,
        pull_quotes=pulls,
        consensus=text,
        citations=ordered,
        timings_ms={
            "clauses": (read - started) * 1000,
            "themes": (clustered - read) * 1000,
            "total": (time.perf_counter() - started) * 1000,
        },
        clauses=len(table.clauses),
        vectors={"reused": table.reused, "embedded": table.embedded},
    )


def _theme(cluster: Cluster, cited: _Citations) -> Theme:
    ids: dict[str, list[str]] = {"positive": [], "negative": [], "unclear": []}
    decided: dict[str, int] = {"label": 0, "stance head": 0}
    for clause in cluster.clauses:
        ids[clause.stance].append(clause.review.id)
        decided[clause.stance_from] += 1
    return Theme(
        label=cluster.label,
        reviews=cluster.reviews,
        positive=len(ids["positive"]),
        negative=len(ids["negative"]),
        unclear=len(ids["unclear"]),
        review_ids={side: sorted(found) for side, found in ids.items()},
        stance_from=decided,
        quotes={
            side: [cited.of(s) for s in cluster.quotes(side)] for side in ("positive", "negative")
        },
        named_by=cluster.named_by,
        centre=cluster.centre,
    )


def _reading_order(text: str, quotes: list[Quote]) -> tuple[str, list[Quote]]:
    """Renumber the quotes: those the consensus cites first, in its order, then the rest in
    the order they were found; the consensus's markers are rewritten to match."""
    order = list(dict.fromkeys(int(m) for m in _MARKER.findall(text)))
    order += [q.n for q in quotes if q.n not in order]
    new = {old: i for i, old in enumerate(order, 1)}
    for q in quotes:
        q.citation.n = new[q.citation.n]
    text = _MARKER.sub(lambda m: f"[{new[int(m.group(1))]}]", text)
    return text, sorted(quotes, key=lambda q: q.n)
