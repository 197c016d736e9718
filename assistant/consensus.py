"""The consensus paragraph of a reception report, written by templates from what the report
found: nothing in it is generated, every number is one of the report's counts and every
clause cites the quotes it rests on with [n].

    Most critics dislike Cars 2 (2011): 87 of its 218 reviews are positive, 131 negative
    [1][2]. On “Pixar”, they are divided (26 positive, 55 negative, of 81) [3][4][5][6];
    reviews that raise “plot” are largely negative (16 of 19) [7][8]; so are those that raise
    “Kids” (15 of 20) [9][10]. The sharpest dissent concerns “sequel” (7 of its 10 reviews
    negative) [11].
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["ThemeFacts", "consensus"]

THEMES_SAID = 3  # themes the paragraph speaks of (most reviews first)
LARGELY = 0.75  # share of a theme's reviews on one side to call it "largely"
MOSTLY = 0.6  # ... "mostly" (below it on both sides: "divided")
DISSENT = 2  # negative reviews a theme needs to be named as the sharpest dissent (and a
# larger negative share than the film's)

Cite = Callable[[str, str], str]  # (theme label or "", side) -> "[n][m]" ("" when none)


@dataclass(frozen=True, slots=True)
class ThemeFacts:
    """What the paragraph says of one theme: its name and counts."""

    label: str
    reviews: int
    positive: int
    negative: int


def _verdict(positive: int, negative: int) -> str:
    labelled = positive + negative
    share = positive / labelled
    if share >= 0.9:
        return "Critics overwhelmingly like"
    if share >= LARGELY:
        return "Critics largely like"
    if share > 0.55:
        return "Most critics like"
    if share >= 0.45:
        return "Critics are divided on"
    if share > 1 - LARGELY:
        return "Most critics dislike"
    if share > 0.1:
        return "Critics largely dislike"
    return "Critics overwhelmingly dislike"


def consensus(
    film: str,
    reviews: int,
    positive: int,
    negative: int,
    themes: Sequence[ThemeFacts],
    cite: Cite,
) -> str:
    """The paragraph (see the module's docstring); `cite` gives the markers of a theme's (or,
    with "", the report's pull) quotes on a side."""
    if reviews == 0:
        return ""
    unlabelled = reviews - positive - negative
    sentences = []
    if positive + negative == 0:
        sentences.append(
            f"None of the {reviews} reviews of {film} carries a positive or negative label"
            f"{_space(cite('', 'positive') + cite('', 'negative'))}."
        )
    elif reviews == 1:
        side = "positive" if positive else "negative"
        sentences.append(f"{film} has one review, {side}{_space(cite('', side))}.")
    else:
        tail = f", {unlabelled} unlabelled" if unlabelled else ""
        markers = cite("", "positive") + cite("", "negative")
        sentences.append(
            f"{_verdict(positive, negative)} {film}: {positive} of its {reviews} reviews are "
            f"positive, {negative} negative{tail}{_space(markers)}."
        )
    said = list(themes[:THEMES_SAID])
    clauses: list[str] = []
    previous = ""
    for theme in said:
        side, text = _clause(theme, cite, previous)
        if text:
            clauses.append(text)
            previous = side
    if clauses:
        sentences.append("; ".join(clauses) + ".")
    overall = negative / reviews
    dissent = max(
        (t for t in themes if t.negative >= DISSENT and t.negative / t.reviews > overall),
        key=lambda t: (t.negative / t.reviews, t.negative),
        default=None,
    )
    if dissent is not None and dissent in said and dissent.positive < MOSTLY * dissent.reviews:
        dissent = None  # its clause above already says how many fault it
    if dissent is not None and cite(dissent.label, "negative"):
        sentences.append(
            f"The sharpest dissent concerns “{dissent.label}” ({dissent.negative} of its "
            f"{dissent.reviews} reviews negative){_space(cite(dissent.label, 'negative'))}."
        )
    return " ".join(sentences)


def _clause(theme: ThemeFacts, cite: Cite, previous: str) -> tuple[str, str]:
    """(the side the theme leans to, or "divided"; the clause). A clause leaning the same way
    as the one before it says so ("so are those that raise ...")."""
    n, pos, neg = theme.reviews, theme.positive, theme.negative
    label = f"“{theme.label}”"
    for side, count in (("positive", pos), ("negative", neg)):
        markers = cite(theme.label, side)
        if count >= MOSTLY * n and markers:
            how = "all" if count == n else "largely" if count >= LARGELY * n else "mostly"
            if previous == side:
                return side, f"so are those that raise {label} ({count} of {n}) {markers}"
            text = f"reviews that raise {label} are {how} {side} ({count} of {n}) {markers}"
            return side, text if previous else text[:1].upper() + text[1:]
    markers = cite(theme.label, "positive") + cite(theme.label, "negative")
    if not markers:
        return "", ""
    other = n - pos - neg
    rest = f", {other} unclear" if other else ""
    text = f"on {label}, they are divided ({pos} positive, {neg} negative{rest}, of {n}) {markers}"
    return "divided", text if previous else text[:1].upper() + text[1:]


def _space(markers: str) -> str:
    return f" {markers}" if markers else ""
