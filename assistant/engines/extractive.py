"""The built-in engine: quotes each source's most relevant sentences verbatim, grouped by stance.

Needs no model or server, so it can always answer; the same input gives the same answer.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace

from assistant.engines.base import AnswerRequest, Engine
from assistant.result import Source
from index.chunking import sentence_spans
from index.names import split_year
from index.records import Review

__all__ = [
    "ExtractiveEngine",
    "content_words",
    "group_order",
    "grouped",
    "label_of",
    "pick_quote",
    "reviews_by_stance",
    "stance_of",
]

NO_SOURCES = "No review in the index speaks to this question."
SHORT_SOURCE = 300  # a passage of one or two sentences under this many characters is quoted whole
MAX_QUOTE = 350  # a longer quote is cut at a word and ends with " …"
SHORT_SENTENCE = 50  # a best sentence shorter than this takes its neighbour along

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STOPWORDS_TEXT = """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    out over own same she should so some such than that the their theirs them themselves then
    there these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours
    critic review reviewer write wrote written say said think thought feel felt opinion view
    film movie picture like liked dislike disliked love loved hate hated enjoy enjoyed praise
    praised pan panned tell me anyone anybody people reviews critics
"""
_STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
_TOPIC = re.compile(
    r"\b(?:say|says|said|think|thinks|thought|feel|feels|felt|write|wrote)\s+(?:about|of)\s+"
    r"(?P<topic>.+?)[\s?.!]*$",
    re.IGNORECASE,
)
_UNSAFE = re.compile(r"[\"“”\[\]*]")
_SPACES = re.compile(r"\s{2,}|[^\S ]")
_HEADINGS = {"positive": "Positive", "negative": "Negative", "unknown": "Unrated"}
_VERBS = {"positive": "liked", "negative": "disliked"}
_MAX_NAMES = 8


def content_words(text: str) -> set[str]:
    """Lowercased, lightly stemmed words of `text` that are not stop words."""
    words = set()
    for word in _WORD.findall(text.casefold().replace("’", "'")):
        stem = _stem(word)
        if stem and word not in _STOPWORDS and stem not in _STOPWORDS:
            words.add(stem)
    return words


def _stem(word: str) -> str:
    if word.endswith("'s"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def pick_quote(source: Source, question: str, focus: Iterable[str] = ()) -> str:
    """The passage's sentence(s) that best answer `question`, verbatim (at most two, adjacent):
    those with most of its words, or of the `focus` words standing for the thing it asks about
    ("funny" for the jokes).

    Words of the review's film title do not count: every review of the film mentions it.
    """
    text = source.text
    spans = [(a, b) for a, b in sentence_spans(text) if any(c.isalnum() for c in text[a:b])]
    if not spans:
        return text.strip()
    wanted = content_words(question) | {_stem(word) for word in focus}
    wanted -= content_words(split_year(source.review.film)[0])
    scores = [len(wanted & content_words(text[a:b])) for a, b in spans]

    def joinable(i: int, j: int) -> bool:  # sentences i < j, adjacent, on one line, short enough
        return (
            "\n" not in text[spans[i][1] : spans[j][0]] and spans[j][1] - spans[i][0] <= MAX_QUOTE
        )

    if (
        len(spans) <= 2
        and spans[-1][1] - spans[0][0] < SHORT_SOURCE
        and joinable(0, len(spans) - 1)
    ):
        first, last = 0, len(spans) - 1
    else:
        best = max(range(len(spans)), key=lambda i: (scores[i], -i))
        first = last = best
        short = spans[best][1] - spans[best][0] < SHORT_SENTENCE
        if best + 1 < len(spans) and joinable(best, best + 1) and (short or scores[best + 1]):
            last = best + 1
        elif best > 0 and joinable(best - 1, best) and (short or scores[best - 1]):
            first = best - 1
    return _clip(text[spans[first][0] : spans[last][1]])


def _clip(quote: str) -> str:
    if len(quote) <= MAX_QUOTE:
        return quote
    cut = quote.rfind(" ", 0, MAX_QUOTE)
    return quote[: cut if cut > 0 else MAX_QUOTE].rstrip(" ,;:") + " …"


def _display(quote: str) -> str:
    """One line, with inner straight double quotes made curly so the outer pair stays clear."""
    quote = _SPACES.sub(" ", quote)
    out = []
    for i, ch in enumerate(quote):
        if ch == '"':
            ch = "“" if i == 0 or quote[i - 1] in " ([{—–-" else "”"
        out.append(ch)
    return "".join(out)


def _who(review: Review) -> str:
    return review.critic.strip() or review.publication.strip() or "an unnamed critic"


def _attribution(review: Review, film: bool = False) -> str:
    """ "Critic, Outlet (date)"; with `film` (an answer quoting several films, or a film the
    question did not name), ", review of Film" after it: a quote never reads as about another
    film than its own."""
    parts = [p.strip() for p in (review.critic, review.publication) if p.strip()]
    who = ", ".join(parts) or "a critic"
    who = f"{who} ({review.date})" if review.date else who
    return f"{who}, review of {review.film}" if film and review.film else who


def _join(names: Sequence[str]) -> str:
    if len(names) > _MAX_NAMES:
        names = [*names[:_MAX_NAMES], f"{len(names) - _MAX_NAMES} others"]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _films(sources: Sequence[Source]) -> list[str]:
    return list(dict.fromkeys(s.review.film for s in sources if s.review.film))


def _lead(question: str, sources: Sequence[Source]) -> str:
    films = _films(sources)
    match = _TOPIC.search(question.strip())
    topic = _SPACES.sub(" ", _UNSAFE.sub("", match.group("topic"))).strip() if match else ""
    if topic and len(topic) <= 120:
        if len(films) == 1:
            title = split_year(films[0])[0]
            folded = topic.casefold()
            if folded == title.casefold() or folded.endswith(" " + title.casefold()):
                topic = topic[: len(topic) - len(title)] + films[0]
        return f"What critics say about {topic}:"
    reviews = len({s.review.id for s in sources})
    noun = "review" if reviews == 1 else "reviews"
    if len(films) == 1:
        return f"From {reviews} {noun} of {films[0]}:"
    return f"From {reviews} {noun}:"


def _stance_lead(stance: str, sources: Sequence[Source]) -> str:
    """Who among these sources took `stance`; no count is stated, since these are only the
    reviews retrieval found (the catalog's counts come as `AnswerRequest.lead`)."""
    matching = [s for s in sources if s.review.sentiment == stance]
    films = _films(matching) or _films(sources)
    film = _join(films) if films else "the film"
    verb = _VERBS[stance]
    if not matching:
        return f"None of the reviews found for this question {verb} {film}."
    names = list(dict.fromkeys(_who(s.review) for s in matching))
    return (
        f"Critics who {verb} {film}, among the reviews that speak to the question: {_join(names)}."
    )


def stance_of(source: Source) -> str:
    """positive, negative or unknown: the group a source is quoted under (its stance on the
    thing asked about where one was read, see `assistant.thing_stance`, else its label)."""
    return source.side or label_of(source)


def label_of(source: Source) -> str:
    """positive, negative or unknown: the label of the source's review."""
    sentiment = source.review.sentiment
    return sentiment if sentiment in _HEADINGS else "unknown"


def reviews_by_stance(sources: Sequence[Source]) -> Counter[str]:
    """How many distinct reviews the sources quote, per review label (a review quoted twice
    counts once): the counts a finding states beside the catalog's."""
    return Counter(label_of(s) for s in {s.review.id: s for s in sources}.values())


def group_order(sources: Sequence[Source], stance: str | None = None) -> list[str]:
    """The order the stance groups are quoted in: the stance asked first, then the others in
    the order their first source comes (so numbering sources in this order reads 1, 2, 3)."""
    order = list(dict.fromkeys(stance_of(s) for s in sources))
    order += [key for key in _HEADINGS if key not in order]
    if stance in order:
        order.remove(stance)
        order.insert(0, stance)
    return order


def _read_otherwise(source: Source) -> str:
    """A note on a quote grouped under another stance than its review's label."""
    label = label_of(source)
    if source.side is None or source.side == label or label == "unknown":
        return ""
    return f" (a {label} review; {source.side} on this point)"


def grouped(sources: Sequence[Source], stance: str | None = None) -> list[Source]:
    """`sources` in stance groups (see `group_order`; the order kept within a group),
    renumbered from 1 so that an answer's markers read 1, 2, 3."""
    rank = {group: i for i, group in enumerate(group_order(sources, stance))}
    ordered = sorted(sources, key=lambda s: rank[stance_of(s)])
    return [replace(s, n=i) for i, s in enumerate(ordered, 1)]


class ExtractiveEngine(Engine):
    """Answers with the sources' own words: no model, deterministic, always available."""

    name = "extractive"

    def check(self) -> str | None:
        return None

    def stream(self, request: AnswerRequest) -> Iterator[str]:
        lines = self.lines(request)
        for i, line in enumerate(lines):
            yield line if i == len(lines) - 1 else line + "\n"

    def lines(self, request: AnswerRequest) -> list[str]:
        """The answer, one line per item (blank lines between sections)."""
        sources = list(request.sources)
        coverage = [request.coverage_line] if request.coverage_line else []
        if not sources:  # the finding, when there is one, says what the scope holds
            return [request.lead or NO_SOURCES, *(["", *coverage] if coverage else [])]
        stance = request.stance if request.stance in _VERBS else None
        if request.lead:
            lines = [request.lead]
        elif stance:
            lines = [_stance_lead(stance, sources)]
        else:
            lines = [_lead(request.question, sources)]
        groups: dict[str, list[Source]] = {key: [] for key in _HEADINGS}
        for source in sources:
            groups[stance_of(source)].append(source)
        order = group_order(sources, stance)
        headed = any(groups[key] for key in ("positive", "negative"))
        # a quote's film is said when the answer quotes several, or one not asked about
        quoted_films = tuple(_films(sources))
        asked = quoted_films if request.films is None else request.films
        several = len(quoted_films) > 1 or quoted_films != asked
        for key in order:
            if not groups[key]:
                continue
            lines.append("")
            if headed:
                reviews = len({s.review.id for s in groups[key]})
                lines.append(f"**{_HEADINGS[key]}** ({reviews})")
            for source in groups[key]:
                quote = _display(pick_quote(source, request.question, request.focus))
                read = _read_otherwise(source)
                who = _attribution(source.review, several)
                lines.append(f'- "{quote}" — {who} [{source.n}]{read}')
        if coverage:
            lines += ["", *coverage]
        return lines
