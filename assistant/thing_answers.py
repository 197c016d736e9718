"""Answers to a question about a thing a film is judged on ("the music in Coco"): the words
that stand for it, the finding that counts the reviews speaking of it, and each quote's own
stance on it (`assistant.thing_stance`). The other questions pass through untouched."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from assistant.engines.extractive import grouped, label_of, reviews_by_stance
from assistant.findings import Thing, thing_lead, turned_note, unnamed_thing_lead
from assistant.retrieval import named
from assistant.thing_stance import sides_on_thing

if TYPE_CHECKING:
    from assistant.result import Source
    from assistant.retrieval import Plan, Retriever
    from assistant.scope import ScopeFacts


Asked = tuple[Thing, "ScopeFacts"]  # the thing as an answer names it, and its count in scope


class ThingAnswers:
    """What an answer says of the thing a question asks about, over one retriever's index."""

    def __init__(self, retriever: Retriever) -> None:
        self.retriever = retriever

    def words(self, plan: Plan) -> frozenset[str]:
        """The words standing for the thing a question asks about (none for other questions):
        what a quote is picked by, beside the question's own words."""
        meaning = self.retriever.meaning
        focus = meaning.focus(plan) if plan.kind == "aspect" else []
        return frozenset(meaning.words_for(focus)[0]) if focus else frozenset()

    def asked(self, plan: Plan) -> Asked | None:
        """For a question about a thing ("the music") or a name ("McDormand"): the thing as
        the answer names it and how many reviews in scope (the stance asked aside) speak of it;
        None otherwise."""
        if plan.kind != "aspect":
            return None
        focus = self.retriever.meaning.focus(plan)
        if not focus:  # a name ("McDormand in Fargo"): the reviews that write it
            naming = self.retriever.name_counts(plan)
            return None if naming is None else (Thing.called(named(plan.intent)), naming)
        speaking = self.retriever.meaning.counts(plan)
        return None if speaking is None else (Thing.asked(plan.question, focus), speaking)

    def read(self, plan: Plan, sources: list[Source]) -> list[Source]:
        """`sources` with the stance each takes on the thing asked about where a contrast in
        it reads otherwise than its review's label, regrouped and renumbered."""
        words = self.words(plan)
        if not words or not sources:
            return sources
        titles = self.retriever.meaning.titles_with(words)
        sides = sides_on_thing(sources, words, self.retriever.index.embedder, titles)
        turned = [
            replace(source, side=side)
            if side and label_of(source) in ("positive", "negative") and side != label_of(source)
            else source
            for source, side in zip(sources, sides, strict=True)
        ]
        if turned == sources:
            return sources
        return grouped(turned, plan.filters.sentiment or plan.intent.stance)

    def lead(
        self,
        plan: Plan,
        facts: ScopeFacts,
        scope: str,
        thing: tuple[Thing, ScopeFacts],
        sources: Sequence[Source],
        cite: bool = True,
    ) -> str:
        """The finding for a question about a thing in one scope (see `findings.thing_lead`):
        how many of its reviews speak of it, each label followed by the markers of the quotes
        shown under it (unless not `cite`: one film's finding of several, whose quotes are
        grouped across the films), or that none names it, and which quotes read otherwise
        than their review's label."""
        named, speaking = thing
        if not speaking.reviews:
            return unnamed_thing_lead(scope, facts, named, quoted=bool(sources))
        if not named.name:
            focus = list(named.words)
            alike = self.retriever.meaning.written_alike_in(focus, [s.text for s in sources])
            named = replace(named, alike=alike)
        quoted = sum(reviews_by_stance(sources).values())
        stance = plan.filters.sentiment
        shown: dict[str, list[int]] = {}  # the markers of the quotes of each review label
        turned: Counter[tuple[str, str]] = Counter()  # reviews read otherwise than labelled
        turned_refs: dict[tuple[str, str], list[int]] = {}
        counted: set[str] = set()  # a review quoted twice counts once
        for source in sources:
            if cite:
                shown.setdefault(label_of(source), []).append(source.n)
            if not source.side:
                continue
            read = (label_of(source), source.side)
            if cite:
                turned_refs.setdefault(read, []).append(source.n)
            if source.review.id not in counted:
                counted.add(source.review.id)
                turned[read] += 1
        text = thing_lead(
            scope, facts, named, speaking, quoted, stance, plan.intent.count, refs=shown
        )
        return text + turned_note(turned, named, turned_refs)
