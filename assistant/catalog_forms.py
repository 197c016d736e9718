"""Question forms answered from the catalog's counts, not by retrieval: which film critics
liked best or least, overall or on a thing (`assistant.rankings`), which critic or outlet is
the harshest, the kindest or the most prolific (`assistant.people_rankings`), who agreed with
one critic on a film (`assistant.agreement`), a scope's reception by year
(`assistant.over_time`), which critics took one side on several films (`assistant.overlap`),
the latest or first reviews, the whole index as the scope of a question naming no film, and
the lead that counts a scope (with who, or which films, its reviews are by).
`Assistant.stream` asks here before and after retrieving."""

from __future__ import annotations

from dataclasses import replace

from assistant.agreement import Agreement, agreement_asked, side_asked
from assistant.engines.extractive import reviews_by_stance
from assistant.findings import (
    Finding,
    Thing,
    critics_lead,
    describe_scope,
    join,
    label_of_one,
    lead,
    narrowed,
    released_in,
)
from assistant.intent import STOPWORDS
from assistant.over_time import OVER_TIME_WORDS, OverTime, over_time_asked
from assistant.overlap import Shared, both_asked, critics_counted, shared_side
from assistant.people_rankings import (
    PeopleRanking,
    people_ranking_asked,
    people_ranking_words,
    rank_people,
)
from assistant.rankings import (
    RANKING_WORDS,
    Ranking,
    qualifier,
    rank_by_quality,
    rank_films,
    ranking_asked,
    superlative,
)
from assistant.result import Source
from assistant.retrieval import Hit, Plan, Retriever, name_words, named
from assistant.scope import ScopeFacts, scope_facts, scope_filters, stance_critics
from assistant.thing_answers import Asked, ThingAnswers
from index.filters import Filters
from index.fts import phrase_query
from index.names import name_key, split_year
from index.reads import NameColumn
from index.store import Index

WHOLE_INDEX = "reviews in the index"  # the scope of a question that names no film, critic ...
# a finding the catalog counts, which leads the answer as it is (its `lead()`)
Counted = Ranking | PeopleRanking | OverTime | Agreement


def _quoting(plan: Plan, filters: Filters, terms: tuple[str, ...] = ()) -> Plan:
    """`plan` retrieving the quotes of a counted finding: within `filters`, about `terms`
    only (the question's other words framed the finding: "harshest", "over time")."""
    intent = replace(
        plan.intent,
        terms=terms,
        proper=(),
        full_names=(),
        opening=None,
        count=False,
        who=None,
    )
    return replace(plan, filters=filters, intent=intent)


