"""Words reviewers list beside each other: "the acting, writing and direction", "sex, violence
and profanity". Words listed together are different things of one kind, however alike they
are written: a reviewer who lists the editing beside the pacing speaks of two things, while
one who writes "plot" for "story" rarely lists the two.

For each pair of review words listed together in public reviews, two counts: the reviews
that write both words, and the reviews that list them together (at most four words apart
with a comma between them: "the acting, writing and direction"; a pair joined by "and" alone
is as often one thing doubled, "the suspense and tension"). They are counted by `python -m
bench.train_review_lists` from the same 50,000 IMDb user reviews as the review-word vectors
(`assistant.review_words`) and shipped as `assistant/models/review_lists.npz`; nothing is
listed by hand.

Importing this module is cheap: numpy and the counts load on first use.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.models import read_packaged
from index.errors import ModelError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["FILE", "RETRAIN", "ListedTogether", "ReviewLists", "load_review_lists"]

FILE = "review_lists.npz"
RETRAIN = "python -m bench.train_review_lists"


@dataclass(frozen=True)
class ListedTogether:
    """How two words stand in the reviews: how many write both, how many list them together."""

    both: int
    listed: int

    @property
    def share(self) -> float:
        """The share of the reviews writing both that list them together."""
        return self.listed / self.both if self.both else 0.0


@dataclass(frozen=True)
class ReviewLists:
    """Pairs of words (`first[i]`, `second[i]` index `words`, first < second), each with the
    reviews that write both (`both`) and that list them together (`listed`)."""

    words: list[str]
    first: npt.NDArray[np.int32]
    second: npt.NDArray[np.int32]
    both: npt.NDArray[np.int32]
    listed: npt.NDArray[np.int32]
    meta: dict[str, Any] = field(default_factory=dict)

    @functools.cached_property
    def _lookup(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.intp] | None]:
        """One number per pair, sorted, and where each sorted one stands among the pairs (None
        when the pairs are sorted already, as `bench.train_review_lists` writes them)."""
        import numpy as np

        keys = self.first.astype(np.int64) * len(self.words) + self.second.astype(np.int64)
        if bool(np.all(keys[:-1] <= keys[1:])):
            return keys, None
        order = np.argsort(keys, kind="stable")
        return keys[order], order

    def _pair(self, row: int, other_row: int) -> int | None:
        """The index of the pair of two word rows, or None when they were never listed."""
        import numpy as np

        key = min(row, other_row) * len(self.words) + max(row, other_row)
        keys, order = self._lookup
        at = int(np.searchsorted(keys, key))
        if at == len(keys) or int(keys[at]) != key:
            return None
        return at if order is None else int(order[at])

    @functools.cached_property
    def _rows(self) -> dict[str, int]:
        return {word: i for i, word in enumerate(self.words)}

    def together(self, word: str, others: Iterable[str]) -> dict[str, ListedTogether]:
        """How `word` stands beside each of `others` in the reviews; the others never listed
        beside it (or unknown) are left out."""
        row = self._rows.get(word)
        if row is None:
            return {}
        found: dict[str, ListedTogether] = {}
        for other in others:
            other_row = self._rows.get(other)
            if other_row is None or other_row == row:
                continue
            pair = self._pair(row, other_row)
            if pair is not None:
                found[other] = ListedTogether(int(self.both[pair]), int(self.listed[pair]))
        return found


@functools.cache
def load_review_lists() -> ReviewLists:
    """The shipped counts (read once per process)."""
    (words, arrays), meta = read_packaged(
        FILE,
        "the words reviewers list together",
        RETRAIN,
        lambda data: (
            [str(w) for w in data["words"]],
            tuple(data[key].astype("int32") for key in ("first", "second", "both", "listed")),
        ),
    )
    first, second, both, listed = arrays
    if not len(first) == len(second) == len(both) == len(listed):
        raise ModelError(
            f"assistant/models/{FILE} holds pair arrays of different lengths: rebuild it "
            f"with {RETRAIN}"
        )
    if len(first) and max(int(first.max()), int(second.max())) >= len(words):
        raise ModelError(
            f"assistant/models/{FILE} names a word it does not hold: rebuild it with {RETRAIN}"
        )
    return ReviewLists(words, first, second, both, listed, meta)
