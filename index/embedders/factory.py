"""The embedder the settings name, loaded once per process (its backend module imported then)."""

from __future__ import annotations

from index.embedders.base import Embedder
from index.settings import Settings

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
            from index.embedders.torch import SentenceTransformerEmbedder

            _loaded[key] = SentenceTransformerEmbedder(
                settings.embedding_model,
                settings.embedding_batch_size,
                settings.embedding_threads,
            )
        else:
            from index.embedders.onnx import OnnxEmbedder

            _loaded[key] = OnnxEmbedder(
                settings.embedding_model,
                cache_dir=settings.model_cache or settings.home / "models",
                quantized=settings.embedding_backend == "onnx-int8",
                batch_size=settings.embedding_batch_size,
                threads=settings.embedding_threads,
            )
    return _loaded[key]
