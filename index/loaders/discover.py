"""Finding corpus files in the files and folders a user names."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from index.errors import CorpusError
from index.loaders.films import is_movie_table
from index.loaders.source import suffix_of, supported_list


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _folder_files(folder: Path) -> list[Path]:
    """Supported, non-hidden files under `folder`, sorted, minus `movies.csv` lookup tables."""
    found = sorted(
        path
        for path in folder.rglob("*")
        if suffix_of(path) is not None and path.is_file() and not _hidden(path, folder)
    )
    corpus_dirs = {path.parent for path in found if not is_movie_table(path)}
    return [path for path in found if not (is_movie_table(path) and path.parent in corpus_dirs)]


def discover(paths: Sequence[Path]) -> list[Path]:
    """The corpus files named by `paths`: files as given, folders searched recursively.

    Each folder's files come sorted; hidden files and folders are skipped, and so is a
    `movies.csv` beside another corpus file (it is the title table for that file). A missing
    path, a named file of an unsupported type, or a folder with no corpus file raises
    CorpusError.
    """
    files: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found = _folder_files(path)
            if not found:
                raise CorpusError(
                    path,
                    f"no corpus files in this folder: supported suffixes are {supported_list()}",
                )
        elif path.is_file():
            if suffix_of(path) is None:
                raise CorpusError(
                    path, f"unsupported file type: supported suffixes are {supported_list()}"
                )
            found = [path]
        else:
            raise CorpusError(path, "no such file or folder: check the path")
        for file in found:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                files.append(file)
    return files
