"""The structured output of each MCP tool (`ui.mcp_server`), as pydantic models: the SDK
publishes each as the tool's output schema and checks every result against it.

`AskOutput` is `Result.to_json()`, the schema `/api/ask` answers with; the others are the
`to_json()` of the records in `assistant.lookup`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Stance = Literal["positive", "negative", "unknown"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _ResultPart(BaseModel):
    """A part of `Result.to_json()`, whose schema `assistant.result` owns: a field added there
    passes through (tests/test_mcp.py compares the two)."""

    model_config = ConfigDict(extra="allow")


class CitationOutput(_ResultPart):
    n: int = Field(description="The marker [n] in the answer.")
    review_id: str = Field(description="The cited review (read it as review://{id}).")
    film: str
    critic: str
    publication: str = Field(description="The outlet.")
    date: str = Field(description="YYYY-MM-DD, or empty when unknown.")
    sentiment: str = Field(description="positive, negative or unknown.")
    quote: str = Field(description="The exact text quoted from the review.")
    span: list[int] = Field(
        description="[start, end): the quote's character offsets in the review."
    )
    verified: bool = Field(description="The quote was found verbatim in the review.")
    url: str = ""
    side: str | None = Field(
        default=None,
        description="The quote's own stance on the thing asked about, where a contrast in it "
        "reads otherwise than its review's sentiment ('a good film, but it lacks punch'); "
        "null: as its review's sentiment.",
    )


class CoverageOutput(_ResultPart):
    used: int = Field(description="Distinct reviews cited.")
    film_reviews: int = Field(description="Reviews the index holds of the film(s) asked about.")
    films: list[str]
    positive: int
    negative: int
    line: str = Field(description="'Based on 8 of 25 reviews of Her (2013).'")


class AskOutput(_ResultPart):
    """The result of /api/ask: the answer, its verified citations and its coverage."""

    id: str | None
    question: str
    answer: str = Field(description="The whole answer: the finding, then the quotes with [n].")
    lead: str = Field(description="The answer's first part (the finding with counts).")
    kind: Literal["answer", "unknown_film", "needs_film", "out_of_scope"]
    suggestions: list[str] = Field(
        description="For unknown_film: the closest titles held; for needs_film: the films "
        "a name the question gives may mean."
    )
    filters: dict[str, str] = Field(description="The filters that applied, as words.")
    engine: str
    engine_reason: str
    citations: list[CitationOutput]
    coverage: CoverageOutput
    problems: list[str] = Field(description="What was wrong with the engine's answer, if any.")
    timings_ms: dict[str, float]


class ReviewMatchOutput(_Out):
    id: str = Field(description="The review's id (read it as review://{id}).")
    film: str
    critic: str
    outlet: str
    date: str = Field(description="YYYY-MM-DD, or empty when unknown.")
    stance: Stance
    rating: str = Field(description='The critic\'s own rating as written ("3/4", "B+"), or empty.')
    top_critic: bool
    url: str
    sentence: str = Field(description="The sentence(s) that match (the first without a query).")
    span: list[int] = Field(description="[start, end): the sentence's offsets in the review.")


class SearchOutput(_Out):
    query: str
    filters: dict[str, str] = Field(description="The filters that applied, as words.")
    reviews: list[ReviewMatchOutput]


class StanceSplitOutput(_Out):
    reviews: int
    positive: int
    negative: int
    unlabelled: int = Field(description="Reviews with no positive/negative label.")


class FilmReportOutput(StanceSplitOutput):
    film: str = Field(description="The stored title.")
    top_critics: StanceSplitOutput = Field(description="The same counts for top critics only.")
    line: str
    reception: dict[str, Any] = Field(
        description="The reception report (as GET /api/films/{film}/report): timeline, themes "
        "with their stance split and quotes, pull quotes and a consensus whose [n] cite them."
    )


class FilmOutput(StanceSplitOutput):
    title: str


class FilmsOutput(_Out):
    films: list[FilmOutput]
    total: int = Field(description="Films matching the prefix (more than listed when limited).")


class CriticOutput(_Out):
    critic: str
    reviews: int


class CriticsOutput(_Out):
    film: str | None = Field(description="The stored title, or null for every film.")
    critics: list[CriticOutput] = Field(description="Most reviews first.")
    total: int = Field(description="Named critics in scope (more than listed when limited).")


class QuoteMatchOutput(_Out):
    review_id: str
    film: str
    critic: str
    outlet: str
    date: str
    stance: Stance
    text: str = Field(description="The review's own text where the quote stands.")
    span: list[int] = Field(description="[start, end): its offsets in the review.")


class QuoteCheckOutput(_Out):
    quote: str
    review_id: str | None = Field(description="The review checked, or null for all.")
    verified: bool = Field(description="The quote stands verbatim in the review (or in one).")
    total: int = Field(description="Reviews it was found in.")
    matches: list[QuoteMatchOutput]
