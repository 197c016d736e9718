"""The parts of long reviews an answer quotes: their sentence(s) nearest in meaning to the
question, not the ones sharing the most words ("How was the series?" is answered by "The show
is interesting"). Short passages (one or two sentences, a critic's blurb) stay whole.

When the scope holds fewer reviews than the answer has room for (a film with one long review,
asked "how is the music?"), the room is spent on more of those reviews' own sentences: each
further quote is the next sentence nearest the question in a cited review (in the passage
already quoted or in the review's other passages, handed in nearest first), so an answer
resting on one review still shows the parts of it that speak to the question.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from assistant.result import Source
from index.chunking import sentence_spans

if TYPE_CHECKING:
    from index.catalog import StoredChunk
    from index.embedders.base import Embedder

LONG_PASSAGE = 300  # characters: a passage longer than this is narrowed to its best sentences
MAX_SPAN = 350  # the narrowed part: the best sentence and its nearer neighbour within this
MIN_EXTRA_WORDS = 4  # a further quote is a sentence, not a fragment ("NOW!", "5 stars.")
EXTRA_SENTENCES = 24  # sentences of further passages read at most (bounds the model's work)
SCORED_CHARS = 250  # a sentence is judged by its start: a run-on would cost the model dearly


@dataclass
class _Sentences:
    """The sentences of one passage of a review: offsets in the review, and their similarity
    to the question (filled in once every passage is embedded, in one call)."""

    source: Source
    spans: list[tuple[int, int]]
    scores: list[float]

    @classmethod
    def of(cls, source: Source) -> _Sentences:
        spans = [(source.start + a, source.start + b) for a, b in sentence_spans(source.text)]
        return cls(source, spans, [])

    def texts(self) -> list[str]:
        text = self.source.review.text
        return [text[a:b] for a, b in self.spans]


def focused(
    sources: Sequence[Source],
    question: str,
    embedder: Embedder,
    room: int = 0,
    more: Sequence[StoredChunk] = (),
) -> list[Source]:
    """`sources` with each long passage narrowed to the sentence(s) nearest the question (the
    offsets moved with it, so citations still point into the review); then, with `room` > 0,
    up to `room` further quotes of the cited reviews, from the sentences left in their long
    passages and from `more` (other passages of those reviews, nearest first), each placed
    after its review's first quote. Sources are renumbered in their new order."""
    long_passages = {
        i: sentences
        for i, source in enumerate(sources)
        if len(source.text) > LONG_PASSAGE and len((sentences := _Sentences.of(source)).spans) > 2
    }
    further: list[_Sentences] = []
    if room > 0:
        first_of: dict[str, Source] = {}
        for source in sources:
            first_of.setdefault(source.review.id, source)
        budget = EXTRA_SENTENCES
        for chunk in more:
            owner = first_of.get(chunk.review.id)
            if owner is None or budget <= 0:
                continue
            passage = replace(owner, text=chunk.text, start=chunk.start, end=chunk.end)
            sentences = _Sentences.of(passage)
            sentences.spans = sentences.spans[:budget]
            budget -= len(sentences.spans)
            further.append(sentences)
    if not long_passages and not further:
        return _numbered(list(sources))
    _score(question, embedder, [*long_passages.values(), *further])
    out = list(sources)
    for i, sentences in long_passages.items():
        start, end = _best_group(sentences)
        out[i] = _quote(sources[i], start, end)
    extras = _extra_quotes(out, [*long_passages.values(), *further], room)
    ordered: list[Source] = []
    for source in out:
        ordered.append(source)
        ordered.extend(extras.pop(source.review.id, []))
    return _numbered(ordered)


def _score(question: str, embedder: Embedder, passages: Sequence[_Sentences]) -> None:
    """Fill in every sentence's similarity to the question, with one call to the model."""
    import numpy as np

    texts = [text[:SCORED_CHARS] for passage in passages for text in passage.texts()]
    vectors = embedder.embed([question, *texts])
    similarity = (np.asarray(vectors[1:]) @ np.asarray(vectors[0])).tolist()
    at = 0
    for passage in passages:
        passage.scores = similarity[at : at + len(passage.spans)]
        at += len(passage.spans)


def _best_group(sentences: _Sentences, best: int | None = None) -> tuple[int, int]:
    """The best sentence (or sentence `best`) and its nearer neighbour when the two fit in one
    quote, as offsets in the review."""
    spans, scores = sentences.spans, sentences.scores
    first = last = int(max(range(len(spans)), key=scores.__getitem__)) if best is None else best
    after = scores[first + 1] if first + 1 < len(spans) else -2.0
    before = scores[first - 1] if first > 0 else -2.0
    if after >= before and after > -2.0 and spans[first + 1][1] - spans[first][0] <= MAX_SPAN:
        last = first + 1
    elif before > -2.0 and spans[first][1] - spans[first - 1][0] <= MAX_SPAN:
        first -= 1
    return spans[first][0], spans[last][1]


def _extra_quotes(
    quoted: Sequence[Source], passages: Sequence[_Sentences], room: int
) -> dict[str, list[Source]]:
    """Up to `room` further quotes from `passages`, nearest the question first, none
    overlapping a quote already made, by review id."""
    taken: dict[str, list[tuple[int, int]]] = {}
    for source in quoted:
        taken.setdefault(source.review.id, []).append((source.start, source.end))
    candidates = sorted(
        (
            (score, p, i)
            for p, passage in enumerate(passages)
            for i, score in enumerate(passage.scores)
            if len(passage.texts()[i].split()) >= MIN_EXTRA_WORDS
        ),
        key=lambda c: -c[0],
    )
    extras: dict[str, list[Source]] = {}
    for _, p, i in candidates:
        if room <= 0:
            break
        passage = passages[p]
        spans = taken[passage.source.review.id]
        if any(_overlaps(passage.spans[i], span) for span in spans):
            continue
        start, end = _best_group(passage, i)
        if any(_overlaps((start, end), span) for span in spans):
            start, end = passage.spans[i]
        spans.append((start, end))
        extras.setdefault(passage.source.review.id, []).append(_quote(passage.source, start, end))
        room -= 1
    return extras


def _quote(source: Source, start: int, end: int) -> Source:
    """`source` narrowed to review.text[start:end]."""
    return replace(source, text=source.review.text[start:end], start=start, end=end)


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _numbered(sources: list[Source]) -> list[Source]:
    return [replace(s, n=i) for i, s in enumerate(sources, 1)]
