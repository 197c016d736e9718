"""Which film critics liked best or least ("Which Pixar film had the best reviews?", "which
film did critics like least?"): the index's films ranked by their share of positive reviews,
from the catalog's counts. Retrieval cannot answer this (no passage says which film of the index
is best liked), so the ranking is the answer's finding and the quotes come from the film ranked
first.

A film needs MIN_REVIEWS reviews to be ranked (one glowing review is no "best reviewed" film)
unless no film has that many. A question that names someone or something as a name ("Which
Pixar film ...", "which Tom Hanks film ...") ranks the films whose reviews name it, and says so.
A question about a thing ("which film has the best music?") ranks the films by the share of
positive reviews among those that speak of it, and says that it is that share (a review's label
is its verdict on the film, as the counts of a thing say everywhere).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from assistant.intent import Stance

MIN_REVIEWS = 10
# the words of a ranking question itself, never a thing it asks about
RANKING_WORDS = frozenset(
    """best worst least most highest lowest top rated reviewed favorite favourite liked loved
    disliked hated panned acclaimed praised like love dislike hate one ones picture pictures
    had has got get received reviews overall greatest finest strongest weakest praise
    criticised criticized criticise criticize""".split()
)
SHOWN = 5  # films listed in the finding

# "What was the best reviewed Pixar film": up to five words between, none asking which
# critic ("Which critic reviewed the most Pixar films?" ranks critics, `people_rankings`)
_WHICH_FILM = re.compile(
    r"\b(?:which|what)\b"
    r"(?:\W+(?!(?:critic|reviewer|outlet|publication|writer)s?\b)\w+){0,5}?"
    r"\W+(?:films?|movies?|pictures?|ones?)\b",
    re.IGNORECASE,
)
_BEST = re.compile(
    r"\b(?:best|highest|greatest|finest|strongest|top[- ]rated|favou?rite|"
    r"most (?:liked|loved|acclaimed|praised)|"
    r"(?:liked|loved|like|love|praised?) (?:\w+ )?(?:the )?most)\b",
    re.IGNORECASE,
)
_WORST = re.compile(
    r"\b(?:worst|lowest|least|weakest|most (?:disliked|hated|panned|critici[sz]ed)|"
    r"(?:disliked|hated|dislike|hate|panned|critici[sz]ed?) (?:\w+ )?(?:the )?most)\b",
    re.IGNORECASE,
)


_QUALIFIED = re.compile(
    r"\b(?:which|what)\s+((?:[\w'’-]+\s+){1,5}?)(?:films?|movies?|pictures?)\b", re.IGNORECASE
)


_YEARS = re.compile(r"(?:19|20)\d\d|['’]?(?:(?:19|20)\d0|\d0)['’]?s", re.IGNORECASE)


def qualifier(question: str, frame: Collection[str]) -> str:
    """The words a ranking question puts before "film" ("Which Coen brothers film ...",
    "which animated movie ..."), without the question's frame (`frame`: its stop words and
    this module's RANKING_WORDS); "" when none is left."""
    found = _QUALIFIED.search(question)
    if found is None:
        return ""
    words = found.group(1).split()

    def framing(word: str) -> bool:  # "best-reviewed" as "best reviewed"
        parts = word.casefold().split("-")
        return all(part in frame or part in RANKING_WORDS for part in parts)

    return " ".join(
        w
        for w in words
        if not framing(w)
        and not _YEARS.fullmatch(w)  # "which 1999 film": a period (`assistant.dates`)
    )


def ranking_asked(question: str) -> Stance | None:
    """ "positive" for a question asking which film critics liked best, "negative" for the one
    they liked least; None for any other question."""
    if not _WHICH_FILM.search(question):
        return None
    worst = _WORST.search(question)
    if worst:
        return "negative"
    return "positive" if _BEST.search(question) or superlative(question) else None


# "the funniest", "the most beautiful": a superlative of a quality, which ranks the films by
# the reviews that speak of it (or of the thing it qualifies: "the funniest jokes"); not one of
# order ("the latest") or of reviews ("the most reviews")
_MOST = re.compile(r"\bthe\s+(?:most|least)\s+([a-z]{3,})\b", re.IGNORECASE)
_EST = re.compile(r"\bthe\s+([a-z]{2,}est)\b", re.IGNORECASE)
_NOT_QUALITIES = frozenset(
    """latest earliest oldest newest nearest honest interest west request contest forest
    reviews reviewed critics films movies quotes votes""".split()
)


@dataclass(frozen=True, slots=True)
class Superlative:
    """A superlative a ranking question asks by: as written ("funniest") and its quality
    ("funny")."""

    written: str
    quality: str


