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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from index.store import Index

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

MIN_REVIEWS = 2  # a word must appear in this many passages to be a neighbour
MAX_WORDS = 60_000  # the most frequent words kept (bounds the one-off embedding cost)
_WORD = re.compile(r"^[a-z][a-z']{2,29}$")


@dataclass(frozen=True)
class Vocabulary:
    """Words and their unit vectors (row i is words[i])."""

    words: list[str]
    vectors: npt.NDArray[np.float32]

    def neighbours(
        self, vector: npt.NDArray[np.float32], floor: float, most: int = 40
    ) -> dict[str, float]:
        """The words nearest `vector` with cosine similarity >= `floor` (at most `most`)."""
        import numpy as np

        if not self.words:
            return {}
        similarity = self.vectors @ np.asarray(vector, dtype=np.float32)
        best = np.argsort(-similarity, kind="stable")[:most]
        return {self.words[i]: float(similarity[i]) for i in best if similarity[i] >= floor}


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
                if len(words) == len(vectors) and dimension:
                    return Vocabulary(words, vectors)
        except (OSError, KeyError, ValueError):
            pass  # missing or unreadable: rebuilt below
        return Vocabulary([], np.zeros((0, dimension), dtype=np.float32))

    def _update(self, old: Vocabulary) -> Vocabulary:
        import numpy as np

        wanted = index_words(self.index)
        known = dict(zip(old.words, range(len(old.words)), strict=True))
        new = [w for w in wanted if w not in known]
        if not new and len(wanted) == len(old.words):
            return old
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
        vocabulary = Vocabulary(words, vectors)
        self._save(vocabulary)
        return vocabulary

    def _save(self, vocabulary: Vocabulary) -> None:
        import numpy as np

        partial = self.path.with_suffix(".partial.npz")
        try:
            half = vocabulary.vectors.astype(np.float16)  # half the disk, same neighbours
            np.savez(partial, words=np.asarray(vocabulary.words), vectors=half)
            partial.replace(self.path)
        except OSError:
            partial.unlink(missing_ok=True)  # a read-only home: keep it in memory only
