"""Look-ups for the tools an AI assistant calls (the MCP server, `ui.mcp_server`): reviews found
by meaning or listed within filters, a film's counts, the films and critics the index holds, a
review by id, and whether a quote stands verbatim in a review.

Names are checked as `Assistant.check_filters` checks them, with the closest known names added
to the message of an unknown one; every count comes from the catalog. Faces format the records
returned here (each has `to_json`); nothing here knows about a face.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from assistant.citations import locate_quote
from assistant.film_refs import SUGGESTION_CUTOFF, closest_films
from assistant.findings import join
from assistant.passages import focused
from assistant.result import Source
from assistant.service import Assistant, display_filters
from assistant.timeline import Counts
from index.chunking import sentence_spans
from index.errors import ReviewQAError, UnknownNameError
from index.filters import Filters
from index.fts import phrase_query
from index.names import name_key
from index.records import Review

__all__ = [
    "Critics",
    "Excerpt",
    "FilmReport",
    "FilmReviews",
    "Films",
    "QuoteCheck",
    "QuoteMatch",
    "Search",
    "film_report",
    "film_reviews",
    "get_review",
    "list_critics",
    "list_films",
    "resolve_film",
    "resolved_filters",
    "review_fields",
    "search_reviews",
    "verify_quote",
]

FILM_IDS = 1000  # review ids a film's listing gives at most
QUOTE_PASSAGES = 200  # passages sharing a quote's words that are checked for it
QUOTE_WORDS = 8  # words of a quote's start (and end) that find those passages
MOST_QUOTE_MATCHES = 20
_ELLIPSIS = re.compile(r"\[\s*(?:\.\s*){3}\]|\[\s*…\s*\]|\.[ \t]?\.[ \t]?\.|…")


# -- records ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Excerpt:
    """A review a search found, with its sentence(s) that match and their span in its text."""

    review: Review
    text: str
    span: tuple[int, int]

    def to_json(self) -> dict[str, Any]:
        return {**review_fields(self.review), "sentence": self.text, "span": list(self.span)}


def review_fields(review: Review) -> dict[str, Any]:
    """A review's fields for a client, without its text: never the server's file path (or
    line) it came from."""
    return {
        "id": review.id,
        "film": review.film,
        "critic": review.critic,
        "outlet": review.publication,
        "date": review.date,
        "stance": review.sentiment,
        "rating": review.rating,
        "top_critic": review.top_critic,
        "url": review.url,
    }


@dataclass(frozen=True, slots=True)
class Search:
    """What `search_reviews` found: the query, the reviews, the filters that applied."""

    query: str
    matches: list[Excerpt]
    filters: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        reviews = [match.to_json() for match in self.matches]
        return {"query": self.query, "filters": self.filters, "reviews": reviews}


@dataclass(frozen=True, slots=True)
class FilmReport:
    """A film's reception in counts: all its reviews, and its top critics' apart."""

    film: str
    everyone: Counts
    top_critics: Counts

    def to_json(self) -> dict[str, Any]:
        return {
            "film": self.film,
            **self.everyone.to_json(),
            "top_critics": self.top_critics.to_json(),
        }

    def line(self) -> str:
        return f"{self.film}: {self.everyone.words()}; top critics: {self.top_critics.words()}."


@dataclass(frozen=True, slots=True)
class Films:
    """Films (title and counts, by title) out of `total` that matched."""

    films: list[tuple[str, Counts]]
    total: int

    def to_json(self) -> dict[str, Any]:
        films = [{"title": title, **split.to_json()} for title, split in self.films]
        return {"films": films, "total": self.total}


@dataclass(frozen=True, slots=True)
class Critics:
    """Named critics (name and reviews, most first) out of `total`, of `film` or of all."""

    film: str | None
    critics: list[tuple[str, int]]
    total: int

    def to_json(self) -> dict[str, Any]:
        critics = [{"critic": name, "reviews": n} for name, n in self.critics]
        return {"film": self.film, "critics": critics, "total": self.total}


@dataclass(frozen=True, slots=True)
class FilmReviews:
    """A film's review ids (newest first, at most FILM_IDS) and its counts."""

    film: str
    review_ids: list[str]
    counts: Counts

    def to_json(self) -> dict[str, Any]:
        return {"film": self.film, **self.counts.to_json(), "review_ids": self.review_ids}


