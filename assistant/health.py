"""The assistant's health: can the store be read, do its parts agree, which engine answers.
`Assistant.health()` checks; a face renders `Health.to_json()` (the HTTP API's /healthz)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from index.repair import CheckReport

Status = Literal["ok", "degraded", "error"]


@dataclass(frozen=True)
class StoreHealth:
    """The store: its counts when it answers (`reachable`), else the error it raised."""

    reachable: bool
    error: str = ""
    reviews: int = 0
    chunks: int = 0
    vectors: int = 0
    films: int = 0
    read_failure: str | None = None  # a failed read of the vector index since start
    check: CheckReport | None = None  # the quick check of the index
    writer: dict[str, Any] | None = None  # who holds the home's writer lock

    @property
    def consistent(self) -> bool:
        """Catalog and Chroma agree, no read failed, and the quick check found nothing."""
        checked = self.check is None or self.check.ok
        return self.chunks == self.vectors and self.read_failure is None and checked

    def to_json(self) -> dict[str, Any]:
        if not self.reachable:
            return {"reachable": False, "error": self.error}
        body: dict[str, Any] = {
            "reachable": True,
            "reviews": self.reviews,
            "chunks": self.chunks,
            "vectors": self.vectors,
            "films": self.films,
            "consistent": self.consistent,
        }
        if self.read_failure is not None:
            body["read_failure"] = self.read_failure
        if self.check is not None:
            body["check"] = {
                "ok": self.check.ok,
                "findings": [{"code": f.code, "message": f.message, "fix": f.fix}
                             for f in self.check.findings],
            }  # fmt: skip
        if self.writer is not None:
            body["writer"] = self.writer
        return body


@dataclass(frozen=True)
class Health:
    """One health check of an assistant, by the process `worker`."""

    store: StoreHealth
    embedding_model: str  # the one the index was built with (else the configured one)
    engine: str  # the configured engine
    auto_engine: str  # the engine "auto" picks now
    engine_reason: str
    worker: int
    seconds: float

    @property
    def status(self) -> Status:
        """Error when the store does not answer (nothing can be answered, whatever the
        engine); degraded when the store's parts disagree (counts, a failed read, the quick
        check) or the configured Ollama is not what answers; else ok."""
        if not self.store.reachable:
            return "error"
        if not self.store.consistent:
            return "degraded"
        if self.engine == "ollama" and self.auto_engine != "ollama":
            return "degraded"
        return "ok"

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "worker": self.worker,
            "store": self.store.to_json(),
            "embedding_model": self.embedding_model,
            "engine": {
                "configured": self.engine,
                "auto": self.auto_engine,
                "reason": self.engine_reason,
            },
            "checked_ms": round(self.seconds * 1000, 1),
        }
