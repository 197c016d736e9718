"""A film's reviews cut into clauses, each with its vector and its stance: what the reception
report (`assistant.reception`) clusters into themes and takes quotes from.

A clause is a piece of a sentence between contrast words ("but", "although": see
`assistant.stance.clause_spans`) and punctuation (, ; : parentheses, dashes, ellipses), of two
words at least: "The music is enchanting, the visuals are stunning, and the story ..." holds
three things a critic says, and each is clustered with what other critics say of the same
thing. A quote is always the whole sentence that holds the clause.

A clause found word for word in `BOILERPLATE` reviews or more ("Full review in Spanish") is an
aggregator's note, and is left out.

A clause's vector is the review's stored chunk vector when the review is one clause in one
chunk (a short critic blurb), else the embedder's; the table is kept per film and per catalog
`data_version`, so a report asked again before an ingest embeds nothing.

A clause's stance is its review's fresh/rotten label (the critic's own verdict) unless the
stance head (`assistant.stance`, right ~79% of the time) is confident otherwise: beyond
`CONFIDENT` in a review of several clauses ("Beautiful to look at, but the story is a mess"),
or outside its calibrated band in an unlabelled review. `stance_from` says which decided.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from assistant.stance import clause_spans, load_head
from index.catalog import VECTOR_DTYPE, Catalog
from index.filters import Filters
from index.records import Review

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from index.store import Index

__all__ = ["CONFIDENT", "Clause", "FilmClauses", "clause_pieces", "film_clauses"]

Side = Literal["positive", "negative", "unclear"]
StanceFrom = Literal["label", "stance head"]

CONFIDENT = 0.9  # P(positive) above it (or below 1 - it) lets the head overrule a label
MIN_WORDS = 2  # shorter pieces ("Wow.", "music") are no clause of their own
BOILERPLATE = 3  # reviews a clause recurs in, word for word, to be taken for boilerplate
CACHED_FILMS = 16  # films whose clause tables each catalog connection keeps
_WORDS = re.compile(r"\w+")
_CUT = re.compile(r"\s*(?:[,;:()\[\]—–]|\s-\s|\.\.\.|…)\s*")


@dataclass(frozen=True, slots=True)
class Clause:
    """One clause of a review: its span and its sentence's span in the review's text, its
    stance and what decided it."""

    review: Review
    start: int
    end: int
    sentence: tuple[int, int]
    probability: float  # the stance head's P(positive)
    stance: Side
    stance_from: StanceFrom

    @property
    def text(self) -> str:
        return self.review.text[self.start : self.end]

    @property
    def sentence_text(self) -> str:
        return self.review.text[self.sentence[0] : self.sentence[1]]


@dataclass(frozen=True, eq=False)
class FilmClauses:
    """Every review of a film and the clauses of them; row i of `vectors` is clause i's
    (unit-length) vector."""

    film: str
    reviews: list[Review]
    clauses: list[Clause]
    vectors: npt.NDArray[np.float32]
    reused: int  # clause vectors read from the catalog
    embedded: int  # clause vectors the embedder made


def clause_pieces(text: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(clause span, sentence span) of every clause of `text` (see the module's docstring)."""
    from index.chunking import sentence_spans

    found = []
    for sentence in sentence_spans(text):
        for start, end in clause_spans(text[sentence[0] : sentence[1]]):
            at, stop = sentence[0] + start, sentence[0] + end
            for cut in _CUT.finditer(text, at, stop):
                found.append(((at, cut.start()), sentence))
                at = cut.end()
            found.append(((at, stop), sentence))
    return [
        (clause, sentence)
        for clause, sentence in found
        if len(text[clause[0] : clause[1]].split()) >= MIN_WORDS
    ]


