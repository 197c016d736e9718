"""Hybrid retrieval: dense (Chroma) and lexical (SQLite FTS5 bm25) fused by reciprocal rank,
narrowed by the names and stance a question carries, one passage per review.

`plan()` turns a question and explicit filters into a `Plan`; `retrieve()` runs it. Both are
plain Python; `HybridRetriever` exposes them to llama-index as a `BaseRetriever`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeVar

from assistant.dates import dates_asked
from assistant.entities import Entities, NameIndex
from assistant.intent import Intent, analyse
from assistant.relevance import ThingMatcher, untitled
from assistant.scope import ScopeFacts, scope_filters
from index.catalog import StoredChunk
from index.filters import Filters
from index.fts import fts_query, other_numbers
from index.names import name_key
from index.store import Index
from index.vocabulary import VocabularyStore

if TYPE_CHECKING:
    from index.embedders.base import Vectors

RRF_K = 60
MIN_DENSE_SIMILARITY = 0.35
MAX_WORDS_READ = 4096  # words whose lower-case use `_written_lower` keeps
SMALL_SCOPE = 24  # passages in scope at most for every one of them to be worth ranking
EXACT_SEARCH_LIMIT = 5000  # chunks a name filter may leave for exact search
Row = TypeVar("Row", bound=tuple[str, ...])  # a row of passage fields, its text last


@dataclass(frozen=True)
class Plan:
    """A question ready to retrieve: the filters and the intent found in it."""

    question: str
    filters: Filters
    intent: Intent
    entities: Entities
    k: int

    @property
    def kind(self) -> str:
        """critic | stance | aspect | overview: how retrieval treats the question. A critic
        asked about a thing or a name ("what did Ebert say about the Coens?") is an aspect
        within the critic's reviews."""
        if self.filters.critics and not self.intent.terms:
            return "critic"
        if self.filters.sentiment and not self.intent.terms:
            return "stance"
        if self.intent.terms:
            return "aspect"
        return "overview"


@dataclass(frozen=True)
class Hit:
    """A retrieved passage of one review."""

    chunk: StoredChunk
    score: float
    lexical: bool  # the passage contains a content term of the question


