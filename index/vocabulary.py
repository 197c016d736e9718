"""The index's own vocabulary, embedded: the words its reviews use, each as a vector of the
embedding model, so a question's word can be widened to the words reviews use for the same
thing ("jokes" -> humour, gags, funny, laughs). No list of synonyms is written anywhere: the
neighbours are whatever the model finds among the words of this index.

Kept in HOME/vocabulary-<model>.npz (words and float16 vectors) and brought up to date on use:
only words new since the last build are embedded.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Collection
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from index.nearest import top_rows
from index.store import Index

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

MIN_REVIEWS = 2  # a word must appear in this many passages to be a neighbour
USAGE_WEIGHT = 0.3  # share of a neighbour's similarity that its usage in the index decides
USAGE_SAMPLE = 50_000  # passages read (spread over the index) to learn how words are used
MIN_USES = 3  # sampled passages a word needs for a usage of its own
MAX_WORDS = 60_000  # the most frequent words kept (bounds the one-off embedding cost)
_WORD = re.compile(r"^[a-z][a-z']{2,29}$")
_TOKEN = re.compile(r"[a-z][a-z']*")


@dataclass(frozen=True)
class Vocabulary:
    """Words and their unit vectors (row i is words[i]), and optionally how the index uses
    each: the centroid of the (centred) stored vectors of sampled passages holding the word,
    a unit vector, or a zero row for a word seen in fewer than MIN_USES sampled passages."""

    words: list[str]
    vectors: npt.NDArray[np.float32]
    usage: npt.NDArray[np.float32] | None = None

    @cached_property
    def _rows(self) -> dict[str, int]:
        """Each word's row (built once per vocabulary, not per question)."""
        return {word: i for i, word in enumerate(self.words)}

    def holds(self, word: str) -> bool:
        """Whether `word` is one of the vocabulary's words."""
        return word in self._rows

    @cached_property
    def _has_usage(self) -> npt.NDArray[np.bool_] | None:
        """Which rows have a usage of their own (a zero row has none)."""
        import numpy as np

        return None if self.usage is None else np.any(self.usage != 0, axis=1)

    def neighbours(
        self,
        vector: npt.NDArray[np.float32],
        floor: float,
        most: int = 40,
        used_like: npt.NDArray[np.float32] | None = None,
    ) -> dict[str, float]:
        """The words nearest `vector` with similarity >= `floor` (at most `most`). With
        `used_like` (how the index uses the asked words), a word's similarity mixes in
        USAGE_WEIGHT of how near its own usage is: "send" is near "message" for the model,
        not in reviews of films, where "message" is used as "lesson" and "themes" are."""
        import numpy as np

        if not self.words:
            return {}
        similarity = self.vectors @ np.asarray(vector, dtype=np.float32)
        has_usage = self._has_usage
        if used_like is not None and self.usage is not None and has_usage is not None:
            usage = self.usage @ np.asarray(used_like, dtype=np.float32)
            mixed = (1 - USAGE_WEIGHT) * similarity + USAGE_WEIGHT * usage
            similarity = np.where(has_usage, mixed, similarity)
        best = top_rows(similarity, most)
        return {self.words[i]: float(similarity[i]) for i in best if similarity[i] >= floor}

    def similarities(
        self, words: Collection[str], vector: npt.NDArray[np.float32]
    ) -> dict[str, float]:
        """How near `vector` each of `words` the vocabulary holds is (cosine); words it does
        not hold are left out."""
        return _cosines(self.vectors, self._rows, words, vector)

    def usage_similarities(
        self, words: Collection[str], used_like: npt.NDArray[np.float32]
    ) -> dict[str, float]:
        """How near `used_like` the usage of each of `words` is (cosine); words without a
        usage of their own are left out."""
        if self.usage is None or self._has_usage is None:
            return {}
        has_usage, rows = self._has_usage, self._rows
        used = [w for w in words if w in rows and has_usage[rows[w]]]
        return _cosines(self.usage, rows, used, used_like)

    def used_like(self, words: list[str]) -> npt.NDArray[np.float32] | None:
        """How the index uses `words` (their usage rows averaged, a unit vector); None when
        no usage is known for any of them."""
        import numpy as np

        if self.usage is None or self._has_usage is None:
            return None
        found = [self._rows[w] for w in words if w in self._rows]
        rows = [self.usage[i] for i in found if self._has_usage[i]]
        if not rows:
            return None
        mean = np.mean(rows, axis=0)
        unit: npt.NDArray[np.float32] = (mean / max(float(np.linalg.norm(mean)), 1e-9)).astype(
            np.float32
        )
        return unit


def _cosines(
    matrix: npt.NDArray[np.float32],
    rows: dict[str, int],
    words: Collection[str],
    vector: npt.NDArray[np.float32],
) -> dict[str, float]:
    """word -> its row of `matrix` (found in `rows`) times `vector`, for the `words` `rows`
    holds."""
    import numpy as np

    found = {w: rows[w] for w in words if w in rows}
    if not found:
        return {}
    near = matrix[list(found.values())] @ np.asarray(vector, dtype=np.float32)
    return {word: float(s) for word, s in zip(found, near, strict=True)}


