"""A sentence-transformers model on the CPU, run by PyTorch (imported when one is loaded)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from index.embedders.base import Embedder, resolve_model_path
from index.errors import ModelError

if TYPE_CHECKING:
    from index.embedders.base import Vectors


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
