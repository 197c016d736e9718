"""Who agreed or disagreed with one critic on a film ("Which critics agreed with Ebert on
Fargo?"), from the reviews' labels: the critic's own label, and the other critics of the film
on the same side (or the other). The quotes are theirs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.findings import join

_AGREE = re.compile(r"\b(?:(dis)?agree\w*|(?:sided|side|sides) with)\b", re.IGNORECASE)
_WORD = {"positive": "positive", "negative": "negative"}
_OTHER = {"positive": "negative", "negative": "positive"}


def agreement_asked(question: str) -> bool | None:
    """True for a question about who agreed, False about who disagreed, None otherwise."""
    found = _AGREE.search(question)
    if found is None:
        return None
    return found.group(1) is None


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
        return self.label if self.agree else _OTHER[self.label]

    def lead(self) -> str:
        """ "Roger Ebert's review of Fargo is positive; 16 of the other 19 labelled reviews
        of Fargo are too: Kenneth Turan, ..." """
        text = f"{self.critic}'s review of {self.film} is {self.label}; "
        n = len(self.names)
        if not n:
            side = "too" if self.agree else _OTHER[self.label]
            return text + f"none of the other {self.others:,} labelled reviews is {side}."
        verb = "is" if n == 1 else "are"
        side = "too" if self.agree else _WORD[self.side]
        return (
            text + f"{n:,} of the other {self.others:,} labelled reviews {verb} {side}: "
            f"{join(self.names)}."
        )