@dataclass(frozen=True, slots=True)
class QuoteMatch:
    """Where a quote stands in a review: its span and the review's text there."""

    review: Review
    span: tuple[int, int]
    text: str

    def to_json(self) -> dict[str, Any]:
        review = self.review
        return {
            "review_id": review.id,
            "film": review.film,
            "critic": review.critic,
            "outlet": review.publication,
            "date": review.date,
            "stance": review.sentiment,
            "text": self.text,
            "span": list(self.span),
        }


@dataclass(frozen=True, slots=True)
class QuoteCheck:
    """Whether a quote is verbatim in a review (`review_id`) or in any (`review_id` None)."""

    quote: str
    review_id: str | None
    matches: list[QuoteMatch]
    total: int  # reviews it was found in (`matches` lists at most MOST_QUOTE_MATCHES)

    @property
    def verified(self) -> bool:
        return bool(self.matches)

    def to_json(self) -> dict[str, Any]:
        return {
            "quote": self.quote,
            "review_id": self.review_id,
            "verified": self.verified,
            "total": self.total,
            "matches": [match.to_json() for match in self.matches],
        }


# -- names --------------------------------------------------------------------------------
def resolved_filters(assistant: Assistant, filters: Filters) -> Filters:
    """`filters` with each film, critic and outlet replaced by the stored names it stands for
    ("Her" -> "Her (2013)"); UnknownNameError, naming the closest known names, for a name the
    index lacks."""
    names = assistant.retriever.names
    kinds = (
        ("films", filters.films, names.film_variants, names.films),
        ("critics", filters.critics, names.critic_variants, names.critics),
        ("outlets", filters.outlets, names.outlet_variants, names.outlets),
    )
    changes: dict[str, tuple[str, ...]] = {}
    for field, asked, variants, known in kinds:
        stored: list[str] = []
        for name in asked:
            try:
                assistant.check_filters(Filters(**{field: (name,)}))  # type: ignore[arg-type]
            except UnknownNameError as exc:
                closest = _closest(name, known, films=field == "films")
                if not closest:
                    raise
                maybe = join(closest).replace(" and ", " or ")
                raise UnknownNameError(f"{exc}; did you mean {maybe}?") from None
            stored.extend(variants(name))
        changes[field] = tuple(dict.fromkeys(stored))
    return replace(filters, **changes)  # type: ignore[arg-type]


def _closest(name: str, known: Sequence[str], *, films: bool, most: int = 3) -> list[str]:
    if films:
        return closest_films(name, known, most)
    by_key: dict[str, str] = {name_key(k): k for k in known}
    keys = difflib.get_close_matches(name_key(name), list(by_key), most, SUGGESTION_CUTOFF)
    return [by_key[key] for key in keys]


def resolve_film(assistant: Assistant, film: str) -> str:
    """The stored title `film` names; an error when it names none, or several."""
    titles = resolved_filters(assistant, Filters(films=(film,))).films
    if len(titles) > 1:
        raise ReviewQAError(
            f"{film!r} names {len(titles)} films, {join(titles).replace(' and ', ' or ')}: "
            "give the title with its year"
        )
    return titles[0]


# -- look-ups -----------------------------------------------------------------------------
def search_reviews(assistant: Assistant, query: str, filters: Filters, k: int) -> Search:
    """At most `k` reviews within `filters`: those nearest `query` in meaning or words, each
    with its matching sentence(s) (as answers quote them); without a query, the newest, each
    with its first sentence."""
    filters = resolved_filters(assistant, filters)
    query = query.strip()
    if not query:
        reviews = assistant.index.catalog.reviews_where(filters, k)
        return Search("", [_opening(review) for review in reviews], display_filters(filters))
    plan = assistant.retriever.plan(query, filters, k)
    hits = assistant.retriever.retrieve(plan)
    sources = [
        Source(n, h.chunk.review, h.chunk.text, h.chunk.start, h.chunk.end, h.score)
        for n, h in enumerate(hits, 1)
    ]
    narrowed = focused(sources, query, assistant.index.embedder)
    matches = [Excerpt(s.review, s.text, (s.start, s.end)) for s in narrowed]
    return Search(query, matches, display_filters(plan.filters))


