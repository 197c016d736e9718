"""A follow-up that names only a film ("and in The Big Lebowski?", "what about Ronin?") after
a question about a thing ("what about the acting in Fargo?") asks about that thing in the film
it names, as a chat reads it. An engine that condenses follow-ups itself (an LLM) does not
need this; the extractive engine does."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.chat import compares
from assistant.findings import Thing, join
from assistant.retrieval import Plan

_FOLLOWS = re.compile(r"^\W*(?:and|what about|how about|same for|and what about)\b", re.I)


def opens_follow_up(question: str) -> bool:
    """Does `question` open as a follow-up does ("and ...", "what about ...")?"""
    return _FOLLOWS.match(question) is not None


def thing_followed(
    question: str, plan: Plan, before: str, focus: Sequence[str], latest: Sequence[str] = ()
) -> str | None:
    """The standalone question a follow-up stands for, or None when it is not one: `question`
    opens as a follow-up does, names a film and nothing else to ask about (no thing, stance or
    count), and the previous question `before` asked about a thing (its `focus` words). One
    that sets a film against the films of the last answer (`latest`: "how does that compare
    to Soul?") asks about the thing in all of them."""
    intent = plan.intent
    if not focus or not plan.entities.films:
        return None
    if not (opens_follow_up(question) or compares(question)):
        return None
    if intent.terms or intent.stance or intent.count or intent.who or intent.order:
        return None
    thing = Thing.asked(before, list(focus))
    films = list(plan.entities.films)
    if compares(question):
        films = [film for film in latest if film not in films] + films
        return f"Did critics prefer {thing} in {' or '.join(films)}?"
    return f"What do critics say about {thing} in {join(films)}?"
