"""The stock llama-index pipeline over the same reviews, to measure reviewqa against.

One `TextNode` per review (id = review id) whose metadata (film, critic, publication) llama-index
folds into the embedded text by default; a `VectorStoreIndex` over its own Chroma collection
beside the index's; `as_retriever(similarity_top_k=k)`; the cited review ids are the retrieved
nodes' ids. Our MiniLM embeds, wrapped as a llama-index `BaseEmbedding`; no LLM is involved.
A question asked within a film (the evaluation's scoped kinds, as the widget's `data-film`)
gets the stock way to narrow it: `MetadataFilters` on the node's `Film`, which llama-index's
Chroma store turns into a `where` clause; the film is matched case-, accent- and punctuation-blind
against the catalog's titles (`name_key`), as reviewqa's film filter is.

The collection is built on first use and then reused: only reviews added or changed since are
embedded again, and reviews gone from the catalog are deleted from it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import TextNode
from llama_index.core.vector_stores import FilterOperator, MetadataFilter, MetadataFilters
from pydantic import PrivateAttr

from index.embedders.base import Embedder
from index.names import name_key
from index.store import Index
from index.vectors import VectorStore

if TYPE_CHECKING:
    from llama_index.core import VectorStoreIndex
    from llama_index.core.base.base_retriever import BaseRetriever

# Bump when the node text changes: the collection name changes with it, so nothing stale is read.
NODE_FORMAT = "1"
_HIDDEN = ["hash"]  # node metadata kept for syncing, never embedded nor shown


class ReviewQAEmbedding(BaseEmbedding):
    """Our `Embedder` (the packaged MiniLM) as a llama-index embedding model."""

    _embedder: Embedder = PrivateAttr()

    def __init__(self, embedder: Embedder, **kwargs: Any) -> None:
        super().__init__(model_name=embedder.name, **kwargs)
        self._embedder = embedder

    @classmethod
    def class_name(cls) -> str:
        return "ReviewQAEmbedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return [float(x) for x in self._embedder.embed_query(query)]

    def _get_text_embedding(self, text: str) -> list[float]:
        return [float(x) for x in self._embedder.embed_query(text)]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [[float(x) for x in row] for row in self._embedder.embed(texts)]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embedding(text)

    async def _aget_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._get_text_embeddings(texts)


def collection_name(index: Index) -> str:
    """The baseline's Chroma collection: named after the index's collection, the embedding
    model and how it runs, and the node format (a change of any of them means a new build)."""
    settings = index.settings
    model = settings.model_dump_json(include={"embedding_model", "embedding_backend"})
    key = "\x1f".join((settings.collection, model, NODE_FORMAT))
    return "baseline_" + hashlib.blake2b(key.encode(), digest_size=6).hexdigest()


def review_nodes(index: Index, ids: set[str] | None = None) -> Iterator[TextNode]:
    """One node per review of the catalog (or of `ids`), metadata folded into the embed text."""
    for stored in index.catalog.all_reviews():
        review = stored.review
        if ids is not None and review.id not in ids:
            continue
        yield TextNode(
            id_=review.id,
            text=review.text,
            metadata={
                "Film": review.film,
                "Critic": review.critic,
                "Publication": review.publication,
                "hash": stored.hash,
            },
            excluded_embed_metadata_keys=list(_HIDDEN),
            excluded_llm_metadata_keys=list(_HIDDEN),
        )


class BaselineRetriever:
    """The stock pipeline over one index; a context manager that closes its Chroma client."""

    def __init__(self, index: Index) -> None:
        from llama_index.core import VectorStoreIndex
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self.index = index
        self.name = collection_name(index)
        self._vectors = VectorStore(index.settings.model_copy(update={"collection": self.name}))
        self.embed_model = ReviewQAEmbedding(
            index.embedder, embed_batch_size=index.settings.embedding_batch_size
        )
        store = ChromaVectorStore(chroma_collection=self._vectors.collection)
        self.llama_index: VectorStoreIndex = VectorStoreIndex.from_vector_store(
            store, embed_model=self.embed_model
        )
        self._films: dict[str, list[str]] = {}  # name key -> the catalog's titles
        self.synced = self.sync()
        self._retrievers: dict[tuple[int, str | None], BaseRetriever] = {}

    def __enter__(self) -> BaselineRetriever:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._vectors.close()

    def _stored_hashes(self) -> dict[str, str]:
        collection = self._vectors.collection
        stored: dict[str, str] = {}
        offset, page = 0, 10_000
        while True:
            got = collection.get(include=["metadatas"], limit=page, offset=offset)
            for rid, meta in zip(got["ids"], got["metadatas"], strict=True):
                stored[str(rid)] = str((meta or {}).get("hash", ""))
            if len(got["ids"]) < page:
                return stored
            offset += page

    def sync(self) -> int:
        """Bring the collection in line with the catalog; returns how many nodes were embedded."""
        reviews = self.index.catalog.hashes_and_films()
        wanted = {rid: digest for rid, (digest, _) in reviews.items()}
        films: dict[str, set[str]] = {}
        for _, film in reviews.values():
            films.setdefault(name_key(film), set()).add(film)
        self._films = {key: sorted(titles) for key, titles in films.items()}
        stored = self._stored_hashes()
        stale = [rid for rid, digest in stored.items() if wanted.get(rid) != digest]
        if stale:
            self._vectors.delete(stale)
        missing = {rid for rid, digest in wanted.items() if stored.get(rid) != digest}
        if missing:
            self.llama_index.insert_nodes(list(review_nodes(self.index, missing)))
        return len(missing)

    def film_filter(self, film: str) -> MetadataFilters:
        """Stock metadata filters keeping the nodes of `film` (its titles in the catalog)."""
        titles = self._films.get(name_key(film), [film])
        if len(titles) == 1:
            return MetadataFilters(filters=[MetadataFilter(key="Film", value=titles[0])])
        only = MetadataFilter(key="Film", value=titles, operator=FilterOperator.IN)
        return MetadataFilters(filters=[only])

    def retrieve(self, question: str, k: int, film: str | None = None) -> list[str]:
        """The review ids of the k nodes most similar to the question (of `film` only, when
        given), best first."""
        retriever = self._retrievers.get((k, film))
        if retriever is None:
            filters = self.film_filter(film) if film else None
            retriever = self.llama_index.as_retriever(similarity_top_k=k, filters=filters)
            self._retrievers[(k, film)] = retriever
        return [hit.node.node_id for hit in retriever.retrieve(question)]