def superlative(question: str) -> Superlative | None:
    """The superlative of a quality `question` writes ("which film is the funniest?", "the
    most beautiful animation"), its quality known to the review words; None otherwise."""
    from assistant.review_words import word_ranks

    known = word_ranks()
    most = _MOST.search(question)
    if most:
        word = most.group(1).casefold()
        if word not in _NOT_QUALITIES and word not in RANKING_WORDS and word in known:
            return Superlative(word, word)
    for found in _EST.finditer(question):
        word = found.group(1).casefold()
        if word in _NOT_QUALITIES or word in RANKING_WORDS:
            continue
        stem = word[:-3]
        bases = [stem[:-1] + "y"] if stem.endswith("i") else []  # funniest: funny
        bases += [stem, stem + "e"]  # strongest, latest: late
        if len(stem) > 2 and stem[-1] == stem[-2]:
            bases.append(stem[:-1])  # biggest: big
        for base in bases:
            if base in known:
                return Superlative(word, base)
    return None


def tie_list(items: list[str]) -> str:
    """The first SHOWN of `items` tied for a place, "; "-joined, and how many more."""
    more = f"; and {len(items) - SHOWN} more" if len(items) > SHOWN else ""
    return "; ".join(items[:SHOWN]) + more


def counted(n: int, plural: str) -> str:
    """'the 3 films', 'the one film' (after "of")."""
    return f"the one {plural[:-1]}" if n == 1 else f"the {n:,} {plural}"


@dataclass(frozen=True, slots=True)
class Ranked:
    """A film and its counts."""

    film: str
    reviews: int
    positive: int
    negative: int

    @property
    def share(self) -> float:
        return self.positive / self.reviews if self.reviews else 0.0

    def words(self) -> str:
        """'Toy Story (1995), 100% of 91'"""
        return f"{self.film}, {round(100 * self.share)}% of {self.reviews:,}"


@dataclass(frozen=True, slots=True)
class Ranking:
    """The films ranked for a question, best first when it asks for the best liked."""

    films: list[Ranked]
    stance: Stance
    held: int  # films with labelled reviews (before the review minimum)
    least_reviews: int  # the minimum a ranked film has
    among: str = ""  # which films: "whose reviews name Pixar", 'whose reviews say "animated"'
    thing: str = ""  # ranked by the reviews that speak of it: "the music" (else all reviews)
    focus: tuple[str, ...] = ()  # the words of that thing, for the quotes of the first film
    # the thing is a quality asked in a superlative ("which film is the funniest?"): films
    # rank by the share of their reviews that say it, not by the share of those positive
    quality: bool = False

    @property
    def first(self) -> str | None:
        return self.films[0].film if self.films else None

    def lead(self) -> str:
        """The finding: which film ranks first, then the next ones, with their counts."""
        if not self.films:
            if self.thing:
                of = f"of the films {self.among}" if self.among else "in the index"
                return f"No review {of} labelled positive or negative {self._spoken(False)}."
            return (
                f"No film {self.among or 'in the index'} has a review labelled positive or "
                "negative to rank by."
            )
        if self.quality:
            return self._quality_lead()
        if self.thing:
            return self._thing_lead()
        head, rest = self.films[0], self.films[1:SHOWN]
        reviews = "its one review is" if head.reviews == 1 else f"its {head.reviews:,} reviews are"
        share = f"{round(100 * head.share)}% of {reviews} positive"
        if self.held == 1:
            where = self.among or "in the index"
            return f"{head.film} is the one film {where}: {share}."
        which = "best" if self.stance == "positive" else "least"
        ranked = len(self.films)
        among = f"{counted(ranked, 'films')} {self.among or 'in the index'}"
        if self.least_reviews > 1 and ranked < self.held:
            among += f" with at least {self.least_reviews} reviews ({self.held:,} have labels)"
        tied = [r for r in self.films if r.share == head.share]
        if len(tied) > 1:  # no one film is liked best: say how many share it, most reviewed first
            listed = tie_list([f"{r.film} ({r.reviews:,} reviews)" for r in tied])
            extreme = "highest" if self.stance == "positive" else "lowest"
            return (
                f"Of {among}, {len(tied)} share the {extreme} share of positive reviews, "
                f"{round(100 * head.share)}%: {listed}."
            )
        text = f"Of {among}, critics liked {head.film} {which}: {share}."
        if rest:
            text += " Next: " + "; ".join(r.words() for r in rest) + "."
        return text

    def _quality_lead(self) -> str:
        """ "Of the 28 films in the index with at least 10 reviews, the reviews of Inside Out
        (2015) say "sad" or a word near it most often: 12% of its 384. Next: ..." """
        head, rest = self.films[0], self.films[1:SHOWN]
        among = f"{counted(self.held, 'films')} {self.among or 'in the index'}"
        if self.least_reviews > 1:
            among += f" with at least {self.least_reviews} reviews"
        often = "most often" if self.stance == "positive" else "least often"
        share = f"{round(100 * head.share)}% of its {head.reviews:,}"
        text = f"Of {among}, the reviews of {head.film} {self._spoken()} {often}: {share}."
        if rest:
            text += " Next: " + "; ".join(r.words() for r in rest) + "."
        return text

    def _spoken(self, plural: bool = True) -> str:
        """'speak of the music' | 'say "funny" or a word near it'"""
        if self.quality:
            return f"{'say' if plural else 'says'} {self.thing} or a word near it"
        return f"{'speak' if plural else 'speaks'} of {self.thing}"

    def _thing_lead(self) -> str:
        """ "Ranked by the share of positive reviews among those that speak of the music, of
        the 25 films in the index with at least 10 such reviews, Coco (2017) comes first: 94%
        of its 47 are positive. Next: ..." """
        head, rest = self.films[0], self.films[1:SHOWN]
        ranked = len(self.films)
        among = f"{counted(ranked, 'films')} {self.among or 'in the index'}"
        if ranked < self.held:
            among += f" with at least {self.least_reviews} such reviews (of {self.held:,} with one)"
        text = f"Ranked by the share of positive reviews among those that {self._spoken()}, "
        place = "first" if self.stance == "positive" else "last"
        if self.held == 1:
            share = f"{round(100 * head.share)}% of its {head.reviews:,} are positive"
            return text + f"{head.film} is the one film {self.among or 'in the index'}: {share}."
        tied = [r for r in self.films if r.share == head.share]
        if len(tied) > 1:
            listed = tie_list([f"{r.film} ({r.reviews:,} reviews)" for r in tied])
            return (
                text + f"{len(tied)} of {among} share {place} place, "
                f"{round(100 * head.share)}%: {listed}."
            )
        text += (
            f"of {among}, {head.film} comes {place}: {round(100 * head.share)}% of its "
            f"{head.reviews:,} are positive."
        )
        if rest:
            text += " Next: " + "; ".join(r.words() for r in rest) + "."
        return text


