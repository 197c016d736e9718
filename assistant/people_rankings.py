"""Which critics or outlets stand out, from the catalog's counts: the harshest or the kindest
("which critic is the harshest?": the least share of positive reviews, among those with
MIN_REVIEWS labelled reviews at least, unless none has that many) and the most prolific
("which critic reviewed the most films?", "which outlet has the most reviews?"). Like the
ranking of films (`assistant.rankings`), no passage says this: the ranking is the finding, and
the quotes are the first one's reviews (of the side asked, for the harshest or the kindest).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from assistant.intent import Stance
from assistant.rankings import MIN_REVIEWS, SHOWN, counted, tie_list
from index.names import name_key

Who = Literal["critics", "outlets"]

_WHO = re.compile(
    r"^\W*who\b|\b(?:which|what)\b(?:\W+\w+){0,3}?\W+"
    r"(critics?|reviewers?|writers?|outlets?|publications?|papers?|magazines?)\b",
    re.IGNORECASE,
)
_HARSHEST = re.compile(
    r"\b(?:harshest|toughest|meanest|most (?:negative|severe|critical)|"
    r"least (?:generous|positive|kind))\b",
    re.IGNORECASE,
)
_KINDEST = re.compile(
    r"\b(?:kindest|nicest|softest|most (?:generous|positive|favou?rable|enthusiastic)|"
    r"least (?:harsh|negative|critical|severe))\b",
    re.IGNORECASE,
)
_PROLIFIC = re.compile(
    r"\bmost prolific\b|\bmost (?:reviews|films|movies)\b|"
    r"\b(?:reviewed|wrote|written|writes|has|have|had|published)\s+(?:the\s+)?most\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Asked:
    """What a question ranks: critics or outlets, by their share of positive reviews (the
    side `stance` first: "negative" for the harshest) or, `stance` None, by how many."""

    who: Who
    stance: Stance | None


def people_ranking_asked(question: str) -> Asked | None:
    """The critics or outlets a question ranks, and by what; None for any other question."""
    found = _WHO.search(question)
    if found is None:
        return None
    outlets = bool(found.group(1)) and found.group(1).casefold().startswith(
        ("outlet", "publication", "paper", "magazine")
    )
    who: Who = "outlets" if outlets else "critics"
    if _HARSHEST.search(question):
        return Asked(who, "negative")
    if _KINDEST.search(question):
        return Asked(who, "positive")
    return Asked(who, None) if _PROLIFIC.search(question) else None


def people_ranking_words(question: str) -> set[str]:
    """The words of the question that ask for the ranking ("most prolific", "most
    generous"), as name keys: they name no thing."""
    words: set[str] = set()
    for pattern in (_WHO, _HARSHEST, _KINDEST, _PROLIFIC):
        for found in pattern.finditer(question):
            words |= set(name_key(found.group()).split())
    return words


@dataclass(frozen=True, slots=True)
class Person:
    """A critic or outlet and the counts of its reviews."""

    name: str
    reviews: int
    positive: int
    negative: int

    @property
    def share(self) -> float:
        labelled = self.positive + self.negative
        return self.positive / labelled if labelled else 0.0

    def words(self, by_share: bool) -> str:
        """'Armond White, 38% of 120' | 'Roger Ebert, 1,132'"""
        if by_share:
            return f"{self.name}, {round(100 * self.share)}% of {self.positive + self.negative:,}"
        return f"{self.name}, {self.reviews:,}"


@dataclass(frozen=True, slots=True)
class PeopleRanking:
    """Critics or outlets ranked for a question, first first."""

    people: list[Person]
    asked: Asked
    held: int  # critics (outlets) with a review in scope (labelled ones, by share)
    least_reviews: int  # the labelled reviews a ranked one has at least (by share)
    narrowed: str = ""  # which reviews are counted: " dated 2005-01-01 to 2005-12-31"
    films: tuple[str, ...] = ()  # the films whose reviews are counted (() for all)

    @property
    def first(self) -> str | None:
        return self.people[0].name if self.people else None

    def lead(self) -> str:
        """The finding: who ranks first, then the next ones, with their counts."""
        who = self.asked.who
        if not self.people:
            return f"No review in the index names its {who[:-1]}."
        head, rest = self.people[0], self.people[1:SHOWN]
        by_share = self.asked.stance is not None
        among = f"{counted(len(self.people), who)} in the index"
        if by_share and len(self.people) < self.held:
            among += (
                f" with at least {self.least_reviews} labelled reviews{self.narrowed} "
                f"({self.held:,} have one)"
            )
        elif self.narrowed:
            among += f" with reviews{self.narrowed}"
        if not by_share:
            text = (
                f"Of {among}, {head.name} has the most reviews: {head.reviews:,} "
                f"({round(100 * head.share)}% of those labelled are positive)."
            )
        else:
            tied = [p for p in self.people if p.share == head.share]
            extreme = "kindest" if self.asked.stance == "positive" else "harshest"
            share = f"{round(100 * head.share)}%"
            if len(tied) > 1:
                listed = tie_list([f"{p.name} ({p.positive + p.negative:,})" for p in tied])
                return (
                    f"Of {among}, {len(tied)} share the {extreme} record, {share} of their "
                    f"labelled reviews positive: {listed}."
                )
            text = (
                f"Of {among}, the {extreme} is {head.name}: {share} of "
                f"{head.positive + head.negative:,} labelled reviews are positive."
            )
        if rest:
            text += " Next: " + "; ".join(p.words(by_share) for p in rest) + "."
        return text


def rank_people(
    counts: Mapping[str, tuple[int, int, int]],
    asked: Asked,
    narrowed: str = "",
    films: tuple[str, ...] = (),
) -> PeopleRanking:
    """The critics or outlets of `counts` (name -> reviews, positive, negative) ranked as
    `asked`: by how many reviews, most first; or by their share of positive labelled reviews
    (the least first for the harshest), more reviews first on a tie, then by name."""
    people = [Person(name, n, pos, neg) for name, (n, pos, neg) in counts.items()]
    if asked.stance is None:
        people.sort(key=lambda p: (-p.reviews, p.name))
        return PeopleRanking(people, asked, len(people), 1, narrowed, films)
    labelled = [p for p in people if p.positive + p.negative > 0]
    least = MIN_REVIEWS if any(p.positive + p.negative >= MIN_REVIEWS for p in labelled) else 1
    kept = [p for p in labelled if p.positive + p.negative >= least]
    sign = -1 if asked.stance == "positive" else 1
    kept.sort(key=lambda p: (sign * p.share, -(p.positive + p.negative), p.name))
    return PeopleRanking(kept, asked, len(labelled), least, narrowed, films)
