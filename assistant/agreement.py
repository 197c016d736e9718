"""Who agreed or disagreed with one critic on a film ("Which critics agreed with Ebert on
Fargo?"), from the reviews' labels: the critic's own label, and the other critics of the film
on the same side (or the other). The quotes are theirs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.findings import OTHER_SIDE, join

_AGREE = re.compile(r"\b(?:(dis)?agree\w*|(?:sided|side|sides) with)\b", re.IGNORECASE)


def agreement_asked(question: str) -> bool | None:
    """True for a question about who agreed, False about who disagreed, None otherwise."""
    found = _AGREE.search(question)
    if found is None:
        return None
    return found.group(1) is None


def side_asked(label: str, agree: bool) -> str:
    """The side of the critics asked about: the critic's `label`, or the other one."""
    return label if agree else OTHER_SIDE[label]


@dataclass(frozen=True, slots=True)
class Agreement:
    """One critic's label on a film and the other critics on the side asked."""

    critic: str
    film: str
    label: str  # the critic's: "positive" | "negative"
    agree: bool  # who agreed (else who disagreed)
    others: int  # the film's other labelled reviews
    names: list[str]  # the critics on the side asked, the critic left out

    @property
    def side(self) -> str:
        return side_asked(self.label, self.agree)

    def lead(self) -> str:
        """ "Roger Ebert's review of Fargo is positive; 16 of the other 19 labelled reviews
        of Fargo are too: Kenneth Turan, ..." """
        text = f"{self.critic}'s review of {self.film} is {self.label}; "
        n = len(self.names)
        side = "too" if self.agree else self.side
        if not n:
            return text + f"none of the other {self.others:,} labelled reviews is {side}."
        verb = "is" if n == 1 else "are"
        return (
            text + f"{n:,} of the other {self.others:,} labelled reviews {verb} {side}: "
            f"{join(self.names)}."
        )
