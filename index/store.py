"""The index: the catalog and the vector store opened together, kept consistent."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING

from index.catalog import VECTOR_DTYPE, Catalog
from index.embedders.base import Embedder
from index.embedders.factory import load_embedder
from index.errors import StoreError
from index.filters import Filters, chroma_where
from index.nearest import top_rows
from index.settings import Settings
from index.vectors import VectorStore

if TYPE_CHECKING:
    from index.embedders.base import Vectors

# The kind of vectors each embedding backend makes: backends of one kind can share an index.
# torch and onnx run the same float32 model (cosine > 0.999); int8 moves the vectors.
VECTOR_GENERATION = "vector_generation"  # catalog meta: the generation of Chroma in use
VECTOR_NUMBERS = {"torch": "float32", "onnx": "float32", "onnx-int8": "int8-quantized"}
WIDEN_STEPS = (4, 25)  # neighbours fetched (x n) before a broad filter is applied to them


class Index:
    """Opens the catalog for `settings`; Chroma and the embedder load on first use."""

    def __init__(self, settings: Settings, *, readonly: bool = False) -> None:
        """Chroma opens on first use (`VectorStore`): an index whose vector store cannot be
        opened still opens, to be checked or repaired, and its catalog still answers."""
        self.settings = settings
        self.catalog = Catalog(settings.catalog_path, readonly=readonly)
        try:
            self.vectors = VectorStore(settings, self.vector_generation())
            self._check_model()
        except BaseException:
            self.catalog.close()
            raise

    def vector_generation(self) -> int:
        """Which copy of the vector index the catalog names as in use (see `index.repair`)."""
        return int(self.catalog.get_meta(VECTOR_GENERATION) or 0)

    def follow_vectors(self) -> None:
        """Open the generation of the vector store the catalog names, when another process
        switched it (a repair while this one serves over a Chroma server)."""
        generation = self.vector_generation()
        if generation != self.vectors.generation:
            old, self.vectors = self.vectors, VectorStore(self.settings, generation)
            old.close()

    def switch_vectors(self, store: VectorStore) -> VectorStore:
        """Make `store` (a complete new generation) the one in use, in one catalog commit;
        returns the store it replaces, for the caller to discard."""
        with self.catalog.transaction():
            self.catalog.set_meta(VECTOR_GENERATION, str(store.generation))
        old, self.vectors = self.vectors, store
        return old

    @cached_property
    def embedder(self) -> Embedder:
        return load_embedder(self.settings)

    def nearest(
        self, vector: Vectors, n: int, filters: Filters | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the `n` chunks nearest `vector` among those whose
        review `filters` allow, best first: the same chunks as Chroma's filtered search."""
        where = chroma_where(filters) if filters is not None else None
        if filters is None or where is None:
            return self.vectors.query(vector, n)
        # A broad filter (a stance, dates, top critics) keeps much of the collection, and
        # Chroma's filtered search first lists every id it allows: at a million chunks that
        # costs over a second. Nearest neighbours without the filter, kept when the catalog
        # says they match, cost milliseconds; the filtered search stays the fallback.
        for widen in WIDEN_STEPS:
            near = self.vectors.query(vector, n * widen)
            allowed = self.catalog.chunks_passing([c for c, _ in near], filters)
            kept = [(c, score) for c, score in near if c in allowed]
            if len(kept) >= n or len(near) < n * widen:  # enough, or the whole collection
                return kept[:n]
        return self.vectors.query(vector, n, where)

    def rank_among(self, ids: Sequence[str], vector: Vectors, n: int) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the `n` chunks among `ids` nearest to `vector`,
        best first, by exact search over the vectors the catalog keeps: for a narrow filter
        (one film's chunks) this beats a filtered HNSW search, whose cost grows with the
        whole collection, and needs no Chroma. Chroma supplies a vector the catalog lacks
        (an index of schema 2 not yet repaired)."""
        import numpy as np

        if not ids:
            return []
        stored = self.catalog.vectors_of(ids)
        vectors = {cid: np.frombuffer(row, dtype=VECTOR_DTYPE) for cid, row in stored.items()}
        missing = [cid for cid in ids if cid not in vectors]
        if missing:
            vectors.update(self.vectors.vectors_of(missing))
        held = [cid for cid in dict.fromkeys(ids) if cid in vectors]
        if not held:
            return []
        matrix = np.stack([vectors[cid] for cid in held]).astype(np.float32, copy=False)
        similarities = matrix @ np.asarray(vector, dtype=np.float32)
        best = top_rows(similarities, n)
        return [(held[i], float(similarities[i])) for i in best]

    def _check_model(self) -> None:
        built_with = self.catalog.get_meta("embedding_model")
        if built_with is not None and built_with != self.settings.embedding_model:
            raise StoreError(
                f"the index in {self.settings.home} was built with embedding model "
                f"{built_with!r} but the settings name {self.settings.embedding_model!r}: set "
                f"REVIEWQA_EMBEDDING_MODEL={built_with} or use a new REVIEWQA_HOME"
            )
        numbers = self.catalog.get_meta("embedding_numbers")
        made = VECTOR_NUMBERS[self.settings.embedding_backend]
        if numbers is not None and numbers != made:
            backends = " or ".join(b for b, n in VECTOR_NUMBERS.items() if n == numbers)
            raise StoreError(
                f"the index in {self.settings.home} holds {numbers} vectors but the embedding "
                f"backend {self.settings.embedding_backend!r} makes {made} ones, which rank "
                f"differently: set REVIEWQA_EMBEDDING_BACKEND={backends} or use a new "
                "REVIEWQA_HOME"
            )

    def record_model(self) -> None:
        if self.catalog.get_meta("embedding_model") is None:
            self.catalog.set_meta("embedding_model", self.settings.embedding_model)
        if self.catalog.get_meta("embedding_numbers") is None:
            numbers = VECTOR_NUMBERS[self.settings.embedding_backend]
            self.catalog.set_meta("embedding_numbers", numbers)

    def recover(self) -> list[str]:
        """Undo the half-done writes of a killed run; returns the review ids removed.

        Their chunks are deleted from Chroma and the reviews from the catalog, so the index
        holds no orphan and no duplicate; ingesting their sources again restores them.
        """
        pending = self.catalog.pending()
        if not pending:
            return []
        chunk_ids = sorted({c for ids in pending.values() for c in ids})
        self.vectors.delete(chunk_ids)
        review_ids = sorted(pending)
        self.catalog.delete_reviews(review_ids)
        return review_ids

    def close(self) -> None:
        self.catalog.close()
        self.vectors.close()


def open_index(settings: Settings, *, readonly: bool = False) -> Index:
    return Index(settings, readonly=readonly)
