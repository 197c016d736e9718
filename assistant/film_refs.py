"""Films a question refers to that the index cannot answer for: a title it does not hold
("Oppenheimer", the misspelt "Fagro"), and a pronoun ("who disliked it?") with no film to
stand for. Answering these with quotes about other films would pass them off as answers.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from assistant.entities import Entities
from assistant.findings import join
from assistant.people_rankings import people_ranking_asked
from assistant.rankings import ranking_asked
from assistant.result import ResultKind
from assistant.retrieval import Plan, Retriever
from index.filters import Filters
from index.names import name_key, split_year
from index.store import Index

# Words after which a capitalized phrase is what the question is about.
_CUES = frozenset(
    """of about liked disliked like dislike loved hated love hate enjoyed enjoy on for was is
    see saw watch watched reviewed reviews rate rated rank ranked praised praise panned
    criticised criticized mention mentioned mentions in""".split()
)
# A question comparing films, and the words before the film it compares with
_COMPARES = re.compile(
    r"\b(?:compare[sd]?|comparing|comparison|versus|vs|prefer(?:red)?|better than|worse than|"
    r"more than|less than)\b",
    re.IGNORECASE,
)
_COMPARED_CUES = frozenset("and or vs versus than with to".split())
# Lower-case words allowed inside a title ("Beauty and the Beast", "Lord of the Rings").
_CONNECTORS = frozenset("of the and a an in to on at for with vs".split())
_TOKEN = re.compile(r"[\w'’]+")
_PRONOUN = re.compile(
    r"\b(it|its|this (?:film|movie|one)|that (?:film|movie|one)|the (?:film|movie))\b",
    re.IGNORECASE,
)
SUGGESTION_CUTOFF = 0.6
_POSSESSIVE = re.compile(r"['’]s?$")
_ARTICLES = frozenset("the a an".split())


def _is_name_word(word: str) -> bool:
    return word[:1].isupper() or word[:1].isdigit()


def title_candidates(question: str, entities: Entities, cues: frozenset[str] = _CUES) -> list[str]:
    """Capitalized phrases that follow a cue word ("of Oppenheimer", "disliked Fagro"), minus
    what the question already names (films, critics, outlets the index knows)."""
    tokens = [(m.group(), m.start()) for m in _TOKEN.finditer(question)]
    keys = name_key(question).split()
    claimed = {i for start, end in entities.spans for i in range(start, end)}
    aligned = len(keys) == len(tokens)
    found: list[str] = []
    i = 0
    while i < len(tokens):
        word = tokens[i][0]
        if word.casefold() not in cues or i + 1 >= len(tokens):
            i += 1
            continue
        j = i + 1
        end = j
        while j < len(tokens):
            text = tokens[j][0]
            if _is_name_word(text):
                end = j + 1
            elif text.casefold() not in _CONNECTORS or j == i + 1:
                break
            j += 1
        span = range(i + 1, end)
        phrase = " ".join(tokens[k][0] for k in span)
        year = word.casefold() == "in" and phrase.isdigit()  # "in 2019": a date, no title
        if span and not year and not (aligned and any(k in claimed for k in span)):
            found.append(phrase)
        i = max(end, i + 1)
    return found


def unknown_film(
    question: str, entities: Entities, index: Index, title_words: Collection[str] = ()
) -> str | None:
    """The title a question asks about that the index holds no review of, nor any review
    mentions (so it is no character, actor or thing discussed); None when there is none.
    `title_words` (the words of the index's titles) tell a person's surname from a title's."""
    if entities.films:
        return None
    for candidate in title_candidates(question, entities):
        candidate = _POSSESSIVE.sub("", candidate)  # "Oppenheimer's score": Oppenheimer
        if not index.catalog.mentions(candidate) and not _known_person(
            candidate, index, title_words
        ):
            return candidate
    return None


def compared_with_unknown(question: str, entities: Entities) -> str | None:
    """The title a question compares a stored film with ("Compare Armageddon and Deep
    Impact", "Did critics prefer Fargo to Blood Simple?") when the index holds no film of it,
    even if reviews name it; None otherwise."""
    if not entities.films or len({split_year(f)[0] for f in entities.films}) > 1:
        return None
    if not _COMPARES.search(question):
        return None
    found = title_candidates(question, entities, _COMPARED_CUES)
    return _POSSESSIVE.sub("", found[0]) if found else None


def _known_person(candidate: str, index: Index, title_words: Collection[str]) -> bool:
    """A first and last name ("Scarlett Johansson") whose last name reviews write as a name
    ("Johansson disarms with only her voice") and no stored title holds: someone the reviews
    call by surname, no film. "The Dark Knight", "Iron Man" (beside "Rain Man") stay titles."""
    words = candidate.split()
    if len(words) != 2 or words[0].casefold() in _ARTICLES or not words[1][:1].isupper():
        return False
    if name_key(words[1]) in title_words:
        return False
    return index.catalog.mentions_as_name(words[1])


def closest_films(candidate: str, films: Sequence[str], most: int = 3) -> list[str]:
    """The stored films whose titles are closest to `candidate` (spelling slips, a missing or
    extra word), best first."""
    wanted = name_key(split_year(candidate)[0])
    by_key: dict[str, list[str]] = {}
    for film in films:
        by_key.setdefault(name_key(split_year(film)[0]), []).append(film)
    keys = difflib.get_close_matches(wanted, list(by_key), n=most, cutoff=SUGGESTION_CUTOFF)
    return [film for key in keys for film in sorted(by_key[key])][:most]


def refers_by_pronoun(question: str) -> bool:
    """'Who disliked it?', 'what did critics think of this film?'."""
    return _PRONOUN.search(question) is not None


@dataclass(frozen=True, slots=True)
class Refusal:
    """An answer that quotes nothing, because no film in the index answers the question."""

    kind: ResultKind
    text: str
    suggestions: list[str] = field(default_factory=list)


def check_scope(
    question: str, plan: Plan, explicit: Filters | None, retriever: Retriever
) -> Refusal | None:
    """Why this question gets no quotes, or None when it can be answered.

    - out_of_scope: the chat is held to a film (the widget's, a film filter) and the question
      names another film, or a title the index lacks;
    - unknown_film: the question names a title the index holds no review of;
    - needs_film: "who disliked it?" with no film to refer to in an index of several.
    """
    entities, names = plan.entities, retriever.names
    held = tuple(explicit.films) if explicit and explicit.films else ()
    if held:
        allowed = {f for film in held for f in names.film_variants(film)} | set(held)
        others = [f for f in entities.films if f not in allowed] + entities.unlisted
        others += [name for name, films in entities.ambiguous if allowed.isdisjoint(films)]
        missing = (
            None if others else unknown_film(question, entities, retriever.index, names.title_words)
        )
        if others or missing:
            asked = join(others) if others else missing
            return Refusal(
                "out_of_scope",
                f"This chat covers only reviews of {join(held)}; it cannot answer about "
                f"{asked}. Ask about {join(held)}.",
            )
        return None
    other = compared_with_unknown(question, entities)
    if other:  # "Compare Armageddon and Deep Impact": never half a comparison
        suggestions = closest_films(other, names.films)
        text = f"The index holds no reviews of {other}, so it cannot compare it with " + join(
            entities.films
        )
        return Refusal("unknown_film", text + ".", suggestions)
    if entities.ambiguous:  # "Star Wars": which of the stored "Star Wars: ..." films?
        name, films = entities.ambiguous[0]
        return Refusal(
            "needs_film",
            f"{name} names {len(films)} films in the index: {join(films, most=10)}. "
            "Which one do you mean? Name it in the question or choose it in the film filter.",
            films,
        )
    if entities.unlisted:  # "Toy Story 5" beside a stored "Toy Story": never that film
        missing = entities.unlisted[0]
        suggestions = closest_films(missing, names.films)
        text = f"The index holds no reviews of {missing}."
        if suggestions:
            text += f" It holds {join(suggestions, most=3)}."
        return Refusal("unknown_film", text, suggestions)
    missing = unknown_film(question, entities, retriever.index, names.title_words)
    if missing:
        suggestions = closest_films(missing, names.films)
        # a person ("Joel Coen") as well as a title: neither a film nor a name in a review
        text = (
            f"Nothing in the index is about {missing}: no film of that title, and no review "
            "names it."
        )
        if suggestions:
            text += f" Did you mean {join(suggestions, most=3).replace(' and ', ' or ')}?"
        else:
            text += f" It holds reviews of {_holding(names.films)}."
        return Refusal("unknown_film", text, suggestions)
    if (
        not plan.filters.films
        and not plan.intent.terms
        and len(names.films) > 1
        and (refers_by_pronoun(question) or _narrows_nothing(question, plan))
    ):
        return Refusal(
            "needs_film",
            "Which film do you mean? Name it in the question (for example "
            f'"Who disliked {names.films[0]}?") or choose one in the film filter.',
        )
    return None


def _narrows_nothing(question: str, plan: Plan) -> bool:
    """Does a question name no film, critic, outlet, date or thing, and ask no form that
    reads the whole index ("which film did critics like best?", "which critics reviewed the
    most?")? "What do critics think?", "Who disliked?", "Any good?", "?": which film?"""
    intent, filters = plan.intent, plan.filters
    return not (
        filters.critics
        or filters.outlets
        or filters.since
        or filters.until
        or filters.top_critics
        or intent.proper
        or intent.count
        or intent.minority
        or (intent.who and not intent.stance)  # "which critics reviewed the most?"
        or intent.order
        or intent.films_asked
        or ranking_asked(question)
        or people_ranking_asked(question) is not None  # "which critic is the harshest?"
    )


def _holding(films: Sequence[str]) -> str:
    if len(films) <= 5:
        return join(films) or "no film yet"
    return f"{len(films)} films (the film list shows them)"
