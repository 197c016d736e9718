"""Stance per sentence: is a cited sentence positive or negative about what it describes?

A review's fresh/rotten label is the critic's verdict on the film, not on each aspect: "The
animation dazzles, but the story drags." is fresh and negative on the story. The stance head
is a logistic regression over the sentence embeddings of the product's own embedder (one
weight vector and a bias, shipped as `assistant/models/stance_head.npz` and trained by
`python -m bench.train_stance` on public RT critic quotes and IMDb reviews).

Its probability of positive maps to three stances through a band stored with the weights:
above `positive_above` a sentence is "positive", below `negative_below` "negative", between
them "mixed" (the head is unsure: often a sentence that weighs both sides, or none). The band
is calibrated on validation films (never trained on): each bound is the loosest one at which
that label is right at least 85% of the time on RT critic quotes (`BENCHMARKS.md`).

Importing this module is cheap: numpy and the weights load on first use.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from assistant.models import read_packaged
from index.chunking import sentence_spans
from index.errors import ModelError
from index.settings import PACKAGED_MINILM

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from index.embedders.base import Embedder

__all__ = [
    "SentenceStance",
    "Stance",
    "StanceHead",
    "clause_spans",
    "load_head",
    "sentence_stances",
]

Stance = Literal["positive", "negative", "mixed"]
WEIGHTS = "stance_head.npz"
RETRAIN = "python -m bench.train_stance (needs ../shared/data)"


@dataclass(frozen=True)
class SentenceStance:
    """The stance of one sentence (or clause) of a text: its character span and probability."""

    start: int
    end: int
    stance: Stance
    probability: float  # of positive

    @property
    def span(self) -> tuple[int, int]:
        return self.start, self.end


@dataclass(frozen=True, eq=False)
class StanceHead:
    """The shipped classifier: P(positive) = sigmoid(vector . weights + bias)."""

    weights: npt.NDArray[np.float32]
    bias: float
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def embedding_model(self) -> str:
        return str(self.meta["embedding_model"])

    @property
    def positive_above(self) -> float:
        return float(self.meta.get("positive_above", 0.6))

    @property
    def negative_below(self) -> float:
        return float(self.meta.get("negative_below", 0.4))

    def check(self, embedding_model: str) -> None:
        """Raise ModelError unless the head was trained on embeddings of `embedding_model`."""
        if _model_key(embedding_model) != _model_key(self.embedding_model):
            raise ModelError(
                f"the stance head was trained on embeddings of '{self.embedding_model}', but "
                f"the embedding model is '{embedding_model}': set REVIEWQA_EMBEDDING_MODEL="
                f"{self.embedding_model}, or retrain the head for this model with {RETRAIN}"
            )

    def probability(self, vectors: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """P(positive) for each row of an (n, dimension) array of embeddings."""
        import numpy as np

        x = np.asarray(vectors, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != len(self.weights):
            raise ModelError(
                f"the stance head takes {len(self.weights)}-d embeddings, got shape {x.shape}: "
                f"embed with '{self.embedding_model}' or retrain with {RETRAIN}"
            )
        z = x @ self.weights.astype(np.float64) + self.bias
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)

    def stance(self, probability: float) -> Stance:
        """ "positive" above the band, "negative" below it, "mixed" inside it."""
        if probability > self.positive_above:
            return "positive"
        if probability < self.negative_below:
            return "negative"
        return "mixed"


@functools.cache
def load_head() -> StanceHead:
    """The shipped stance head (read once per process)."""
    import numpy as np

    (weights, bias), meta = read_packaged(
        WEIGHTS,
        "the stance head",
        RETRAIN,
        lambda data: (np.asarray(data["weights"], dtype=np.float32), float(data["bias"])),
    )
    return StanceHead(weights, bias, meta)


# A contrast opens a new clause: "X, but Y", "X although Y", "X; Y", "X, yet Y".
_CONTRAST = re.compile(
    r";\s*|,?\s+(?=(?:but|although|though|whereas|however)\b)|,\s+(?=(?:yet|while)\b)",
    re.IGNORECASE,
)
# "anything but good", "all but", "nothing but": not a contrast
_NOT_A_BREAK = re.compile(r"\b(?:anything|nothing|all|everything|none|not|if)$", re.IGNORECASE)
_WORD = re.compile(r"\w+")


def clause_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of `text`, each cut further where a contrast opens a clause.

    A heuristic: a sentence is cut before "but", "although", "though", "whereas", "however",
    before ", yet" and ", while", and after ";", keeping each piece at two words or more and
    leaving "anything but", "all but", "not only ... but" and the like whole.
    """
    spans: list[tuple[int, int]] = []
    for start, end in sentence_spans(text):
        piece = start
        for match in _CONTRAST.finditer(text, start, end):
            left = text[piece : match.start()]
            right = text[match.end() : end]
            if _NOT_A_BREAK.search(left) or len(_WORD.findall(left)) < 2:
                continue
            if len(_WORD.findall(right)) < 2 or re.match(r"(?i)but\s+also\b", right):
                continue
            spans.append((piece, match.start()))
            piece = match.end()
        spans.append((piece, end))
    return spans


def sentence_stances(
    texts: Sequence[str],
    embedder: Embedder,
    *,
    clauses: bool = False,
    head: StanceHead | None = None,
) -> list[list[SentenceStance]]:
    """The stance of each sentence (or clause, with `clauses`) of each text, in one batch.

    Only the sentences of `texts` are embedded, in one `embedder.embed` call; meant for the few
    reviews an answer cites. Raises ModelError if the head was trained on another model.
    """
    head = head or load_head()
    head.check(embedder.name)
    split = clause_spans if clauses else sentence_spans
    spans = [split(text) for text in texts]
    pieces = [text[a:b] for text, found in zip(texts, spans, strict=True) for a, b in found]
    if not pieces:
        return [[] for _ in texts]
    probs = head.probability(embedder.embed(pieces)).tolist()
    out: list[list[SentenceStance]] = []
    i = 0
    for found in spans:
        row = []
        for a, b in found:
            row.append(SentenceStance(a, b, head.stance(probs[i]), probs[i]))
            i += 1
        out.append(row)
    return out


def _model_key(name: str) -> str:
    return PACKAGED_MINILM if name.replace("_", "-") == PACKAGED_MINILM else name