_cache: weakref.WeakKeyDictionary[Catalog, OrderedDict[tuple[str, int], FilmClauses]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


def film_clauses(index: Index, film: str) -> FilmClauses:
    """The clause table of `film` (a stored title), from the cache while the catalog is
    unchanged."""
    catalog = index.catalog
    key = (film, catalog.data_version())
    with _lock:
        films = _cache.setdefault(catalog, OrderedDict())
        if key in films:
            films.move_to_end(key)
            return films[key]
    table = _build(index, film)
    with _lock:
        films = _cache.setdefault(catalog, OrderedDict())
        for old in [k for k in films if k[0] == film]:
            del films[old]
        films[key] = table
        while len(films) > CACHED_FILMS:
            films.popitem(last=False)
    return table


def forget_cached() -> None:
    """Drop every cached clause table (for timing a cold report)."""
    with _lock:
        _cache.clear()


def _build(index: Index, film: str) -> FilmClauses:
    import numpy as np

    catalog = index.catalog
    filters = Filters(films=(film,))
    reviews = catalog.reviews_where(filters, max(1, catalog.count_reviews(filters)))
    reviews = [r for r in reviews if r.film == film]  # the title asked, not a namesake's key
    reviews.sort(key=lambda r: (r.date == "", r.date, r.id))
    pieces = _without_boilerplate(reviews, {r.id: clause_pieces(r.text) for r in reviews})
    rows = [(r, clause, sentence) for r in reviews for clause, sentence in pieces[r.id]]
    stored = _stored_vectors(catalog, [r for r in reviews if len(pieces[r.id]) == 1], pieces)
    missing = [i for i, (r, clause, _) in enumerate(rows) if (r.id, clause) not in stored]
    dimension = next(iter(stored.values())).shape[0] if stored else 0
    made = np.zeros((0, dimension), dtype=np.float32)
    if missing:  # the embedder loads only when a clause needs it
        made = index.embedder.embed([_text(rows[i]) for i in missing])
        dimension = made.shape[1]
    vectors = np.zeros((len(rows), dimension), dtype=np.float32)
    for i, (r, clause, _) in enumerate(rows):
        if (r.id, clause) in stored:
            vectors[i] = stored[(r.id, clause)]
    for j, i in enumerate(missing):
        vectors[i] = made[j]
    several = {r.id for r in reviews if len(pieces[r.id]) > 1}
    return FilmClauses(
        film=film,
        reviews=reviews,
        clauses=_with_stances(index, rows, vectors, several),
        vectors=vectors,
        reused=len(rows) - len(missing),
        embedded=len(missing),
    )


def _without_boilerplate(
    reviews: list[Review], pieces: dict[str, list[tuple[tuple[int, int], tuple[int, int]]]]
) -> dict[str, list[tuple[tuple[int, int], tuple[int, int]]]]:
    """`pieces` less the clauses whose words recur in `BOILERPLATE` reviews or more: an
    aggregator's note ("Full review in Spanish"), not what a critic thinks."""
    text = {r.id: r.text for r in reviews}

    def words(review_id: str, span: tuple[int, int]) -> str:
        return " ".join(_WORDS.findall(text[review_id][span[0] : span[1]].casefold()))

    seen: dict[str, set[str]] = {}
    for review_id, found in pieces.items():
        for clause, _ in found:
            seen.setdefault(words(review_id, clause), set()).add(review_id)
    return {
        review_id: [p for p in found if len(seen[words(review_id, p[0])]) < BOILERPLATE]
        for review_id, found in pieces.items()
    }


def _text(row: tuple[Review, tuple[int, int], tuple[int, int]]) -> str:
    review, (start, end), _ = row
    return review.text[start:end]


def _stored_vectors(
    catalog: Catalog,
    reviews: list[Review],
    pieces: dict[str, list[tuple[tuple[int, int], tuple[int, int]]]],
) -> dict[tuple[str, tuple[int, int]], npt.NDArray[np.float32]]:
    """(review id, clause span) -> the stored vector, for the reviews of one clause stored as
    one chunk spanning exactly that clause."""
    import numpy as np

    chunk_ids = catalog.chunk_ids_of([r.id for r in reviews])
    single = [ids[0] for ids in chunk_ids.values() if len(ids) == 1]
    chunks = catalog.chunks(single)
    found: dict[tuple[str, tuple[int, int]], npt.NDArray[np.float32]] = {}
    for chunk_id, blob in catalog.vectors_of(single).items():
        chunk = chunks.get(chunk_id)
        if chunk is None:
            continue
        span = (chunk.start, chunk.end)
        if [clause for clause, _ in pieces[chunk.review.id]] == [span]:
            found[(chunk.review.id, span)] = np.frombuffer(blob, dtype=VECTOR_DTYPE).astype(
                np.float32
            )
    return found


def _with_stances(
    index: Index,
    rows: list[tuple[Review, tuple[int, int], tuple[int, int]]],
    vectors: npt.NDArray[np.float32],
    several: set[str],
) -> list[Clause]:
    if not rows:
        return []
    head = load_head()
    head.check(index.settings.embedding_model)
    clauses = []
    for (review, (start, end), sentence), p in zip(
        rows, head.probability(vectors).tolist(), strict=True
    ):
        stance, decided = _stance(review.sentiment, p, review.id in several, head.stance(p))
        clauses.append(Clause(review, start, end, sentence, p, stance, decided))
    return clauses


def _stance(label: str, p: float, several: bool, head_says: str) -> tuple[Side, StanceFrom]:
    """The label, unless the head is confident (see the module's docstring)."""
    if label in ("positive", "negative"):
        if several and label == "positive" and p < 1 - CONFIDENT:
            return "negative", "stance head"
        if several and label == "negative" and p > CONFIDENT:
            return "positive", "stance head"
        return label, "label"  # type: ignore[return-value]
    if head_says in ("positive", "negative"):
        return head_says, "stance head"  # type: ignore[return-value]
    return "unclear", "stance head"
