"""reviewqa's hybrid retrieval as a llama-index retriever, for llama-index query pipelines."""

from __future__ import annotations

from typing import Any

from assistant.retrieval import Retriever
from index.filters import Filters


def hybrid_retriever(retriever: Retriever, filters: Filters | None = None, k: int = 8) -> Any:
    """A llama-index `BaseRetriever` whose nodes are reviewqa's passages (one per review).

    Each node's id is the chunk id; its metadata carries the review's id, film, critic,
    outlet, date, sentiment and the passage's offsets in the review.
    """
    from llama_index.core.retrievers import BaseRetriever
    from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

    class HybridRetriever(BaseRetriever):
        def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
            plan = retriever.plan(query_bundle.query_str, filters, k)
            nodes = []
            for hit in retriever.retrieve(plan):
                review = hit.chunk.review
                node = TextNode(
                    id_=hit.chunk.chunk_id,
                    text=hit.chunk.text,
                    metadata={
                        "review_id": review.id,
                        "film": review.film,
                        "critic": review.critic,
                        "publication": review.publication,
                        "date": review.date,
                        "sentiment": review.sentiment,
                        "start": hit.chunk.start,
                        "end": hit.chunk.end,
                    },
                )
                nodes.append(NodeWithScore(node=node, score=hit.score))
            return nodes

    return HybridRetriever()
