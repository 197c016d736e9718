"""A quote's stance on the thing a question asks about, where it differs from its review's
verdict: "It is a good film, but it lacks the emotional punch" is a positive review and negative
on the emotional punch.

A review's fresh/rotten label is the critic's verdict on the film. Where a quoted sentence
turns on a contrast ("X, but Y", "X although Y", "X; however, Y", "Despite X, Y": split at the
first comma after the concession) and the thing's words sit on
one side only, the sides may judge differently; the stance head (`assistant.stance`) reads
both, and when it reads them as opposite, each outside its calibrated mixed band (right ~85%
of the time per label), the side holding the thing takes its reading. A quote with no such
contrast, or sides the head does not read as clearly opposite, keeps its review's label (None
here): a wrong "negative on this point" would misquote a critic, a missing one only leaves the
review's own verdict. So it rarely fires ("Onward has its issues and pacing problems, but ...
on par with Pixar's best": sides at 0.52 and 0.75, left under its label); see BENCHMARKS.md.

Nothing is listed by topic: only the contrast words, which are grammar ("while" is left out:
it joins as often as it contrasts, "... solid, while the animation is amazing"). With another
embedding model than the head was trained on, the labels stand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.relevance import untitled, words_of
from assistant.stance import clause_spans, load_head
from index.chunking import sentence_spans
from index.errors import ModelError

if TYPE_CHECKING:
    from assistant.result import Source
    from assistant.stance import StanceHead
    from index.embedders.base import Embedder

_OPENS = re.compile(r"^\W*(but|however|yet|although|though|whereas)\b", re.IGNORECASE)
_CONCEDES_FIRST = re.compile(r"^\W*(?:although|though|even though|despite)\s+", re.IGNORECASE)
# Words that open a clause with a subject of its own (grammar, no topic): after "X, but" a
# side opening otherwise ("... but hollow", "... yet somehow always inadequate") goes on
# about X's subject, which may be the thing itself.
_SUBJECTS = frozenset(
    """the a an this that these those its it it's his her their they he she we i you there
    here what everything nothing something someone one my our your some many most few all
    each both neither none no every""".split()
)


@dataclass(frozen=True, slots=True)
class Contrast:
    """The two sides of a contrasted sentence of a quote: the one holding the thing first."""

    thing_side: str
    other_side: str


def contrast_about(text: str, words: Iterable[str], titles: Sequence[str] = ()) -> Contrast | None:
    """The first sentence of `text` that turns on a contrast with the thing's `words` on one
    side only; None when there is none. A word inside one of `titles` ("story" in "Toy
    Story") is a name there, not the thing."""
    wanted = set(words)
    for start, end in sentence_spans(text):
        sides = _sides(text[start:end])
        if sides is None:
            continue
        left, right = sides
        in_left = bool(words_of(untitled(left, titles)) & wanted)
        in_right = bool(words_of(untitled(right, titles)) & wanted)
        if in_left == in_right:
            continue  # the thing on both sides, or on neither: the contrast is about another
        if in_left and not _has_subject(right):
            # "the special effects, which are sometimes impressive, yet somehow always
            # inadequate": the turn may still be about the thing
            continue
        return Contrast(left, right) if in_left else Contrast(right, left)
    return None


def _has_subject(side: str) -> bool:
    """Does a side open with a subject of its own: a determiner or pronoun (`_SUBJECTS`), or
    a name? ("the story drags", "it never soars", "Pixar plays safe")."""
    first = side.split(maxsplit=1)[0] if side.split() else ""
    return first.casefold().strip("\"'“‘(") in _SUBJECTS or first[:1].isupper()


def _sides(sentence: str) -> tuple[str, str] | None:
    """The two sides of a sentence that turns on a contrast, without the word that turns it
    ("but" alone reads as blame): "X, but Y" and "X although Y" (see `clause_spans`), and
    "Although X, Y" at a sentence's start; None for a sentence without one."""
    opening = _CONCEDES_FIRST.match(sentence)
    if opening and "," in sentence[opening.end() :]:
        conceded, _, main = sentence[opening.end() :].partition(",")
        return conceded.strip(), main.strip()
    clauses = [sentence[a:b] for a, b in clause_spans(sentence)]
    turn = next((i for i, c in enumerate(clauses) if i and _OPENS.match(c)), None)
    if turn is None:
        return None
    left = " ".join(clauses[:turn])
    return left, _OPENS.sub("", " ".join(clauses[turn:])).lstrip(" ,")


def sides_on_thing(
    sources: Sequence[Source],
    words: Iterable[str],
    embedder: Embedder,
    titles: Sequence[str] = (),
    head: StanceHead | None = None,
) -> list[str | None]:
    """Each source's stance on the thing ("positive" or "negative") where a contrast in it
    decides one, else None (its review's label stands). One embedding call for all sides.
    `titles` hold the thing's words as a name, not the thing (see `ThingMatcher.titles_with`)."""
    wanted = frozenset(words)
    contrasts = [contrast_about(s.text, wanted, titles) for s in sources]
    found = [c for c in contrasts if c is not None]
    if not found:
        return [None] * len(sources)
    head = head or load_head()
    try:
        head.check(embedder.name)
    except ModelError:  # another embedding model than the head's: the labels stand
        return [None] * len(sources)
    pieces = [side for c in found for side in (c.thing_side, c.other_side)]
    probabilities = iter(head.probability(embedder.embed(pieces)).tolist())
    sides: list[str | None] = []
    for contrast in contrasts:
        if contrast is None:
            sides.append(None)
            continue
        thing, other = head.stance(next(probabilities)), head.stance(next(probabilities))
        sides.append(thing if {thing, other} == {"positive", "negative"} else None)
    return sides
