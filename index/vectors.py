"""The vector store: one Chroma collection, embedded (persistent, under REVIEWQA_HOME) or a
Chroma server over HTTP (REVIEWQA_CHROMA_URL). Chroma holds each chunk's vector and the
metadata that retrieval filters on; texts live in the catalog."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from index.disk import full_disk_error
from index.errors import StoreError
from index.settings import Settings

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

Metadata = Mapping[str, str | int | float | bool]


def store_path(settings: Settings, generation: int) -> Path:
    """The folder of an embedded store of `generation` (0: the first, `HOME/chroma`)."""
    if generation == 0:
        return settings.chroma_path
    return settings.chroma_path.with_name(f"{settings.chroma_path.name}-{generation}")


def collection_name(settings: Settings, generation: int) -> str:
    """The Chroma collection of `generation` (0: the first, `settings.collection`)."""
    return settings.collection if generation == 0 else f"{settings.collection}-{generation}"


def _client(settings: Settings, path: Path) -> Any:
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
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


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
    """Vectors of chunks keyed by chunk id, with filterable metadata.

    The store is derived from the catalog, which keeps every vector: `generation` names which
    copy is in use (a rebuild fills the next generation, then the catalog switches to it).
    """

    def __init__(self, settings: Settings, generation: int = 0) -> None:
        """Name `generation` of the store. Chroma is opened (and `chromadb`, two seconds of
        imports, loaded) by `open` or the first use, so that a question the catalog answers
        alone never pays for it; a store that cannot be opened raises StoreError there
        (`open_failure`). A server's is tried again at each later use (it may answer by then);
        an embedded store's failure stands until a repair (chromadb keeps the broken system
        it made for that folder: a second attempt fails with a misleading error)."""
        self.generation = generation
        self._settings = settings
        self._path = store_path(settings, generation)
        self._name = collection_name(settings, generation)
        self._where = settings.chroma_url or str(self._path)
        self.embedded = not settings.chroma_url
        self.read_failure: str | None = None
        self.open_failure: StoreError | None = None
        self._client: Any = None
        self._opened: Any = None
        self._max_batch = 1024
        self._opening = threading.Lock()

    def open(self) -> None:
        """Open the store now, unless it is open: raise StoreError, and keep it in
        `open_failure`, if it cannot be."""
        with self._opening:
            if self._opened is not None:
                return
            if self.open_failure is not None and self.embedded:
                raise self.open_failure
            if self._client is not None:  # made by an attempt that failed after it
                self.close()
                self._client = None
            try:
                self._client = _client(self._settings, self._path)
                self._opened = self._client.get_or_create_collection(
                    self._name,
                    embedding_function=None,
                    configuration={"hnsw": {"space": "cosine", "ef_search": 100}},
                )
                self._max_batch = int(self._client.get_max_batch_size())
            except Exception as exc:
                failure = exc if isinstance(exc, StoreError) else self._cannot_open(exc)
                self.open_failure = failure
                raise failure from exc
            self.open_failure = None

    def _cannot_open(self, exc: Exception) -> StoreError:
        if _unreachable(exc):
            return self._not_answering(exc)
        full = full_disk_error(exc, self._settings)  # a rebuild would not help: space would
        if full is not None:
            return full
        return StoreError(
            f"cannot open Chroma collection {self._name!r} ({self._where}): {exc}. Run "
            "'reviewqa repair': it rebuilds the vector index from the catalog"
        )

    @property
    def opened(self) -> bool:
        """Whether Chroma has been opened (by `open` or a use)."""
        return self._opened is not None

    @property
    def _collection(self) -> Any:
        if self._opened is None:
            self.open()
        return self._opened

    @property
    def collection(self) -> Any:
        """The chromadb Collection (for the retrieval layer and benchmarks)."""
        return self._collection

    def heartbeat(self) -> None:
        """Raise StoreError unless Chroma answers (one cheap request to a server); any
        failure counts, not only a refused connection."""
        self.open()
        try:
            self._client.heartbeat()
        except Exception as exc:
            raise self._not_answering(exc) from exc

    def _not_answering(self, exc: Exception, *, writing: bool = False) -> StoreError:
        then = (
            "then run the same command again: what was committed is kept"
            if writing  # switching stores mid-write would not help
            else "or unset REVIEWQA_CHROMA_URL for the embedded store"
        )
        return StoreError(
            f"Chroma does not answer ({self._where}): {exc}. Check that the Chroma server "
            f"runs and is reachable, {then}"
        )

    def close(self) -> None:
        """Release the client's connections (an HTTP client keeps a pool)."""
        if self._client is None:
            return
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
                "Run 'reviewqa repair' (it rebuilds the vector index from the catalog; on an "
                "embedded store, stop the server first: serve also repairs when it starts)"
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
            with self._writing():
                self._collection.upsert(
                    ids=list(ids[start:end]),
                    embeddings=vectors[start:end],
                    metadatas=[dict(m) for m in metadatas[start:end]],
                )

    def delete(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), self._max_batch):
            with self._writing():
                self._collection.delete(ids=list(ids[start : start + self._max_batch]))

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """A write Chroma fails becomes a StoreError that says how to recover (the catalog's
        journal already names the batch, and the catalog holds every committed vector)."""
        try:
            yield
        except Exception as exc:
            if _unreachable(exc):
                raise self._not_answering(exc, writing=True) from exc
            if not type(exc).__module__.startswith("chromadb"):
                raise
            raise StoreError(
                f"Chroma failed to write the vector index ({self._where}): "
                f"{type(exc).__name__}: {exc}. Run 'reviewqa repair': it rebuilds the vector "
                "index from the catalog, then ingest again"
            ) from exc

    def vectors_of(self, ids: Sequence[str]) -> dict[str, npt.NDArray[np.float32]]:
        """chunk id -> the vector Chroma holds, for those of `ids` it holds."""
        import numpy as np

        found: dict[str, npt.NDArray[np.float32]] = {}
        for start in range(0, len(ids), self._max_batch):
            with self._reading():
                got = self._collection.get(
                    ids=list(ids[start : start + self._max_batch]), include=["embeddings"]
                )
            for cid, vector in zip(got["ids"], got["embeddings"], strict=True):
                found[str(cid)] = np.asarray(vector, dtype=np.float32)
        return found

    def discard(self) -> None:
        """Delete this generation's data and close the store (once the catalog uses another
        generation): its collection on a server, its folder for the embedded store."""
        if self.embedded:
            import shutil

            self.close()
            shutil.rmtree(self._path, ignore_errors=True)
            return
        self.open()
        try:
            self._client.delete_collection(self._name)
        except Exception as exc:  # already gone: nothing to delete
            if _unreachable(exc):
                raise self._not_answering(exc) from exc
        finally:
            self.close()

    def all_ids(self) -> set[str]:
        ids: set[str] = set()
        offset = 0
        page = 10_000
        while True:
            with self._reading():
                got = self._collection.get(include=[], limit=page, offset=offset)
            ids.update(got["ids"])
            if len(got["ids"]) < page:
                return ids
            offset += page

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
