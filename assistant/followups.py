"""A follow-up that names only a film ("and in The Big Lebowski?", "what about Ronin?") after
a question about a thing ("what about the acting in Fargo?") asks about that thing in the film
it names, as a chat reads it. An engine that condenses follow-ups itself (an LLM) does not
need this; the extractive engine does."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.findings import Thing, join
from assistant.retrieval import Plan

_FOLLOWS = re.compile(r"^\W*(?:and|what about|how about|same for|and what about)\b", re.I)


def opens_follow_up(question: str) -> bool:
    """Does `question` open as a follow-up does ("and ...", "what about ...")?"""
    return _FOLLOWS.match(question) is not None


def thing_followed(question: str, plan: Plan, before: str, focus: Sequence[str]) -> str | None:
    """The standalone question a follow-up stands for, or None when it is not one: `question`
    opens as a follow-up does, names a film and nothing else to ask about (no thing, stance or
    count), and the previous question `before` asked about a thing (its `focus` words)."""
    intent = plan.intent
    if not focus or not plan.entities.films or not opens_follow_up(question):
        return None
    if intent.terms or intent.stance or intent.count or intent.who or intent.order:
        return None
    thing = Thing.asked(before, list(focus))
    return f"What do critics say about {thing} in {join(plan.entities.films)}?"