def rank_films(
    counts: Mapping[str, tuple[int, int, int]],
    stance: Stance,
    among: str = "",
    thing: str = "",
    focus: tuple[str, ...] = (),
    quality: bool = False,
) -> Ranking:
    """The films of `counts` (film -> reviews, positive, negative) with labelled reviews, ranked
    by their share of positive reviews (`stance` "negative": the least share first), more
    reviews first on a tie, then by title."""
    labelled = [
        Ranked(film, n, pos, neg) for film, (n, pos, neg) in counts.items() if pos + neg > 0
    ]
    least = MIN_REVIEWS if any(r.reviews >= MIN_REVIEWS for r in labelled) else 1
    kept = [r for r in labelled if r.reviews >= least]
    sign = -1 if stance == "positive" else 1
    kept.sort(key=lambda r: (sign * r.share, -r.reviews, r.film))
    return Ranking(kept, stance, len(labelled), least, among, thing, focus, quality)


def rank_by_quality(
    saying: Mapping[str, tuple[int, int, int]],
    totals: Mapping[str, tuple[int, int, int]],
    stance: Stance,
    among: str,
    quality: str,
    focus: tuple[str, ...],
) -> Ranking:
    """The films of `totals` (film -> reviews, positive, negative) ranked by the share of
    their reviews that say the quality `quality` asks of them, counted in `saying` (film ->
    reviews ...): most first ("the funniest"), least first for `stance` "negative" ("the
    least funny"); a film needs MIN_REVIEWS reviews, unless none has."""
    films = [
        Ranked(film, n, saying.get(film, (0, 0, 0))[0], 0)
        for film, (n, _, _) in totals.items()
        if n > 0
    ]
    least = MIN_REVIEWS if any(r.reviews >= MIN_REVIEWS for r in films) else 1
    eligible = [r for r in films if r.reviews >= least]
    least = least if len(eligible) < len(films) else 1  # said only when it left films out
    kept = [r for r in eligible if r.positive or stance == "negative"]
    sign = -1 if stance == "positive" else 1
    kept.sort(key=lambda r: (sign * r.share, -r.reviews, r.film))
    return Ranking(kept, stance, len(eligible), least, among, quality, focus, quality=True)
