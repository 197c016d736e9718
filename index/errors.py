"""The one exception hierarchy of reviewqa.

ReviewQAError            every error a user can act on; CLI and UI print its message
├── ConfigError          a setting is wrong (names the setting and the fix)
├── CorpusError          an input file cannot be used (names the file, the line and the fix)
├── StoreError           the vector store or catalog cannot be opened or written
│   └── IndexBusyError   another process holds the home (names it and the fix)
├── ModelError           an embedding model cannot be loaded
└── EngineError          an answer engine cannot answer (e.g. Ollama down, model missing)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class ReviewQAError(Exception):
    """Base class: an error with a message that says what went wrong and how to fix it."""


class ConfigError(ReviewQAError):
    """A setting is invalid or inconsistent."""


class CorpusError(ReviewQAError):
    """An input file cannot be used at all."""

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {message}")


class StoreError(ReviewQAError):
    """The store (Chroma or the catalog) failed."""


class IndexBusyError(StoreError):
    """Another process holds the home for writing or serving; `holder` says who, if known."""

    def __init__(self, message: str, holder: dict[str, Any] | None = None) -> None:
        self.holder = holder
        super().__init__(message)


class ModelError(ReviewQAError):
    """A model cannot be loaded."""


class EngineError(ReviewQAError):
    """An answer engine failed; the message says how to make it work."""


class UnknownNameError(ReviewQAError):
    """A film, critic or outlet named in a filter is not in the index."""
