"""The vector store: one Chroma collection, embedded (persistent, under REVIEWQA_HOME) or a
Chroma server over HTTP (REVIEWQA_CHROMA_URL). Chroma holds each chunk's vector and the
metadata that retrieval filters on; texts live in the catalog."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from index.errors import StoreError
from index.settings import Settings

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

Metadata = Mapping[str, str | int | float | bool]


def _client(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise StoreError(
                f"REVIEWQA_CHROMA_URL={settings.chroma_url!r} is not an http(s) URL: "
                "use e.g. http://127.0.0.1:8000"
            )
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 80),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:
            raise StoreError(
                f"cannot reach the Chroma server at {settings.chroma_url}: {exc}. "
                "Start it with 'chroma run --path DIR --port PORT' or unset REVIEWQA_CHROMA_URL"
            ) from exc
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)


def _unreachable(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) says the Chroma server could not be reached."""
    import httpx

    seen: BaseException | None = exc
    for _ in range(10):  # a chain of causes, never followed far
        if seen is None:
            return False
        if isinstance(seen, httpx.TransportError | ConnectionError | TimeoutError):
            return True
        if "could not connect" in str(seen).lower():
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class VectorStore:
    """Vectors of chunks keyed by chunk id, with filterable metadata."""

    def __init__(self, settings: Settings) -> None:
        self._where = settings.chroma_url or str(settings.chroma_path)
        self._client = _client(settings)
        try:
            self._collection = self._client.get_or_create_collection(
                settings.collection,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine", "ef_search": 100}},
            )
        except Exception as exc:
            raise StoreError(
                f"cannot open Chroma collection {settings.collection!r}: {exc}"
            ) from exc
        self._max_batch = int(self._client.get_max_batch_size())
        self.read_failure: str | None = None

    @property
    def collection(self) -> Any:
        """The chromadb Collection (for the retrieval layer and benchmarks)."""
        return self._collection

    def heartbeat(self) -> None:
        """Raise StoreError unless Chroma answers (one cheap request to a server); any
        failure counts, not only a refused connection."""
        try:
            self._client.heartbeat()
        except Exception as exc:
            raise self._not_answering(exc) from exc

    def _not_answering(self, exc: Exception) -> StoreError:
        return StoreError(
            f"Chroma does not answer ({self._where}): {exc}. Check that the Chroma server "
            "runs and is reachable, or unset REVIEWQA_CHROMA_URL for the embedded store"
        )

    def close(self) -> None:
        """Release the client's connections (an HTTP client keeps a pool)."""
        from chromadb.api.shared_system_client import SharedSystemClient

        clients = [self._client, getattr(self._client, "_admin_client", None)]
        self._client.close()
        # chromadb's HTTP API leaves its httpx session open when its System stops: close the
        # sessions of the Systems that no other client still holds.
        live = SharedSystemClient._identifier_to_refcount
        for client in clients:
            session = getattr(getattr(client, "_server", None), "_session", None)
            if session is not None and getattr(client, "_identifier", None) not in live:
                session.close()

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """A Chroma server that cannot be reached, or a Chroma store that fails a read, becomes
        a StoreError (HTTP 503), not a crash; a failed read is kept in `read_failure` so that
        health checks stop calling the index consistent."""
        try:
            yield
        except StoreError:
            raise
        except Exception as exc:
            if _unreachable(exc):
                raise self._not_answering(exc) from exc
            if not type(exc).__module__.startswith("chromadb"):
                raise
            self.read_failure = f"{type(exc).__name__}: {exc}"
            raise StoreError(
                f"Chroma failed to read the vector index ({self._where}): {self.read_failure}. "
                "Another process may have written the embedded store: stop it, then restart "
                "the server (and ingest again if the error stays)"
            ) from exc

    def count(self) -> int:
        with self._reading():
            return int(self._collection.count())

    def upsert(
        self,
        ids: Sequence[str],
        vectors: npt.NDArray[np.float32],
        metadatas: Sequence[Metadata],
    ) -> None:
        for start in range(0, len(ids), self._max_batch):
            end = start + self._max_batch
            self._collection.upsert(
                ids=list(ids[start:end]),
                embeddings=vectors[start:end],
                metadatas=[dict(m) for m in metadatas[start:end]],
            )

    def delete(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), self._max_batch):
            self._collection.delete(ids=list(ids[start : start + self._max_batch]))

    def all_ids(self) -> set[str]:
        ids: set[str] = set()
        offset = 0
        page = 10_000
        while True:
            got = self._collection.get(include=[], limit=page, offset=offset)
            ids.update(got["ids"])
            if len(got["ids"]) < page:
                return ids
            offset += page

    def rank_among(
        self, ids: Sequence[str], vector: npt.NDArray[np.float32], n: int
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the `n` chunks among `ids` nearest to `vector`,
        by exact search: for a narrow filter (one film's chunks) this beats a filtered HNSW
        search, whose cost grows with the whole collection."""
        import numpy as np

        if not ids:
            return []
        with self._reading():
            got = self._collection.get(ids=list(ids), include=["embeddings"])
        matrix = np.asarray(got["embeddings"], dtype=np.float32)
        similarities = matrix @ np.asarray(vector, dtype=np.float32)
        best = np.argsort(-similarities, kind="stable")[:n]
        return [(str(got["ids"][i]), float(similarities[i])) for i in best]

    def query(
        self,
        vector: npt.NDArray[np.float32],
        n: int,
        where: dict[str, Any] | None = None,
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the `n` nearest chunks matching `where`."""
        with self._reading():
            got = self._collection.query(
                query_embeddings=[vector], n_results=n, where=where or None, include=["distances"]
            )
        return [
            (i, 1.0 - float(d)) for i, d in zip(got["ids"][0], got["distances"][0], strict=True)
        ]
