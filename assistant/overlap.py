"""Critics who took one side on several films ("Which critics liked both Fargo and The Big
Lebowski?"): from the catalog, the critics whose reviews of every film asked carry that label,
out of those who reviewed them all. Retrieval cannot say this; each film's split would not
answer it either.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.findings import join

_BOTH = re.compile(r"\b(?:both|all (?:three|four|five|of them)|each of)\b", re.IGNORECASE)
_VERB = {"positive": "liked", "negative": "disliked"}


_CRITICS_COUNTED = re.compile(r"\bhow many (?:critics|reviewers|writers)\b", re.IGNORECASE)


def both_asked(question: str) -> bool:
    """Does the question ask about several films together ("both", "all three")?"""
    return _BOTH.search(question) is not None


def critics_counted(question: str) -> bool:
    """Does the question count critics ("how many critics reviewed both X and Y?")? Asking
    who, in numbers."""
    return _CRITICS_COUNTED.search(question) is not None


@dataclass(frozen=True, slots=True)
class Shared:
    """The critics who reviewed every film asked, and those of them on `stance` for each (all
    of them when no stance is asked: "which critics reviewed both X and Y?")."""

    films: tuple[str, ...]
    stance: str | None
    reviewed: list[str]  # reviewed every film
    agreed: list[str]  # of those, took `stance` on every film

    def lead(self) -> str:
        films = join(list(self.films))
        every = "both" if len(self.films) == 2 else f"all {len(self.films)}"
        named = f"both {films}" if len(self.films) == 2 else f"all {len(self.films)} of {films}"
        if not self.reviewed:
            return f"No critic in the index reviewed {named}."
        who = "critic" if len(self.reviewed) == 1 else "critics"
        if self.stance is None:
            return f"{len(self.reviewed):,} {who} reviewed {named}: {join(self.reviewed)}."
        verb = _VERB[self.stance]
        if not self.agreed:
            return (
                f"None of the {len(self.reviewed):,} critics who reviewed {named} {verb} {every}."
            )
        return (
            f"{len(self.agreed):,} of the {len(self.reviewed):,} {who} who reviewed {named} "
            f"{verb} {every}: {join(self.agreed)}."
        )


def shared_side(
    films: Sequence[str],
    stance: str | None,
    writers: Sequence[Sequence[str]],
    sided: Sequence[Sequence[str]],
) -> Shared:
    """`writers[i]`: who reviewed `films[i]`; `sided[i]`: who of them took `stance` on it
    (`writers[i]` again when no stance is asked). The critics common to all, in the order of
    the first film's."""
    reviewed = [w for w in writers[0] if all(w in other for other in writers[1:])]
    agreed = [w for w in reviewed if all(w in side for side in sided)]
    return Shared(tuple(films), stance, reviewed, agreed)
