"""The index: the catalog and the vector store opened together, kept consistent."""

from __future__ import annotations

from functools import cached_property

from index.catalog import Catalog
from index.embedding import Embedder, load_embedder
from index.errors import StoreError
from index.settings import Settings
from index.vectors import VectorStore

# The kind of vectors each embedding backend makes: backends of one kind can share an index.
# torch and onnx run the same float32 model (cosine > 0.999); int8 moves the vectors.
VECTOR_NUMBERS = {"torch": "float32", "onnx": "float32", "onnx-int8": "int8-quantized"}


class Index:
    """Opens the catalog and Chroma for `settings`; the embedder loads on first use."""

    def __init__(self, settings: Settings, *, readonly: bool = False) -> None:
        self.settings = settings
        self.catalog = Catalog(settings.catalog_path, readonly=readonly)
        self.vectors = VectorStore(settings)
        self._check_model()

    @cached_property
    def embedder(self) -> Embedder:
        return load_embedder(self.settings)

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