def _opening(review: Review) -> Excerpt:
    spans = sentence_spans(review.text)
    start, end = spans[0] if spans else (0, len(review.text))
    return Excerpt(review, review.text[start:end], (start, end))


def film_report(assistant: Assistant, film: str) -> FilmReport:
    """A film's reviews, positive, negative and unlabelled; its top critics' apart."""
    title = resolve_film(assistant, film)
    catalog = assistant.index.catalog
    everyone = Counts(*catalog.stance_counts(Filters(films=(title,))))
    top = Counts(*catalog.stance_counts(Filters(films=(title,), top_critics=True)))
    return FilmReport(title, everyone, top)


def list_films(assistant: Assistant, prefix: str, limit: int) -> Films:
    """The films whose title starts with `prefix` (case, accents and punctuation aside; every
    film without one), by title, at most `limit`, with their counts."""
    key = name_key(prefix)
    counts = assistant.index.catalog.film_counts()
    chosen = [
        (title, Counts(*split))
        for title, split in counts.items()
        if name_key(title).startswith(key)
    ]
    return Films(chosen[:limit], len(chosen))


def list_critics(assistant: Assistant, film: str | None, limit: int) -> Critics:
    """The named critics of `film` (of every film without one), most reviews first."""
    title = resolve_film(assistant, film) if film else None
    filters = Filters(films=(title,)) if title else Filters()
    rows = assistant.index.catalog.critic_counts(filters)
    return Critics(title, rows[:limit], len(rows))


def get_review(assistant: Assistant, review_id: str) -> Review:
    """The review with this id (its metadata and full text)."""
    review = assistant.index.catalog.reviews_by_id([review_id]).get(review_id)
    if review is None:
        raise UnknownNameError(f"no review {review_id!r} in the index")
    return review


def film_reviews(assistant: Assistant, film: str, most: int = FILM_IDS) -> FilmReviews:
    """A film's review ids (newest first, at most `most`) and its counts."""
    title = resolve_film(assistant, film)
    filters = Filters(films=(title,))
    catalog = assistant.index.catalog
    ids = catalog.review_ids_where(filters, most)
    return FilmReviews(title, ids, Counts(*catalog.stance_counts(filters)))


def verify_quote(assistant: Assistant, quote: str, review_id: str | None = None) -> QuoteCheck:
    """Whether `quote` stands verbatim (white space and curly quotes aside, an ellipsis
    skipping text, as citations are checked) in the review `review_id`, or in which reviews."""
    if review_id is not None:
        found = _located(get_review(assistant, review_id), quote)
        return QuoteCheck(quote, review_id, [found] if found else [], 1 if found else 0)
    matches = [m for r in _quote_candidates(assistant, quote) if (m := _located(r, quote))]
    return QuoteCheck(quote, None, matches[:MOST_QUOTE_MATCHES], len(matches))


def _located(review: Review, quote: str) -> QuoteMatch | None:
    span = locate_quote(review.text, quote)
    if span is None:
        return None
    return QuoteMatch(review, span, review.text[span[0] : span[1]])


def _quote_candidates(assistant: Assistant, quote: str) -> list[Review]:
    """The reviews whose passages hold the first or the last words of the quote's longest
    piece (between ellipses), in the lexical index's order."""
    pieces = [re.findall(r"\w+", piece) for piece in _ELLIPSIS.split(quote)]
    words = max(pieces, key=len, default=[])
    if not words:
        return []
    catalog = assistant.index.catalog
    chunk_ids: list[str] = []
    for part in dict.fromkeys((" ".join(words[:QUOTE_WORDS]), " ".join(words[-QUOTE_WORDS:]))):
        rows = catalog.search_passages(phrase_query(part), Filters(), QUOTE_PASSAGES)
        chunk_ids.extend(chunk_id for chunk_id, _ in rows)
    chunks = catalog.chunks(list(dict.fromkeys(chunk_ids)))
    reviews: dict[str, Review] = {}
    for chunk_id in chunk_ids:
        chunk = chunks.get(chunk_id)
        if chunk is not None:
            reviews.setdefault(chunk.review.id, chunk.review)
    return list(reviews.values())
