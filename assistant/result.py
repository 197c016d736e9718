"""The one result schema every face returns (CLI --json, HTTP, UI)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from index.records import Review


@dataclass(frozen=True, slots=True)
class Source:
    """A numbered passage handed to an engine: a chunk of one review, with its offsets."""

    n: int
    review: Review
    text: str  # the passage (a chunk of review.text)
    start: int  # offset of `text` in review.text
    end: int
    score: float = 0.0
    # its stance on the thing asked about, where a contrast in it reads otherwise than its
    # review's label ("... pacing problems, but ..." in a positive review); None: the label's
    side: str | None = None


@dataclass(slots=True)
class Citation:
    """One cited review: the exact quoted text and its character offsets in the review."""

    n: int
    review_id: str
    film: str
    critic: str
    publication: str
    date: str
    sentiment: str
    quote: str
    span: tuple[int, int]
    verified: bool
    url: str = ""  # the review's address where the data has one
    # the quote's stance on the thing asked about where a contrast in it reads otherwise than
    # `sentiment`, the review's label (see assistant.thing_stance); None: as its label
    side: str | None = None

    @classmethod
    def of(
        cls,
        n: int,
        review: Review,
        quote: str,
        span: tuple[int, int],
        verified: bool,
        side: str | None = None,
    ) -> Citation:
        """Citation `n` of `review`: `quote` at `span` in its text, with its attribution (and
        the quote's `side` where it was read otherwise than the review's label)."""
        return cls(
            n=n,
            review_id=review.id,
            film=review.film,
            critic=review.critic,
            publication=review.publication,
            date=review.date,
            sentiment=review.sentiment,
            quote=quote,
            span=span,
            verified=verified,
            url=review.url,
            side=side,
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["span"] = list(self.span)
        return data


@dataclass(slots=True)
class Coverage:
    """What an answer rests on: the reviews it cites, out of the reviews of its film(s).

    `film_reviews`, `positive` and `negative` are catalog counts for all the reviews of the
    film(s) asked about (or cited, when the question names none), never counts of what
    retrieval returned.
    """

    used: int  # distinct reviews cited
    film_reviews: int  # reviews the index holds of the film(s) (0 = no film, or more than 3)
    films: list[str] = field(default_factory=list)
    positive: int = 0  # of those, labelled positive
    negative: int = 0  # labelled negative (the rest carry no label)

    def line(self) -> str:
        """'Based on 8 of 25 reviews of Her (2013).'"""
        noun = "review" if self.used == 1 else "reviews"
        if self.films and self.film_reviews:
            whole = "review" if self.film_reviews == 1 else "reviews"
            films = ", ".join(self.films)
            end = "" if films.endswith(".") else "."  # "Escape from L.A.", no second stop
            return f"Based on {self.used} of {self.film_reviews} {whole} of {films}{end}"
        return f"Based on {self.used} {noun}."

    def to_json(self) -> dict[str, Any]:
        return {
            "used": self.used,
            "film_reviews": self.film_reviews,
            "films": self.films,
            "positive": self.positive,
            "negative": self.negative,
            "line": self.line(),
        }


ResultKind = Literal["answer", "unknown_film", "needs_film", "out_of_scope"]


@dataclass(slots=True)
class Result:
    """An answer and everything a face needs to show it.

    `answer` is the whole text (the lead, then the quotes; what the CLI prints); `lead` is its
    first part, the finding with counts and [n] markers, for faces that show the citations as
    cards. `kind` says what sort of answer it is: "answer"; "unknown_film" (the question names
    a film the index lacks: no citations, `suggestions` holds the closest titles);
    "needs_film" (a follow-up such as "who disliked it?" with no film to refer to, or a name
    several stored titles open with, "Star Wars": `suggestions` holds those films);
    "out_of_scope" (a chat scoped to one film, e.g. the widget, asked about another). `filters`
    are the filters that applied, as display strings (film, critic, outlet, sentiment, since,
    until, top_critics).
    """

    id: str | None
    question: str
    answer: str
    engine: str
    citations: list[Citation]
    coverage: Coverage
    timings_ms: dict[str, float]
    engine_reason: str = ""  # why this engine answered (e.g. "Ollama unreachable at ...")
    problems: list[str] = field(default_factory=list)  # e.g. dropped markers
    lead: str = ""
    kind: ResultKind = "answer"
    suggestions: list[str] = field(default_factory=list)
    filters: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "answer": self.answer,
            "lead": self.lead,
            "kind": self.kind,
            "suggestions": self.suggestions,
            "filters": self.filters,
            "engine": self.engine,
            "engine_reason": self.engine_reason,
            "citations": [c.to_json() for c in self.citations],
            "coverage": self.coverage.to_json(),
            "problems": self.problems,
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }
