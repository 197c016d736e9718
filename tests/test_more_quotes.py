"""A scope with fewer reviews than an answer has room for: the room goes to more of those
reviews' own sentences (verbatim, never overlapping, after their review's first quote), and
every count the answer states still counts reviews, not quotes."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from assistant.passages import focused
from assistant.result import Source
from assistant.service import Assistant
from index.embedders.base import Embedder
from index.embedders.cached import CachedEmbedder
from index.filters import Filters
from index.ingest import ingest
from index.records import Review
from index.settings import Settings
from index.store import open_index

if TYPE_CHECKING:
    from index.embedders.base import Vectors

LONE_FILM = "Harbour Lights (2019)"
BUSY_FILM = "Crowded House (2020)"
# One long customer-style review: several paragraphs, so several chunks; the music is
# discussed in two places far apart, the rest is about other things.
LONG_REVIEW = (
    "I ordered this after a friend would not stop talking about it. The disc arrived in a "
    "cracked case, which the seller replaced within a week. Packaging aside, I sat down on a "
    "rainy Sunday and watched it twice.\n\n"
    "The story follows a lighthouse keeper and his daughter through one long winter. The "
    "writing is patient and the dialogue sounds like real people talking. The two leads are "
    "excellent, especially the girl, who never overplays a scene.\n\n"
    "The soundtrack is the real star: a haunting piano theme returns at every turn and the "
    "songs in the dance scene are lovely. I bought the album the next day.\n\n"
    "The picture quality of this edition is sharp, the colours are muted on purpose, and the "
    "extras include a short documentary about the harbour town where it was filmed. The "
    "commentary track is dull and can be skipped.\n\n"
    "By the end the music swells over the final storm and I was close to tears. The ending "
    "is earned. Recommended to anyone who likes slow, thoughtful films."
)


def write(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "film", "critic", "text"])
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("more-quotes")
    busy = [
        (f"busy-{i}", BUSY_FILM, f"Critic {i}", f"Review {i}: the music is {word} and memorable.")
        for i, word in enumerate(
            ["lush", "catchy", "brassy", "gentle", "loud", "odd", "sly", "warm", "bold", "lively"]
        )
    ]
    rows = [("lone-1", LONE_FILM, "A. Buyer", LONG_REVIEW), *busy]
    settings = Settings(home=folder / "home", engine="extractive")
    ingest([write(folder / "reviews.csv", rows)], settings)
    return settings.home


def ask(home: Path, question: str, film: str) -> object:
    assistant = Assistant(Settings(home=home, engine="extractive"))
    try:
        return assistant.ask(question, k=8, filters=Filters(films=(film,)))
    finally:
        assistant.close()


def test_a_lone_long_review_gives_every_part_that_speaks_to_the_question(home: Path) -> None:
    result = ask(home, "How is the music?", LONE_FILM)
    citations = result.citations  # type: ignore[attr-defined]
    assert len(citations) > 1, result.answer  # type: ignore[attr-defined]
    assert {c.review_id for c in citations} == {"lone-1"}
    quoted = " ".join(c.quote for c in citations)
    assert "The soundtrack is the real star" in quoted
    assert "the music swells over the final storm" in quoted  # the other passage about it
    spans = sorted(c.span for c in citations)
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert end <= start, f"quotes overlap: {spans}"
    for citation in citations:
        assert citation.verified
        start, end = citation.span
        assert citation.quote.replace("…", "").strip()[:40] in LONG_REVIEW[start:end]
    # every count states reviews: one review, however many quotes
    answer = result.answer  # type: ignore[attr-defined]
    assert answer.startswith(f"The one review of {LONE_FILM} speaks of the music"), answer
    assert f"Based on 1 of 1 review of {LONE_FILM}." in answer
    assert result.coverage.used == 1  # type: ignore[attr-defined]


def test_a_scope_with_enough_reviews_quotes_each_once(home: Path) -> None:
    result = ask(home, "How is the music?", BUSY_FILM)
    ids = [c.review_id for c in result.citations]  # type: ignore[attr-defined]
    assert len(ids) == 8
    assert len(set(ids)) == 8


def test_further_quotes_follow_their_review_and_are_numbered_in_order(home: Path) -> None:
    review = Review(id="lone-1", film=LONE_FILM, text=LONG_REVIEW)
    other = Review(id="short-1", film=LONE_FILM, text="Nice tunes.")
    end = LONG_REVIEW.index("\n\n")
    sources = [
        Source(1, review, LONG_REVIEW[:end], 0, end),
        Source(2, other, other.text, 0, len(other.text)),
    ]
    index = open_index(Settings(home=home), readonly=True)
    try:
        chunks = index.catalog.chunks(index.catalog.chunk_ids_of(["lone-1"])["lone-1"])
        more = [c for c in chunks.values() if c.start >= end]
        out = focused(sources, "How is the music?", index.embedder, room=3, more=more)
        none = focused(sources, "How is the music?", index.embedder, room=0, more=more)
    finally:
        index.close()
    assert [s.n for s in out] == list(range(1, len(out) + 1))
    extra = len(out) - 2
    assert 1 <= extra <= 3  # at most the room, from the review's other passages
    assert [s.review.id for s in out] == ["lone-1"] * (1 + extra) + ["short-1"]
    for source in out:
        assert source.review.text[source.start : source.end] == source.text
    assert [s.review.id for s in none] == ["lone-1", "short-1"]


class _Counting(Embedder):
    """The real model, recording every text it is asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.name, self.dimension = inner, inner.name, inner.dimension
        self.texts: list[str] = []

    def _encode(self, texts: Sequence[str]) -> Vectors:
        self.texts += texts
        return self.inner.embed(texts)


def test_the_sentences_of_long_reviews_are_embedded_once_per_process(home: Path) -> None:
    """Was: every question asked of a film with long reviews embedded their sentences again
    (about 300 ms a question on the SubjQA dev set, whose reviews are Amazon reviews)."""
    assistant = Assistant(Settings(home=home, engine="extractive"))
    try:
        cached = assistant.sentence_embedder
        assert isinstance(cached, CachedEmbedder)
        spy = _Counting(cached.inner)
        cached.inner = spy
        scope = Filters(films=(LONE_FILM,))
        first = assistant.ask("How is the music?", k=8, filters=scope)
        read = list(spy.texts)
        spy.texts.clear()
        again = assistant.ask("How is the music?", k=8, filters=scope)
        assert spy.texts == [] and again.answer == first.answer
        other = assistant.ask("Is the acting good?", k=8, filters=scope)
    finally:
        assistant.close()
    assert len(read) > 5 and "The soundtrack is the real star: a haunting piano theme" in (
        " ".join(read)
    )
    assert 0 < len(spy.texts) < len(read), spy.texts  # the new question, few new sentences
    assert other.citations and all(c.verified for c in other.citations)


def test_a_remembered_vector_is_the_models_and_the_least_used_text_goes_first(
    settings: Settings,
) -> None:
    import numpy as np

    index = open_index(settings)
    try:
        model = index.embedder
        cached = CachedEmbedder(model, size=2)
        spy = _Counting(model)
        cached.inner = spy
        texts = ["The score soars.", "The plot drags.", "The score soars."]
        vectors = cached.embed(texts)
        assert spy.texts == ["The score soars.", "The plot drags."]  # each once, in one call
        assert np.allclose(vectors, model.embed(texts), atol=1e-5)
        cached.embed(["The score soars."])  # used last: "The plot drags." goes first
        cached.embed(["A new text."])
        spy.texts.clear()
        cached.embed(["The score soars.", "The plot drags."])
        assert spy.texts == ["The plot drags."]
    finally:
        index.close()