def usage_vectors(
    words: list[str], passages: list[tuple[str, bytes]], dimension: int
) -> npt.NDArray[np.float32]:
    """Each word's usage row (see `Vocabulary`) from (text, stored vector) passages."""
    import numpy as np
    from scipy.sparse import csr_matrix

    if not passages or not words:
        return np.zeros((len(words), dimension), dtype=np.float32)
    index = {w: i for i, w in enumerate(words)}
    matrix = np.stack([np.frombuffer(vector, dtype=np.float32) for _, vector in passages])
    matrix = matrix - matrix.mean(axis=0)
    rows: list[int] = []
    columns: list[int] = []
    for column, (text, _) in enumerate(passages):
        found = {index[w] for w in _TOKEN.findall(text.casefold()) if w in index}
        rows.extend(found)
        columns.extend([column] * len(found))
    holds = csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, columns)),
        shape=(len(words), len(passages)),
    )
    uses = np.asarray(holds.sum(axis=1)).ravel()
    sums = np.asarray(holds @ matrix, dtype=np.float32)
    norms = np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-9)
    usage: npt.NDArray[np.float32] = (sums / norms).astype(np.float32)
    usage[uses < MIN_USES] = 0.0
    return usage


def index_words(index: Index) -> list[str]:
    """The words of the index's passages (lower case, letters and apostrophes, 3+ letters),
    seen in at least MIN_REVIEWS passages, most frequent first, at most MAX_WORDS."""
    terms = index.catalog.frequent_words(MIN_REVIEWS)
    return [term for term in terms if _WORD.match(term)][:MAX_WORDS]


class VocabularyStore:
    """The embedded vocabulary of one index: loaded from its file, extended when the index has
    new words, saved back (atomically)."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._lock = threading.Lock()
        self._cached: tuple[int, Vocabulary] | None = None

    @property
    def path(self) -> Path:
        model = re.sub(r"[^\w.-]+", "_", self.index.settings.embedding_model)[-60:]
        return self.index.settings.home / f"vocabulary-{model}.npz"

    def get(self) -> Vocabulary:
        """The vocabulary, up to date with the catalog (cheap when nothing changed)."""
        version = self.index.catalog.data_version()
        cached = self._cached
        if cached is not None and cached[0] == version:
            return cached[1]
        with self._lock:
            if self._cached is not None and self._cached[0] == version:
                return self._cached[1]
            vocabulary = self._update(self._load())
            self._cached = (version, vocabulary)
            return vocabulary

    def _load(self) -> Vocabulary:
        import numpy as np

        dimension = 0
        try:
            with np.load(self.path, allow_pickle=False) as data:
                words = [str(w) for w in data["words"]]
                vectors = np.asarray(data["vectors"], dtype=np.float32)
                dimension = vectors.shape[1] if vectors.ndim == 2 else 0
                usage = None
                if "usage" in data.files and data["usage"].shape == vectors.shape:
                    usage = np.asarray(data["usage"], dtype=np.float32)
                if len(words) == len(vectors) and dimension:
                    return Vocabulary(words, vectors, usage)
        except (OSError, KeyError, ValueError):
            pass  # missing or unreadable: rebuilt below
        return Vocabulary([], np.zeros((0, dimension), dtype=np.float32))

    def _update(self, old: Vocabulary) -> Vocabulary:
        import numpy as np

        wanted = index_words(self.index)
        known = dict(zip(old.words, range(len(old.words)), strict=True))
        new = [w for w in wanted if w not in known]
        if not new and len(wanted) == len(old.words):
            if old.usage is not None or not old.words:
                return old
            # a vocabulary saved before usage was kept: learn it, nothing to embed
            vocabulary = Vocabulary(old.words, old.vectors, self._usage(old.words, old.vectors))
            self._save(vocabulary)
            return vocabulary
        fresh = self.index.embedder.embed(new) if new else None
        rows = []
        for word in wanted:
            if word in known:
                rows.append(old.vectors[known[word]])
        kept = [w for w in wanted if w in known]
        words = kept + new
        parts = [np.asarray(rows, dtype=np.float32).reshape(len(rows), -1)] if rows else []
        if fresh is not None:
            parts.append(np.asarray(fresh, dtype=np.float32))
        vectors = np.concatenate(parts) if parts else np.zeros((0, 0), dtype=np.float32)
        vocabulary = Vocabulary(words, vectors, self._usage(words, vectors))
        self._save(vocabulary)
        return vocabulary

    def _usage(
        self, words: list[str], vectors: npt.NDArray[np.float32]
    ) -> npt.NDArray[np.float32] | None:
        """How the index uses `words`, from a sample of its passages' stored vectors (no
        model call); None for an empty vocabulary."""
        if not words or vectors.ndim != 2:
            return None
        passages = self.index.catalog.passages_with_vectors(USAGE_SAMPLE)
        return usage_vectors(words, passages, vectors.shape[1])

    def _save(self, vocabulary: Vocabulary) -> None:
        import numpy as np

        partial = self.path.with_suffix(".partial.npz")
        try:
            half = vocabulary.vectors.astype(np.float16)  # half the disk, same neighbours
            words = np.asarray(vocabulary.words)
            if vocabulary.usage is None:
                np.savez(partial, words=words, vectors=half)
            else:
                usage = vocabulary.usage.astype(np.float16)
                np.savez(partial, words=words, vectors=half, usage=usage)
            partial.replace(self.path)
        except OSError:
            partial.unlink(missing_ok=True)  # a read-only home: keep it in memory only