class Retriever:
    """Plans and runs retrieval over one index."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._names: NameIndex | None = None
        self._names_version = -1
        self._lower: dict[str, bool] = {}  # `_written_lower` per word, for the names' version
        self.meaning = ThingMatcher(self, VocabularyStore(index))

    @property
    def names(self) -> NameIndex:
        """The names the index knows, reloaded when an ingest (any process) changed it."""
        version = self.index.catalog.data_version()
        if self._names is None or version != self._names_version:
            self.index.follow_vectors()  # a repair may have switched the vector store
            self._names = NameIndex.from_catalog(self.index.catalog)
            self._names_version = version
            self._lower = {}
        return self._names

    def refresh(self) -> None:
        """Forget cached names (after an ingest)."""
        self._names = None

    # -- planning -------------------------------------------------------------------------
    def plan(self, question: str, explicit: Filters | None = None, k: int = 8) -> Plan:
        explicit = explicit or Filters()
        if question.isupper():  # a question in capitals writes no name as one: read it lower
            question = question.lower()
        found = self.names.find(question)
        intent = analyse(question, found.spans)
        resolved = Filters(
            films=tuple(self._resolve(explicit.films, self.names.film_variants))
            or tuple(found.films),
            critics=tuple(self._resolve(explicit.critics, self.names.critic_variants))
            or tuple(found.critics),
            outlets=tuple(self._resolve(explicit.outlets, self.names.outlet_variants))
            or tuple(found.outlets),
        )
        # "Did critics like the humor in X?" asks whether, about a thing: both sides answer it
        # (the lead counts them); "who liked the humor" and "did critics like X?" keep theirs.
        intent = self._opening_read(intent, Filters(films=resolved.films))
        if not resolved.films:  # in a film's reviews "Ryan" is Meg Ryan, not Saving Private Ryan
            intent = self._whole_names_read(intent)
        whether_thing = intent.whether and bool(intent.terms) and not intent.count
        # a critic's stance applies when the films are asked ("which films did Ebert dislike?")
        applies = (not resolved.critics or intent.films_asked) and not whether_thing
        sentiment = explicit.sentiment or (intent.stance if applies else None)
        dated = dates_asked(question, resolved.films)
        filters = replace(
            explicit,
            films=resolved.films,
            critics=resolved.critics,
            outlets=resolved.outlets,
            sentiment=sentiment,
            top_critics=explicit.top_critics or intent.top_critics,
            since=explicit.since or (None if explicit.until else dated.since),
            until=explicit.until or (None if explicit.since else dated.until),
        )
        if intent.minority and not explicit.sentiment:
            filters = replace(filters, sentiment=self._minority(filters))
        return Plan(question, filters, intent, found, k)

    def _minority(self, filters: Filters) -> str:
        """The side fewer reviews in scope take ("who disagreed with the consensus on X?"):
        negative for a film most liked, positive for one most panned."""
        _, positive, negative = self.index.catalog.stance_counts(scope_filters(filters))
        return "positive" if positive < negative else "negative"

    def _opening_read(self, intent: Intent, scope: Filters) -> Intent:
        """A question's capitalized first word read as the reviews in scope write it: a name
        when they never write it in lower case ("Sox in Lightyear ..."); a name where written
        capitalized mid-sentence when they do so in at least a quarter as many passages as in
        lower case ("Sadness in Inside Out": the character, 6 beside 10); else a word ("Music
        in Soul?", "Animation in Cars?": 2 "Pixar Animation Studios" beside 19). A title
        holding it ("Toy Story") is no mention of it."""
        word = intent.opening
        if word is None:
            return intent
        titles = self.meaning.titles_with({name_key(word)})
        rows = self.matching_passages(fts_query([name_key(word)]), scope, 200, None)
        texts = [untitled(text, titles) for _, text in rows]
        lower = re.compile(rf"(?<!\w){re.escape(word.lower())}(?!\w)")
        in_lower = sum(1 for text in texts if lower.search(text))
        if texts and not in_lower:
            return replace(intent, proper=(word, *intent.proper), opening=None)
        mid = sum(1 for text in texts if names_written_in(text, intent))
        return intent if mid and 4 * mid >= in_lower else replace(intent, opening=None)

    def _whole_names_read(self, intent: Intent) -> Intent:
        """The question's names of several words whose last word is also a word of another
        film's title or written in lower case in the index: those count only written whole
        ("The Dark Knight": "Knight" alone is First Knight's, or "a knight"); the others by
        their last word too ("Buscemi" for Steve Buscemi). Read only for a question that names
        no film: within one film's reviews a surname is the person ("Hanks and Ryan" in those
        of You've Got Mail), and a name is matched in the case the question writes it."""
        whole = []
        for name in intent.full_names:
            last = name.split()[-1]
            key = name_key(last)
            titled = any(key in words for _, words in self.names.long_titles)
            if titled or self._written_lower(last):
                whole.append(name)
        return replace(intent, whole_names=tuple(whole)) if whole else intent

    def _written_lower(self, word: str) -> bool:
        """Whether a passage of the index writes `word` (or its other number) in lower case
        (read once per word while the index is unchanged: a chat plans a question twice)."""
        if word not in self._lower:
            if len(self._lower) >= MAX_WORDS_READ:
                self._lower.clear()
            self._lower[word] = self._read_lower(word)
        return self._lower[word]

    def _read_lower(self, word: str) -> bool:
        rows = self.matching_passages(fts_query([name_key(word)]), Filters(), 200, None)
        forms = "|".join(re.escape(form) for form in (word.lower(), *other_numbers(word.lower())))
        lower = re.compile(rf"(?<!\w)(?:{forms})(?!\w)")
        return any(lower.search(text) for _, text in rows)

    @staticmethod
    def _resolve(names: Sequence[str], variants: object) -> list[str]:
        out: list[str] = []
        for name in names:
            matches = variants(name)  # type: ignore[operator]
            out.extend(matches or [name])
        return out

    # -- running --------------------------------------------------------------------------
    def retrieve(self, plan: Plan) -> list[Hit]:
        """At most `plan.k` passages, one per review, best first; fewer when fewer bear on it."""
        kind = plan.kind
        pool = max(plan.k * 5, 40)
        among = self._filtered_chunks(plan.filters)
        if kind == "aspect":
            by_meaning = self.meaning.ranked(plan, among)
            if by_meaning:
                return self._one_per_review(by_meaning, set(by_meaning), plan.k)
        lexical = self._lexical(plan.intent, plan.filters, pool, among) if plan.intent.terms else []
        dense = self._dense(self._dense_vector(plan, bool(lexical)), plan.filters, pool, among)
        lexical_ids = set(lexical)
        if kind == "aspect" and lexical:
            # Reviews that name the thing asked about answer it; dense ranks among them.
            ranked = _fuse([lexical, [c for c, _ in dense if c in lexical_ids]])
        elif kind == "aspect":
            best = dense[0][1] if dense else 0.0
            # A small scope (a film with a few reviews) is all the asker has: its nearest
            # passages answer, however near; a large one keeps only passages near enough.
            small = bool(plan.filters.films) and among is not None and len(among) <= SMALL_SCOPE
            floor = best - 0.15 if small else max(MIN_DENSE_SIMILARITY, best - 0.15)
            ranked = [c for c, s in dense if s >= floor]
        else:
            ranked = _fuse([[c for c, _ in dense], lexical])
        return self._one_per_review(ranked, lexical_ids, plan.k)

    def _one_per_review(self, ranked: list[str], lexical_ids: set[str], k: int) -> list[Hit]:
        chunks = self.index.catalog.chunks(ranked[: k * 8])
        hits: list[Hit] = []
        seen_reviews: set[str] = set()
        outlets: set[str] = set()
        deferred: list[Hit] = []
        for position, chunk_id in enumerate(ranked[: k * 8]):
            chunk = chunks.get(chunk_id)
            if chunk is None or chunk.review.id in seen_reviews:
                continue
            seen_reviews.add(chunk.review.id)
            hit = Hit(chunk, 1.0 / (RRF_K + position), chunk_id in lexical_ids)
            outlet = chunk.review.publication
            # Prefer outlets not yet cited: a repeat outlet waits behind the others.
            if outlet and outlet in outlets:
                deferred.append(hit)
                continue
            outlets.add(outlet)
            hits.append(hit)
        return (hits + deferred)[:k]

    def more_of(self, hits: Sequence[Hit], question: str, most: int) -> list[StoredChunk]:
        """The other passages of the reviews in `hits`, nearest the question first (by their
        stored vectors), at most `most`: where a scope's few reviews leave an answer room."""
        cited = {h.chunk.chunk_id for h in hits}
        by_review = self.index.catalog.chunk_ids_of({h.chunk.review.id for h in hits})
        others = [c for ids in by_review.values() for c in ids if c not in cited]
        if not others or most <= 0:
            return []
        vector = self.index.embedder.embed_query(question)
        ranked = [cid for cid, _ in self.index.rank_among(others, vector, most)]
        chunks = self.index.catalog.chunks(ranked)
        return [chunks[cid] for cid in ranked if cid in chunks]

    def _filtered_chunks(self, filters: Filters) -> dict[int, str] | None:
        """The chunks (rowid -> id) a name filter leaves, when it leaves at most
        EXACT_SEARCH_LIMIT; None without a name filter or past that limit."""
        return self.index.catalog.scope_chunks(filters, EXACT_SEARCH_LIMIT)

    def _dense_vector(self, plan: Plan, named: bool) -> Vectors:
        """What passages are ranked by nearness to: the thing a question asks about when no
        passage names it (the question's frame, "what do critics say about ... in Fargo",
        would outweigh "the acting"), else the whole question."""
        focus = self.meaning.focus(plan) if plan.kind == "aspect" and not named else []
        if focus:
            return self.meaning.words_for(focus)[1]
        return self.index.embedder.embed_query(plan.question)

    def _dense(
        self,
        vector: Vectors,
        filters: Filters,
        n: int,
        among: dict[int, str] | None,
    ) -> list[tuple[str, float]]:
        if among is not None:
            # A name filter leaves few chunks: rank them exactly (the catalog found them by
            # index) rather than walk the HNSW graph for the few it allows.
            return self.index.rank_among(list(among.values()), vector, n)
        return self.index.nearest(vector, n, filters)

    def _lexical(
        self, intent: Intent, filters: Filters, n: int, among: dict[int, str] | None
    ) -> list[str]:
        """Chunk ids whose text has a content term, best bm25 first.

        Terms written as names in the question ("Sadness") must appear in that exact case
        when any passage has them so: the character, not the feeling.
        """
        proper = {name_key(p) for p in intent.proper}
        names = intent.proper or ((intent.opening,) if intent.opening else ())
        rows = self.matching_passages(
            fts_query(intent.terms, exact=proper), filters, n * 10 if names else n, among
        )
        if names:
            exact = [cid for cid, _ in self._naming_rows(intent, filters, rows)]
            if exact:
                return exact[:n]
        if intent.full_names:  # "Joel Coen" is not "the Joel Siegel moment": a last name, or none
            return [cid for cid, _ in self._naming_rows(intent, filters, rows, any_case=True)][:n]
        return [cid for cid, _ in rows[:n]]

    def _naming_rows(
        self, intent: Intent, filters: Filters, rows: Sequence[Row], any_case: bool = False
    ) -> list[Row]:
        """The `rows` (their text last) writing a name of the question (`names_written_in`)
        outside the titles of the films in scope that hold it: there the name is the film's,
        not the character's ("Dory" in the reviews of Finding Dory). All that write it when
        none does so outside them: the title is how the reviews write the name ("Forrest Gump",
        the film and the man). Another film's title counts: "Nemo" in the reviews of The
        Incredibles is Finding Nemo, which is what the asker means."""
        titles = [
            title
            for title in self.meaning.titles_with(set(name_words(intent)))
            if any(film == title or film.startswith(f"{title} (") for film in filters.films)
        ]
        found = [r for r in rows if names_written_in(untitled(r[-1], titles), intent, any_case)]
        if found or not titles:
            return found
        return [r for r in rows if names_written_in(r[-1], intent, any_case)]

    def matching_passages(
        self, match: str, filters: Filters, limit: int, among: dict[int, str] | None
    ) -> list[tuple[str, str]]:
        """(chunk id, text) of the passages matching the FTS5 query `match` within `filters`
        (or among the chunks a name filter left), best bm25 first."""
        return self.index.catalog.search_passages(match, filters, limit, among)

    def name_counts(self, plan: Plan) -> ScopeFacts | None:
        """How many reviews in the question's scope (its stance aside) have a passage writing
        a name the question asks about ("McDormand", "Joy and Sadness"), and how many of those
        are positive and negative; None when it asks about no name."""
        if plan.kind != "aspect" or not named(plan.intent):
            return None
        naming = self._naming(plan.intent, scope_filters(plan.filters))
        return ScopeFacts.of_labels((review_id, sentiment) for review_id, sentiment, _ in naming)

    def films_naming(self, intent: Intent) -> set[str]:
        """The films with a review that writes a name the question asks about."""
        return {film for _, _, film in self._naming(intent, Filters())}

    def _naming(self, intent: Intent, filters: Filters) -> Iterator[tuple[str, str, str]]:
        """(review id, sentiment, film) of each passage within `filters` writing a name of
        `intent` as the question writes it, not as the title of a film in scope writes it
        (see `_naming_rows`)."""
        words = name_words(intent)
        match = fts_query(words, exact=set(words))
        rows = list(self.index.catalog.matching_passage_labels(match, filters))
        for review_id, sentiment, film, _ in self._naming_rows(intent, filters, rows):
            yield review_id, sentiment, film

    def unlabelled_count(self, filters: Filters) -> int:
        """Reviews matching `filters` but for sentiment whose sentiment is unknown."""
        return self.index.catalog.count_reviews(replace(filters, sentiment="unknown"))


def named(intent: Intent) -> list[str]:
    """The names a question asks about as it writes them: its names of several words whole
    ("Frances McDormand"), its other names, and its first word when that may be one."""
    in_full = {word for name in intent.full_names for word in name.split()}
    names = [*intent.full_names, *(p for p in intent.proper if p not in in_full)]
    if intent.opening and intent.opening not in names and intent.opening not in in_full:
        names.append(intent.opening)
    return names


def name_words(intent: Intent) -> list[str]:
    """The words of the names a question asks about (see `named`), as name keys."""
    return [name_key(word) for name in named(intent) for word in name.split()]


def names_written_in(text: str, intent: Intent, any_case: bool = False) -> bool:
    """Does `text` write a name of the question in its case (in any case with `any_case`)? A
    question's capitalized first word counts only where the text writes it so mid-sentence
    ("Joy and Sadness"), not where any sentence starts with it. A name of several words
    counts whole or by its last word ("Steve Buscemi", "Buscemi"), never by its first ("Steve"
    of Steve Martin); whole only when its last word is a word too (`Intent.whole_names`)."""
    names = named(intent)
    wanted = [  # the whole name holds its last word
        name if name in intent.whole_names else name.split()[-1]
        for name in names
        if name != intent.opening
    ]
    flags = re.IGNORECASE if any_case else 0
    for name in wanted:
        spaced = r"\s+".join(re.escape(word) for word in name.split())
        if re.search(rf"(?<!\w){spaced}(?!\w)", text, flags):
            return True
    if intent.opening in names:  # not when it opens a name of several words ("Steve ...")
        mid = rf"(?<=[\w,;:)\]’'] ){re.escape(intent.opening)}(?!\w)"
        if re.search(mid, text):
            return True
    return False


def _fuse(rankings: Sequence[Sequence[str]]) -> list[str]:
    """Reciprocal rank fusion of several rankings of chunk ids."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, chunk_id in enumerate(ranking):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank + 1)
    return sorted(scores, key=lambda c: -scores[c])