class CatalogForms:
    """The catalog's answers to one index's questions (see the module docstring)."""

    def __init__(self, index: Index, retriever: Retriever, things: ThingAnswers) -> None:
        self.index = index
        self.retriever = retriever
        self.things = things

    def reframed(self, question: str, plan: Plan) -> tuple[Plan, Counted | None, Shared | None]:
        """The plan retrieval runs for a form whose finding the catalog counts: a ranking
        ("which film did critics like least?": the first film's reviews of that side; "which
        critic is the harshest?": that critic's negative reviews), a scope over time (its
        reviews, of the first year named), who agreed with a critic (theirs), or critics on
        one side of several films ("which critics liked both X and Y?": those critics'
        reviews); `plan` as it is otherwise."""
        over = self.over_time(question, plan)
        if over is not None:
            filters = replace(plan.filters, sentiment=None)
            if over.asked.years is not None:
                year = over.asked.years[0]
                filters = replace(filters, since=f"{year}-01-01", until=f"{year}-12-31")
            return _quoting(plan, filters), over, None
        agreement = self.agreement(question, plan)
        if agreement is not None:
            critics = tuple(agreement.names) or plan.filters.critics
            filters = replace(plan.filters, critics=critics, sentiment=agreement.side)
            return _quoting(plan, filters), agreement, None
        ranking = self.ranking(question, plan)
        people = None if ranking is not None else self.people_ranking(question, plan)
        if people is not None and people.first:
            first, by_outlet = (people.first,), people.asked.who == "outlets"
            filters = replace(
                plan.filters,
                films=people.films,
                critics=() if by_outlet else first,
                outlets=first if by_outlet else (),
                sentiment=people.asked.stance,
            )
            return _quoting(plan, filters), people, None
        if ranking is not None and ranking.first:
            sentiment = None if ranking.quality else ranking.stance  # "the saddest": either
            filters = replace(plan.filters, films=(ranking.first,), sentiment=sentiment)
            plan = _quoting(plan, filters, ranking.focus)  # the thing ranked by, if any
        shared = self.shared(plan)
        if shared is not None:
            plan = replace(plan, filters=replace(plan.filters, critics=tuple(shared.agreed)))
        return plan, ranking, shared

    def dated_hits(self, plan: Plan, oldest: bool) -> list[Hit]:
        """The first passage of each of the `plan.k` newest (or oldest) dated reviews in
        scope."""
        catalog = self.index.catalog
        dated = replace(plan.filters, exclude_reviews=(), since=plan.filters.since or "0000-01-01")
        ids = catalog.review_ids_where(dated, plan.k, oldest)  # an undated review is neither
        firsts = [chunks[0] for chunks in map(catalog.chunk_ids_of(ids).get, ids) if chunks]
        found = catalog.chunks(firsts)
        return [Hit(found[c], 1.0, False) for c in firsts if c in found]

    def ranking(self, question: str, plan: Plan) -> Ranking | None:
        """For "which film did critics like best / least?" over the films in scope (the
        index's, or the reviews a filter leaves: top critics, dates), the films ranked from the
        catalog; those whose reviews write a name the question gives ("Which Pixar film ...")
        when it gives one; for a question about a thing ("which film has the best music?"), by
        the reviews that speak of it. None for other questions."""
        stance = ranking_asked(question)
        filters = plan.filters
        if stance is None or filters.films or filters.critics or filters.outlets:
            return None
        names = named(plan.intent)
        of_names = set(name_words(plan.intent))
        most = superlative(question)  # "the funniest jokes", "which film is the funniest?"
        asked_by = {most.written, "most"} if most else set()
        qualified = qualifier(question, STOPWORDS | asked_by)
        said = set(name_key(qualified).split())
        frame = of_names | said | RANKING_WORDS | asked_by
        focus = tuple(t for t in plan.intent.terms if t not in frame and t.isalpha())
        quality = most is not None and not focus
        if most is not None and quality:  # the quality is the thing: the reviews saying it
            focus = (most.quality,)
        thing = str(Thing(focus, phrase=not quality)) if focus else ""  # "the music", '"funny"'
        counts, period = self._film_counts(focus, filters, own=quality)
        among, allowed = period.strip(", "), None
        if said - of_names:  # "which animated film ...": the films whose reviews say it
            match = phrase_query(qualified)
            rows = self.index.catalog.matching_passage_labels(match, Filters())
            allowed = {film for _, _, film, _ in rows}
            among = f'whose reviews say "{qualified}"{period}'
        elif names:  # "which Pixar film ...": the films whose reviews write the name
            allowed = self.retriever.films_naming(plan.intent)
            among = f"whose reviews name {join(names)}{period}"
        if allowed is not None:
            counts = {film: split for film, split in counts.items() if film in allowed}
        if quality:  # "which film is the funniest?": by the share of its reviews saying it
            totals, _ = self._film_counts((), filters)
            if allowed is not None:
                totals = {film: split for film, split in totals.items() if film in allowed}
            return rank_by_quality(counts, totals, stance, among, thing, focus)
        return rank_films(counts, stance, among, thing, focus)

    def _film_counts(
        self, focus: tuple[str, ...], filters: Filters, own: bool = False
    ) -> tuple[dict[str, tuple[int, int, int]], str]:
        """film -> (reviews, positive, negative) of the films a ranking ranks (by the reviews
        that speak of the thing `focus`, when it asks about one), and the period they are of
        in words ("" for all). A period asked ("the best film of 2012", "of the 2010s") is
        the films': a film whose title carries its year is ranked when released then, by all
        its reviews (not those of Finding Nemo (2003) dated 2012, for its 3D release); a film
        without one by its reviews dated then. `own`: see `ThingMatcher.film_counts`."""

        def counts_in(scope: Filters) -> dict[str, tuple[int, int, int]]:
            if focus:
                return self.retriever.meaning.film_counts(list(focus), scope, own=own)
            return self.index.catalog.film_counts(scope_filters(scope))

        since, until = filters.since, filters.until
        if not (since or until):
            return counts_in(filters), ""
        dated = counts_in(filters)
        every = counts_in(replace(filters, since=None, until=None))
        reviewed = narrowed(Filters(since=since, until=until)).replace(" dated", ", reviewed", 1)
        if not any(split_year(film)[1] for film in every):  # no title carries its year
            return dated, reviewed
        first, last = (since or "0000")[:4], (until or "9999")[:4]
        released = {
            film: split
            for film, split in every.items()
            if first <= (split_year(film)[1] or "") <= last
        }
        undated = {film: split for film, split in dated.items() if not split_year(film)[1]}
        period = ", " + released_in(first, last)
        return released | undated, period + (" (or reviewed then)" if undated else "")

    def agreement(self, question: str, plan: Plan) -> Agreement | None:
        """For "which critics agreed (disagreed) with Ebert on Fargo?": the critic's label on
        the film and the other critics on that side (the other). None for other questions,
        and when the critic has no labelled review of the film."""
        agree = agreement_asked(question)
        filters = plan.filters
        if agree is None or plan.intent.who is None:
            return None
        if len(filters.critics) != 1 or len(filters.films) != 1:
            return None
        (critic,), (film,) = filters.critics, filters.films
        own = scope_facts(self.index, replace(scope_filters(filters), sentiment=None))
        label = label_of_one(own)
        if own.reviews != 1 or not label:
            return None
        of_film = replace(scope_filters(filters), critics=())
        whole = scope_facts(self.index, of_film)
        side = side_asked(label, agree)
        names = [c for c in stance_critics(self.index, of_film, side) if c != critic]
        others = whole.positive + whole.negative - 1
        return Agreement(critic, film, label, agree, others, names)

    def over_time(self, question: str, plan: Plan) -> OverTime | None:
        """For "how did the reception of Titanic change over time?" and "did critics like
        Titanic more in 2012 than in 1997?": the scope's reviews counted by year (the two
        years' counts side by side). None for other questions, and for one about a thing
        ("has the music's reception changed?": no count by year says that)."""
        asked = over_time_asked(question)
        if asked is None:
            return None
        if set(plan.intent.terms) - OVER_TIME_WORDS - set(name_words(plan.intent)):
            return None
        scope_only = scope_filters(plan.filters)
        if asked.years is not None:  # both years, whatever the question's first date
            scope_only = replace(scope_only, since=None, until=None)
        scope = describe_scope(scope_only) or WHOLE_INDEX
        return OverTime(scope, self.index.catalog.year_counts(scope_only), asked)

    def people_ranking(self, question: str, plan: Plan) -> PeopleRanking | None:
        """For "which critic is the harshest?", "which outlet has the most reviews?" over the
        reviews in scope (the index's, or those dates or top critics leave): the critics or
        outlets ranked from the catalog. None for other questions, and for one naming a film,
        critic or outlet ("which outlet was harshest on Titanic?" is who disliked Titanic).
        A name ("the harshest critic of Pixar films") ranks them over the films whose reviews
        name it, as a ranking of films does."""
        asked = people_ranking_asked(question)
        filters = plan.filters
        if asked is None or filters.films or filters.critics or filters.outlets:
            return None
        frame = people_ranking_words(question) | RANKING_WORDS | set(name_words(plan.intent))
        if set(plan.intent.terms) - frame:
            return None  # "which critic is the toughest on comedies?": no count ranks that
        scope, among = scope_filters(filters), narrowed(filters)
        names = named(plan.intent)
        if names:  # "which critic is the harshest on Pixar?"
            films = self.retriever.films_naming(plan.intent)
            if not films:
                return None
            scope = replace(scope, films=tuple(sorted(films)))
            among += f" of the films whose reviews name {join(names)}"
        column: NameColumn = "critic" if asked.who == "critics" else "publication"
        counts = self.index.catalog.counts_by(column, scope)
        return rank_people(counts, asked, among, scope.films)

    def shared(self, plan: Plan) -> Shared | None:
        """For "which critics liked both X and Y?": the critics who reviewed every film named
        and those of them on the side asked for each; for "which (how many) critics reviewed
        both X and Y?", those who reviewed every one. None for other questions."""
        films, stance = plan.filters.films, plan.filters.sentiment
        if len(films) < 2 or not both_asked(plan.question):
            return None
        if stance is None and plan.intent.who != "critics" and not critics_counted(plan.question):
            return None
        critics = set(self.retriever.names.critics)  # a review with no critic has no "who"
        writers, sided = [], []
        for film in films:
            scope = replace(scope_filters(plan.filters), films=(film,))
            writers.append([w for w in self.index.catalog.writers(scope) if w in critics])
            on_side = replace(scope, sentiment=stance)
            sided.append(self.index.catalog.writers(on_side) if stance else writers[-1])
        return shared_side(films, stance, writers, sided)

    def scope(self, plan: Plan) -> tuple[str | None, ScopeFacts | None, Asked | None]:
        """The reviews an answer's counts are of, in words, and their counts: the film(s),
        critic(s), outlet(s) asked about; for a question about a thing or a name and nothing
        else ("how many reviews mention Kubrick?"), the whole index, with the thing as counted
        there (so that it is counted once); else none."""
        scope = describe_scope(plan.filters)
        if scope is not None:
            return scope, scope_facts(self.index, plan.filters), None
        if plan.kind != "aspect" or scope_filters(plan.filters) != Filters():
            return None, None, None
        asked = self.things.asked(plan)
        if asked is None:
            return None, None, None
        return WHOLE_INDEX, scope_facts(self.index, plan.filters), asked

    def finding(
        self,
        plan: Plan,
        facts: ScopeFacts | None,
        scope: str | None,
        sources: list[Source],
        with_names: bool = True,
    ) -> str:
        """The lead with the scope's counts, for questions about reception (who liked it, how
        many, an overview) and about what a critic wrote; "" for the others (the engine writes
        their lead)."""
        if facts is None or scope is None:
            return ""
        if plan.kind not in ("stance", "overview", "critic") and not plan.intent.count:
            return ""
        stance = plan.filters.sentiment
        if plan.kind == "critic" and len(plan.filters.critics) > 1 and not stance:
            of = describe_scope(replace(plan.filters, critics=())) or "reviews"
            return critics_lead(  # "did Ebert and Siskel agree on Fargo?": each apart
                [
                    (critic, scope_facts(self.index, replace(plan.filters, critics=(critic,))))
                    for critic in plan.filters.critics
                ],
                of.removeprefix("reviews").strip(),
            )
        names: list[str] = []
        names_are = ""
        if stance and with_names and plan.intent.who == "outlets":  # "which outlets panned X?"
            names_are = "outlets"
            names = self.index.catalog.outlets_of(
                replace(scope_filters(plan.filters), sentiment=stance)
            )
        elif stance and with_names:
            names = stance_critics(self.index, plan.filters, stance)
        if stance and with_names and plan.filters.critics and plan.intent.films_asked:
            return lead(  # "which films did Ebert dislike?": the films, not the critic
                Finding(
                    scope,
                    facts,
                    stance,
                    plan.intent.count,
                    reviews_by_stance(sources),
                    list(self.index.catalog.film_counts(plan.filters)),
                    "films",
                )
            )
        who = plan.intent.who if not stance and with_names and plan.kind == "overview" else None
        if who:  # "which critics (outlets) reviewed X?"
            catalog, scope_only = self.index.catalog, scope_filters(plan.filters)
            names = (
                catalog.outlets_of(scope_only) if who == "outlets" else catalog.writers(scope_only)
            )
        shown = reviews_by_stance(sources)
        one_film = len(plan.filters.films) == 1
        return lead(
            Finding(
                scope, facts, stance, plan.intent.count, shown, names, who or names_are, one_film
            )
        )
