"""Data files of the assistant: the stance head's weights (stance_head.npz), the review-word
vectors (review_words.npz) and the words reviewers list together (review_lists.npz), and one
reader for all."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from typing import Any, TypeVar

from index.errors import ModelError

T = TypeVar("T")


def read_packaged(
    name: str, what: str, retrain: str, read: Callable[[Any], T]
) -> tuple[T, dict[str, Any]]:
    """`read` applied to the arrays of the packaged file `name` (an .npz with a JSON "meta"),
    and that meta; a ModelError naming the file and how to rebuild it when it cannot be read."""
    import numpy as np

    source = resources.files(__name__).joinpath(name)
    try:
        with resources.as_file(source) as path, np.load(path, allow_pickle=False) as data:
            return read(data), json.loads(str(data["meta"]))
    except (OSError, KeyError, ValueError) as exc:
        raise ModelError(
            f"cannot read {what} assistant/models/{name} ({exc}): reinstall reviewqa or "
            f"rebuild it with {retrain}"
        ) from exc
