"""Which of the films a question compares critics liked more ("Did critics prefer Toy Story 2
or Toy Story 3?", "Is Inside Out better than Inside Out 2?", "Which is better reviewed, Coco or
Soul?"), said first, from the catalog's counts: the share of each film's labelled reviews that
are positive (of those that speak of the thing, when the question asks about one)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.scope import ScopeFacts

_COMPARISON = re.compile(
    r"\b(?:prefer(?:red|s)?|better|worse|more|less|compared?|comparison|versus|vs)\b",
    re.IGNORECASE,
)
# shares nearer than this (in percent) are alike: 96.4% and 96.2% are not a preference
ALIKE = 1.0


def comparison_asked(question: str) -> bool:
    """Does `question` ask which of the films it names critics liked more?"""
    return _COMPARISON.search(question) is not None


def compared_lead(sides: Sequence[tuple[str, ScopeFacts]], thing: str = "") -> str:
    """The films of `sides` (film, counts) ranked by their share of positive labelled reviews,
    in one sentence; `thing` ("the music"): the counts are of the reviews that speak of it.
    "" when fewer than two films have a labelled review."""
    labelled = [(film, facts) for film, facts in sides if facts.positive + facts.negative]
    if len(labelled) < 2:
        return ""
    ranked = sorted(labelled, key=lambda side: -_share(side[1]))
    of = f"{thing} of " if thing else ""
    speaking = f" that speak of {thing}" if thing else ""
    (first, best), (second, next_) = ranked[0], ranked[1]
    if len(ranked) == 2 and _share(best) - _share(next_) < ALIKE:
        return (
            f"Critics liked {of}{first} and {second} alike: of their {_labelled(best)} and "
            f"{_labelled(next_)} labelled reviews{speaking}, {_percent(best)}% and "
            f"{_percent(next_)}% are positive."
        )
    verdict = "more" if len(ranked) == 2 else "most"
    text = (
        f"Critics liked {of}{first} {verdict}: of its {_labelled(best)} labelled "
        f"reviews{speaking}, {_percent(best)}% are positive"
    )
    if len(ranked) == 2:
        return text + f", against {_percent(next_)}% of {second}'s {_labelled(next_)}."
    others = ", ".join(
        f"{film} ({_percent(facts)}% of {_labelled(facts)})" for film, facts in ranked[1:]
    )
    return text + f"; then {others}."


def _share(facts: ScopeFacts) -> float:
    return 100 * facts.positive / (facts.positive + facts.negative)


def _percent(facts: ScopeFacts) -> int:
    return round(_share(facts))


def _labelled(facts: ScopeFacts) -> str:
    return f"{facts.positive + facts.negative:,}"
