"""The part of a long passage an answer quotes: its sentence(s) nearest in meaning to the
question, not the one sharing the most words ("How was the series?" is answered by "The show
is interesting"). Short passages (one or two sentences, a critic's blurb) stay whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from assistant.result import Source
from index.chunking import sentence_spans

if TYPE_CHECKING:
    from index.embedders.base import Embedder

LONG_PASSAGE = 300  # characters: a passage longer than this is narrowed to its best sentences
MAX_SPAN = 350  # the narrowed part: the best sentence and its nearer neighbour within this


def focused(sources: Sequence[Source], question: str, embedder: Embedder) -> list[Source]:
    """`sources` with each long passage narrowed to the sentence(s) nearest the question (the
    offsets moved with it, so citations still point into the review)."""
    import numpy as np

    pieces: list[tuple[int, list[tuple[int, int]]]] = []
    texts: list[str] = []
    for i, source in enumerate(sources):
        spans = sentence_spans(source.text)
        if len(source.text) > LONG_PASSAGE and len(spans) > 2:
            pieces.append((i, spans))
            texts.extend(source.text[a:b] for a, b in spans)
    if not pieces:
        return list(sources)
    vectors = embedder.embed([question, *texts])
    similarity = np.asarray(vectors[1:]) @ np.asarray(vectors[0])
    out = list(sources)
    at = 0
    for i, spans in pieces:
        scores = similarity[at : at + len(spans)]
        at += len(spans)
        first = last = int(np.argmax(scores))
        # the best sentence and its nearer neighbour, when the two fit in one quote
        after = scores[first + 1] if first + 1 < len(spans) else -2.0
        before = scores[first - 1] if first > 0 else -2.0
        if after >= before and after > -2.0 and spans[first + 1][1] - spans[first][0] <= MAX_SPAN:
            last = first + 1
        elif before > -2.0 and spans[first][1] - spans[first - 1][0] <= MAX_SPAN:
            first -= 1
        start, end = spans[first][0], spans[last][1]
        source = sources[i]
        out[i] = replace(
            source,
            text=source.text[start:end],
            start=source.start + start,
            end=source.start + end,
        )
    return out
