"""Finding corpus files in the files and folders a user names."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from index.errors import CorpusError
from index.loaders.films import is_movie_table
from index.loaders.source import file_status, is_loop, resolved, suffix_of, supported_list


def corpus_key(path: Path) -> Path:
    """What a found entry is known by: a file by its resolved path (two names of one file are
    one source), an entry that is no file (a symlink loop) by its own absolute path."""
    return resolved(path) if path.is_file() else path.absolute()


def _walk(root: Path) -> tuple[list[Path], list[Path]]:
    """The corpus files under `root` and the entries that cannot be read: a folder that
    cannot be listed, a symlink loop, a link to nothing or a pipe named like a corpus file.

    Hidden entries are skipped. A symlinked folder is not followed (a loop cannot hang the
    walk); one that leads back to a folder holding it is reported as the loop it is.
    """
    files: list[Path] = []
    broken: list[Path] = []
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError:
            if folder == root:
                raise
            broken.append(folder)
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = folder / entry.name
            if entry.is_dir(follow_symlinks=False):
                stack.append(path)
            elif entry.is_symlink() and _leads_to_folder(entry):
                if is_loop(path):
                    broken.append(path)
            elif suffix_of(path) is not None:
                (files if _is_file(entry) else broken).append(path)
    return files, broken


def _leads_to_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a symlink loop
        return False


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def _folder_files(folder: Path) -> list[Path]:
    """Supported, non-hidden files under `folder`, sorted, minus `movies.csv` lookup tables,
    and the entries that cannot be read (loading one says why)."""
    try:
        found, broken = _walk(folder)
    except OSError as exc:
        raise CorpusError(
            folder, f"folder cannot be read ({exc.strerror}): check its permissions"
        ) from None
    corpus_dirs = {path.parent for path in found if not is_movie_table(path)}
    files = [path for path in found if not (is_movie_table(path) and path.parent in corpus_dirs)]
    return sorted(files + broken)


def _unusable(path: Path) -> CorpusError:
    """Why `path`, neither a folder nor a file, cannot be read (a missing path, a symlink
    loop or to nothing, a pipe)."""
    if not os.path.lexists(path):
        return CorpusError(path, "no such file or folder: check the path")
    try:
        file_status(path)
    except CorpusError as exc:
        return exc
    return CorpusError(path, "no such file or folder: check the path")


def discover(paths: Sequence[Path]) -> list[Path]:
    """The corpus files named by `paths`: files as given, folders searched recursively.

    Each folder's files come sorted; hidden files and folders are skipped, and so is a
    `movies.csv` beside another corpus file (it is the title table for that file). An
    entry of a folder that cannot be read (a symlink loop, a folder without permission) is
    listed too, so that loading it reports it. A missing path, a named file of an
    unsupported type, or a folder with no corpus file raises CorpusError.
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
            raise _unusable(path)
        for file in found:
            key = corpus_key(file)
            if key not in seen:
                seen.add(key)
                files.append(file)
    return files
