"""Words used alike in film reviews: which words a reviewer writes where another would write
the asked one ("plot" for "story", "moral" and "themes" for "message", "cinematography" for
"visuals").

The sentence model reads a word alone, out of any context, and places it poorly: among an
index's words "plot" is the 1,275th nearest "story" for all-MiniLM-L6-v2. These vectors are
learnt from how words are used in 50,000 public IMDb user reviews (positive pointwise mutual
information of the words around each word, reduced by SVD), so two words are near when
reviewers write them in the same places. They are trained by `python -m
bench.train_review_words` and shipped as `assistant/models/review_words.npz` (int8 rows with
a scale each); nothing is listed by hand.

Words written in the same places are also different things of the same kind ("acting" and
"directing"), so `ThingMatcher` takes only a few of them, only those the sentence model does
not find far from the thing, none that reviewers list beside it (`assistant.review_lists`),
and ranks them after the sentence model's own neighbours.

Importing this module is cheap: numpy and the vectors load on first use.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.models import read_packaged
from index.errors import ModelError
from index.nearest import top_rows

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "FILE",
    "RETRAIN",
    "ReviewWords",
    "folded",
    "load_review_words",
    "review_tokens",
    "word_ranks",
]

FILE = "review_words.npz"
# how many of a word's nearest words tell how crowded its place is (`ReviewWords.crowding`)
CROWD = 10
RETRAIN = "python -m bench.train_review_words"
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?")


def folded(text: str) -> str:
    """`text` casefolded, its accents dropped: how the review words are read."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def review_tokens(text: str) -> list[str]:
    """The words of `text` as the vectors know them: casefolded, accents dropped, letters
    with an inner apostrophe kept ("don't")."""
    return _TOKEN.findall(folded(text))


@dataclass(frozen=True)
class ReviewWords:
    """Words and their unit vectors (row i is words[i]), with the training facts in `meta`."""

    words: list[str]
    vectors: npt.NDArray[np.float32]
    meta: dict[str, Any] = field(default_factory=dict)

    @functools.cached_property
    def _rows(self) -> dict[str, int]:
        return {word: i for i, word in enumerate(self.words)}

    def near(self, focus: Sequence[str], most: int) -> dict[str, float]:
        """The `most` words written most like `focus` (their vectors averaged), with their
        cosine similarity; the focus words themselves left out. {} when no focus word is
        known."""
        mean = self._mean(focus)
        if mean is None or most <= 0:
            return {}
        similarity = self.vectors @ mean
        best = top_rows(similarity, most + len(focus))
        asked = set(focus)
        found = {self.words[i]: float(similarity[i]) for i in best if self.words[i] not in asked}
        return dict(list(found.items())[:most])

    def crowding(self, focus: Sequence[str]) -> float | None:
        """How alike `focus` (its vectors averaged) is written to its CROWD nearest words, on
        average; None when no focus word is known. A word written in the places of many
        others is crowded: "direction", near every word of the craft (0.72); "lines" is not
        (0.60)."""
        key = tuple(focus)
        if key not in self._crowding:
            near = self.near(focus, CROWD)
            self._crowding[key] = sum(near.values()) / len(near) if near else None
        return self._crowding[key]

    def alike_beyond_crowding(self, focus: Sequence[str], words: Sequence[str]) -> dict[str, float]:
        """How alike `words` are written to `focus` beyond how alike each is to its own
        nearest words: twice the cosine less both crowdings (cross-domain similarity local
        scaling, Conneau et al. 2018). "direction" is 0.71 from "pacing" and as near every
        word of the craft (0.06 beyond); "pace" is 0.81 from it (0.32 beyond). Words not known
        are left out, and all are when no focus word is known."""
        asked = self.crowding(focus)
        if asked is None:
            return {}
        beyond = {}
        for word, near in self.similarities(focus, words).items():
            own = self.crowding([word])
            if own is not None:
                beyond[word] = 2 * near - asked - own
        return beyond

    @functools.cached_property
    def _crowding(self) -> dict[tuple[str, ...], float | None]:
        return {}

    def similarities(self, focus: Sequence[str], words: Sequence[str]) -> dict[str, float]:
        """How alike `words` are written to `focus` (cosine to its vectors averaged); words not
        known are left out, and all are when no focus word is known."""
        mean = self._mean(focus)
        if mean is None:
            return {}
        known = [w for w in words if w in self._rows]
        similarity = self.vectors[[self._rows[w] for w in known]] @ mean
        return {w: float(near) for w, near in zip(known, similarity, strict=True)}

    def _mean(self, focus: Sequence[str]) -> npt.NDArray[np.float32] | None:
        """The focus words' vectors averaged, a unit vector; None when none is known."""
        import numpy as np

        rows = [self._rows[w] for w in focus if w in self._rows]
        if not rows:
            return None
        mean: npt.NDArray[np.float32] = self.vectors[rows].mean(axis=0)
        return mean / max(float(np.linalg.norm(mean)), 1e-9)


def dequantized(quantized: npt.NDArray[Any], scale: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
    """int8 rows times their scale, each row made a unit vector again."""
    import numpy as np

    vectors = quantized.astype(np.float32) * scale.astype(np.float32).reshape(-1, 1)
    norms = np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    unit: npt.NDArray[np.float32] = (vectors / norms).astype(np.float32)
    return unit


@functools.cache
def word_ranks() -> dict[str, int]:
    """word -> where it stands among the words reviewers write most (0: the most written),
    for the words the vectors keep (stored most frequent first by `bench.train_review_words`);
    read without the vectors: names are told from words with it on every question
    (`assistant.entities.everyday`)."""
    ranks, _ = read_packaged(
        FILE,
        "the review-word vectors",
        RETRAIN,
        lambda data: {str(word): rank for rank, word in enumerate(data["words"])},
    )
    return ranks


@functools.cache
def load_review_words() -> ReviewWords:
    """The shipped review-word vectors (read once per process)."""
    (words, vectors), meta = read_packaged(
        FILE,
        "the review-word vectors",
        RETRAIN,
        lambda data: ([str(w) for w in data["words"]], dequantized(data["vectors"], data["scale"])),
    )
    if len(words) != len(vectors):
        raise ModelError(
            f"assistant/models/{FILE} holds {len(words)} words but {len(vectors)} vectors: "
            f"rebuild it with {RETRAIN}"
        )
    return ReviewWords(words, vectors, meta)
