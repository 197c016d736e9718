"""The assistant: question in, verified answer out. Every face (CLI, HTTP, Gradio, widget)
calls `Assistant.stream` or `Assistant.ask`; nothing here knows about faces."""

from __future__ import annotations

import os
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from assistant.catalog_forms import CatalogForms
from assistant.chat import ChatSession, compares
from assistant.citations import renumber, verify
from assistant.comparison import compared_lead, comparison_asked
from assistant.engines.base import AnswerRequest, Engine, Turn
from assistant.engines.extractive import grouped, reviews_by_stance
from assistant.film_refs import check_scope
from assistant.findings import (
    Finding,
    dated_lead,
    describe_scope,
    join,
    unlabelled_lead,
)
from assistant.followups import opens_follow_up, thing_followed
from assistant.health import Health, StoreHealth
from assistant.holdings import holdings_lead, index_asked
from assistant.intent import quotes_asked
from assistant.passages import focused
from assistant.questions import example_questions
from assistant.rankings import ranking_asked
from assistant.result import Coverage, Result, ResultKind, Source
from assistant.retrieval import Hit, Plan, Retriever, name_words
from assistant.sampling import balanced_hits
from assistant.scope import ScopeFacts, scope_facts, scope_filters
from assistant.thing_answers import ThingAnswers
from index.errors import EngineError, UnknownNameError
from index.filters import Filters
from index.lock import holder
from index.settings import Settings
from index.stats import Counts, Holdings, count_entries, holdings
from index.store import Index, open_index

if TYPE_CHECKING:
    from index.embedders.base import Embedder
    from index.ingest import IngestReport
    from index.repair import CheckReport

WARM_UP_QUESTION = "What do critics say about the acting?"

EngineName = Literal["auto", "ollama", "extractive"]


@dataclass(frozen=True, slots=True)
class Event:
    """A streamed piece of an answer ("token") or the final, verified result ("result")."""

    kind: Literal["token", "result"]
    text: str = ""
    result: Result | None = None


class Assistant:
    """Answers questions over one index; build it once, ask many times (thread-safe reads)."""

    def __init__(self, settings: Settings, index: Index | None = None) -> None:
        self.settings = settings
        self.index = index or open_index(settings, readonly=True)
        self.retriever = Retriever(self.index)
        self.things = ThingAnswers(self.retriever)
        self.forms = CatalogForms(self.index, self.retriever, self.things)
        self._counts: tuple[int, Counts] | None = None
        self._holdings: tuple[int, Holdings] | None = None
        self._check: tuple[int, CheckReport] | None = None

    def close(self) -> None:
        if "ollama" in self.__dict__:  # built (cached_property) by a question
            self.ollama.close()
        self.index.close()

    def ingest(
        self,
        paths: Sequence[Path],
        *,
        film: str | None = None,
        max_decompressed_bytes: int | None = None,
        limit_name: str | None = None,
        source_names: Mapping[Path, str] | None = None,
    ) -> IngestReport:
        """Ingest review files into this index (one writer at a time: `index.lock`), then
        refresh what answers depend on (the names of films, critics and outlets)."""
        from index.ingest import ingest

        try:
            return ingest(
                list(paths),
                self.settings,
                film=film,
                max_decompressed_bytes=max_decompressed_bytes,
                limit_name=limit_name,
                source_names=source_names,
            )
        finally:
            self.retriever.refresh()

    def warm_up(self) -> None:
        """Load what the first question would otherwise pay for: the embedding model, the
        names of films, critics and outlets, Chroma's vector index and the lexical index'
        pages, and the health counts."""
        self.counts()
        self.ask(WARM_UP_QUESTION, engine="extractive")

    def counts(self) -> Counts:
        """Reviews, chunks and vectors, recounted only after an ingest (any process)."""
        version = self.index.catalog.data_version()
        if self._counts is None or self._counts[0] != version:
            self._counts = (version, count_entries(self.index))
        return self._counts[1]

    def check(self) -> CheckReport:
        """The quick check of the index (the one ingest and serve run when they open it),
        run again only after a write (any process): what /healthz reports."""
        from index.repair import check_index

        version = self.index.catalog.data_version()
        if self._check is None or self._check[0] != version:
            self._check = (version, check_index(self.index, quick=True))
        return self._check[1]

    def health(self) -> Health:
        """Whether the store answers and agrees with itself, and which engine "auto" picks:
        what /healthz reports (a store failure is reported, not raised)."""
        started = time.perf_counter()
        try:
            self.index.vectors.heartbeat()
            counts = self.counts()
            failure = self.index.vectors.read_failure
            store = StoreHealth(
                reachable=True,
                reviews=counts.reviews,
                chunks=counts.chunks,
                vectors=counts.vectors,
                films=len(self.films()),
                read_failure=failure,
                check=self.check(),
                writer=holder(self.settings),
            )
            built_with = self.index.catalog.get_meta("embedding_model")
        except Exception as exc:
            store, built_with = StoreHealth(reachable=False, error=str(exc)), None
        engine, reason = self.engine("auto")
        return Health(
            store=store,
            embedding_model=built_with or self.settings.embedding_model,
            engine=self.settings.engine,
            auto_engine=engine.name,
            engine_reason=reason,
            worker=os.getpid(),
            seconds=time.perf_counter() - started,
        )

    # -- engines --------------------------------------------------------------------------
    @cached_property
    def extractive(self) -> Engine:
        from assistant.engines.extractive import ExtractiveEngine

        return ExtractiveEngine()

    @cached_property
    def sentence_embedder(self) -> Embedder:
        """The index's embedder, remembering the sentences it embedded: a film's long reviews
        are read sentence by sentence for every question asked of it (`passages.focused`)."""
        from index.embedders.cached import CachedEmbedder

        return CachedEmbedder(self.index.embedder)

    @cached_property
    def ollama(self) -> Engine:
        from assistant.engines.ollama import OllamaEngine

        return OllamaEngine(self.settings)

    def engine(self, name: str | None = None) -> tuple[Engine, str]:
        """The engine to answer with, and why it was chosen."""
        choice = name or self.settings.engine
        if choice == "extractive":
            return self.extractive, "extractive engine requested"
        if choice == "ollama":
            problem = self.ollama.check()
            if problem:
                raise EngineError(problem)
            return self.ollama, f"Ollama model {self.settings.ollama_model} requested"
        if choice != "auto":
            raise EngineError(f"unknown engine {choice!r}: use auto, ollama or extractive")
        problem = self.ollama.check()
        if problem is None:
            return self.ollama, f"Ollama model {self.settings.ollama_model} is available"
        return self.extractive, f"answered without an LLM: {problem}"

    # -- filters --------------------------------------------------------------------------
    def check_filters(self, filters: Filters) -> None:
        """Raise UnknownNameError when a filter names a film/critic/outlet the index lacks."""
        names = self.retriever.names
        for film in filters.films:
            if not names.film_variants(film):
                raise UnknownNameError(f"no film {film!r} in the index: see 'reviewqa stats'")
        for critic in filters.critics:
            if not names.critic_variants(critic):
                raise UnknownNameError(f"no critic {critic!r} in the index")
        for outlet in filters.outlets:
            if not names.outlet_variants(outlet):
                raise UnknownNameError(f"no outlet {outlet!r} in the index")

    def films(self) -> list[str]:
        return self.retriever.names.films

    def critics(self) -> list[str]:
        """The critics the index knows, sorted (a face's critic list)."""
        return self.retriever.names.critics

    def outlets(self) -> list[str]:
        """The outlets the index knows, sorted (a face's outlet list)."""
        return self.retriever.names.outlets

    def examples(self) -> list[str]:
        """Questions the index can answer, for a face to offer (empty when it holds nothing)."""
        return example_questions(self.index)

    def review_texts(self, review_ids: Collection[str]) -> dict[str, str]:
        """The whole text of these reviews, by id (a face highlights the cited spans)."""
        return self.index.catalog.review_texts(review_ids)

    def holdings(self) -> Holdings:
        """What the index holds (films, reviews, critics, date range), recounted after an
        ingest (any process)."""
        version = self.index.catalog.data_version()
        if self._holdings is None or self._holdings[0] != version:
            self._holdings = (version, holdings(self.index))
        return self._holdings[1]

    # -- answering ------------------------------------------------------------------------
    def plan(
        self,
        question: str,
        filters: Filters | None = None,
        k: int | None = None,
        session: ChatSession | None = None,
        engine: Engine | None = None,
    ) -> Plan:
        """Resolve a question (and a chat's context) into what retrieval runs."""
        k = quotes_asked(question) or k or self.settings.top_k  # "give me three quotes"
        standalone = question
        if session and session.turns and engine is not None:
            standalone = engine.condense(session.turns, question)
        plan = self.retriever.plan(standalone, filters, k)
        follows = opens_follow_up(question) or compares(question)
        if session and session.turns and standalone == question and follows:
            before, focus = self._last_thing(session.turns, filters, k)
            followed = thing_followed(question, plan, before, focus, session.filters.films)
            if followed is not None:  # "and in The Big Lebowski?" after "the acting in Fargo"
                standalone = followed
                plan = self.retriever.plan(standalone, filters, k)
        if session is not None:
            carried = session.carried(session.together(plan.filters, standalone))
            if ranking_asked(standalone):  # "which film ... least?" asks across the films
                carried = replace(carried, films=plan.filters.films)
            plan = replace(plan, filters=carried)
        return plan

    def _last_thing(
        self, turns: Sequence[Turn], filters: Filters | None, k: int
    ) -> tuple[str, list[str]]:
        """The chat's last question about a thing and the thing's words, through the
        follow-ups after it ("the acting in Fargo?", "and in Ronin?", "what about Heat?");
        ("", []) when the chat moved on."""
        for turn in reversed(turns):
            focus = self.retriever.meaning.focus(self.retriever.plan(turn.question, filters, k))
            if focus:
                return turn.question, focus
            if not (opens_follow_up(turn.question) or compares(turn.question)):
                break
        return "", []

    def session_from(self, history: Sequence[Turn]) -> ChatSession:
        """A throwaway chat session holding a client's `history` (oldest first), with the
        filters its questions leave for a follow-up: any process can answer it."""
        session = ChatSession(turns=list(history))
        for turn in history:
            session.follow(session.carried(self.retriever.plan(turn.question).filters))
        return session

    def stream(
        self,
        question: str,
        *,
        filters: Filters | None = None,
        k: int | None = None,
        engine: str | None = None,
        session: ChatSession | None = None,
        request_id: str | None = None,
    ) -> Iterator[Event]:
        """Token events as the answer is written, then one result event."""
        started = time.perf_counter()
        if filters:
            self.check_filters(filters)
        chosen, reason = self.engine(engine)
        planned = self.plan(question, filters, k, session, chosen)
        plan = self._implicit_film(planned)
        refusal = check_scope(question, plan, filters, self.retriever)
        unquoted = None
        if refusal is not None:
            unquoted = self._unquoted(
                question,
                plan,
                request_id,
                started,
                refusal.text,
                reason="no film in the index answers this question: nothing to quote",
                kind=refusal.kind,
                suggestions=refusal.suggestions,
            )
        elif index_asked(question) and describe_scope(planned.filters) is None:
            unquoted = self._unquoted(
                question,
                plan,
                request_id,
                started,
                holdings_lead(self.holdings(), self.index.catalog.film_counts()),
                reason="a question about what the index holds: answered from the catalog",
            )
        if unquoted is not None:
            yield Event("token", text=unquoted.answer)
            if session is not None:
                session.record(question, unquoted.answer, session.filters)
            yield Event("result", result=unquoted)
            return
        plan, ranking, shared = self.forms.reframed(question, plan)
        scope, facts, across_index = self.forms.scope(plan)
        # a ranking's quotes are of its first film, critic or outlet, not film by film
        comparing = ranking is None and (shared is None or shared.agreed)
        compared = self._compared(plan) if comparing else []
        dated = (
            plan.intent.order
            if facts is not None and not compared and not plan.intent.terms
            else None
        )
        if dated:  # "the latest reviews of X": by date, not by relevance
            most = 1 if plan.intent.one else plan.k
            hits = self.forms.dated_hits(replace(plan, k=most), oldest=dated == "oldest")
        elif compared:
            hits = [hit for part, counts in compared for hit in self._hits(part, counts)]
        elif facts is not None:
            hits = self._hits(plan, facts)
        else:
            hits = self.retriever.retrieve(plan)
        notice, asked = "", plan.filters.sentiment
        if not hits and asked:
            unlabelled = self.retriever.unlabelled_count(plan.filters)
            if unlabelled:
                notice = (
                    f"{unlabelled} matching reviews carry no positive/negative label, so who "
                    f"{'liked' if asked == 'positive' else 'disliked'} it "
                    "cannot be told from labels; these are the most relevant reviews."
                )
                plan = replace(plan, filters=replace(plan.filters, sentiment=None))
                hits = self.retriever.retrieve(plan)
        thing = across_index or (
            self.things.asked(plan) if not compared and facts is not None else None
        )
        if thing is not None and thing[1].reviews and not any(hit.lexical for hit in hits):
            # the reviews that speak of the thing are all of another stance than asked ("who
            # criticised the pacing?" where only positive reviews speak of it): quote what
            # they say of it, under their own label (the lead says none is of the stance
            # asked), and nothing that does not speak of it
            unsided = replace(plan, filters=replace(plan.filters, sentiment=None))
            hits = [hit for hit in self.retriever.retrieve(unsided) if hit.lexical]
        if thing is not None and thing[0].name and not thing[1].reviews and only_names(plan):
            hits = []  # no passage is "near in meaning" to a name none writes
        retrieved = time.perf_counter()
        # A scope with fewer reviews than the answer has room for: more of their sentences.
        room = 0 if compared else plan.k - len({h.chunk.review.id for h in hits})
        more = self.retriever.more_of(hits, question, room * 2) if room > 0 else []
        sources = focused(
            reading_order(hits, plan.filters.sentiment or plan.intent.stance),
            question,
            self.sentence_embedder,
            room,
            more,
        )
        if plan.kind == "aspect":
            sources = self.things.read(plan, sources)
        # the finding that leads the answer: the first form that applies
        if shared is not None:
            lead = shared.lead()
            if not shared.agreed:
                sources = []
        elif dated and facts is not None and scope is not None:
            lead = dated_lead(facts, scope, [s.review for s in sources], dated, asked)
        elif ranking is not None:
            lead = ranking.lead()
        elif compared:
            parts, sides, things = [], [], []
            for part, counts in compared:
                part_scope = describe_scope(part.filters) or ""
                of_part = [s for s in sources if s.review.film in part.filters.films]
                part_thing = self.things.asked(part)
                if part_thing is not None:
                    parts.append(
                        self.things.lead(part, counts, part_scope, part_thing, of_part, cite=False)
                    )
                    things.append(str(part_thing[0]))
                    sides.append((join(part.filters.films), part_thing[1]))
                else:
                    parts.append(
                        self.forms.finding(part, counts, part_scope, of_part, with_names=False)
                    )
                    sides.append((join(part.filters.films), counts))
            asks_which = comparison_asked(question) and plan.intent.who is None  # not "who"
            if asks_which and len(set(things)) <= 1:
                # "Did critics prefer Toy Story 2 or Toy Story 3?": which, first
                parts.insert(0, compared_lead(sides, things[0] if things else ""))
            lead = " ".join(part for part in parts if part)
        elif thing is not None and scope is not None and facts is not None:
            lead = self.things.lead(plan, facts, scope, thing, sources)
        else:
            lead = self.forms.finding(plan, facts, scope, sources)
        if notice and facts is not None and scope is not None and asked:
            shown = reviews_by_stance(sources)
            lead = unlabelled_lead(Finding(scope, facts, asked, False, shown), asked)
            notice = ""  # said in the lead
        films = list(plan.filters.films) or sorted({s.review.film for s in sources})
        coverage = Coverage(
            used=len({s.review.id for s in sources}), film_reviews=0, films=films[:3]
        )
        if films and len(films) <= 3:
            of_films = Filters(films=tuple(films))
            counted = facts is not None and scope_filters(plan.filters) == of_films
            whole = facts if facts is not None and counted else scope_facts(self.index, of_films)
            coverage = replace(
                coverage,
                film_reviews=whole.reviews,
                positive=whole.positive,
                negative=whole.negative,
            )
        request = AnswerRequest(
            question=question,
            sources=sources,
            coverage_line=f"{notice} {coverage.line()}".strip(),
            stance=plan.filters.sentiment,
            history=tuple(session.turns) if session else (),
            lead=lead,
            focus=self.things.words(plan),
            films=plan.filters.films,
        )
        pieces: list[str] = []
        try:
            for piece in self._written(chosen, request):
                pieces.append(piece)
                yield Event("token", text=piece)
        except EngineError as exc:
            if (engine or self.settings.engine) != "auto" or pieces:
                raise
            chosen, reason = self.extractive, f"answered without an LLM: {exc}"
            for piece in self._written(chosen, request):
                pieces.append(piece)
                yield Event("token", text=piece)
        generated = time.perf_counter()
        checked = renumber(verify("".join(pieces), sources, request.lead))
        used = len({c.review_id for c in checked.citations})
        coverage = replace(coverage, used=used)
        result = Result(
            id=request_id,
            question=question,
            answer=checked.answer,
            engine=chosen.name,
            engine_reason=reason,
            citations=checked.citations,
            coverage=coverage,
            problems=checked.problems,
            timings_ms={
                "retrieve": (retrieved - started) * 1000,
                "generate": (generated - retrieved) * 1000,
                "total": (time.perf_counter() - started) * 1000,
            },
            lead=lead_of(checked.answer, chosen is self.extractive),
            filters=display_filters(plan.filters),
        )
        if session is not None:
            session.record(question, result.answer, plan.filters)
        yield Event("result", result=result)

    def _written(self, engine: Engine, request: AnswerRequest) -> Iterator[str]:
        """The engine's answer; an LLM's follows the catalog's finding, stated as is."""
        if request.lead and engine is not self.extractive:
            yield request.lead + "\n\n"
        yield from engine.stream(request)

    def _implicit_film(self, plan: Plan) -> Plan:
        """In an index of one film, every question ("who disliked it?", "what about
        Phoenix?") is about that film."""
        films = self.retriever.names.films
        if plan.filters.films or len(films) != 1:
            return plan
        return replace(plan, filters=replace(plan.filters, films=(films[0],)))

    def _hits(self, plan: Plan, facts: ScopeFacts) -> list[Hit]:
        """Passages for a scope whose counts are known: an overview shows both sides."""
        if plan.kind == "overview":
            return balanced_hits(self.retriever, plan, facts)
        return self.retriever.retrieve(plan)

    def _compared(self, plan: Plan) -> list[tuple[Plan, ScopeFacts]]:
        """For a question about the reception of several films, or of a thing in several
        ("did critics prefer Toy Story 2 or Toy Story 3?", "the music in Coco or Soul"): each
        film's own plan and counts, citations shared out."""
        films = plan.filters.films
        if len(films) < 2 or (
            plan.kind not in ("stance", "overview", "aspect") and not plan.intent.count
        ):
            return []
        share = max(1, plan.k // len(films))
        parts = []
        for film in films:
            part = replace(plan, filters=replace(plan.filters, films=(film,)), k=share)
            parts.append((part, scope_facts(self.index, part.filters)))
        return parts

    def _unquoted(
        self,
        question: str,
        plan: Plan,
        request_id: str | None,
        started: float,
        text: str,
        *,
        reason: str,
        kind: ResultKind = "answer",
        suggestions: Sequence[str] = (),
    ) -> Result:
        """An answer that quotes no review: a refusal, or what the index holds."""
        return Result(
            id=request_id,
            question=question,
            answer=text,
            engine=self.extractive.name,
            engine_reason=reason,
            citations=[],
            coverage=Coverage(used=0, film_reviews=0),
            timings_ms={"total": (time.perf_counter() - started) * 1000},
            lead=text,
            kind=kind,
            suggestions=list(suggestions),
            filters=display_filters(plan.filters),
        )

    def ask(self, question: str, **options: object) -> Result:
        """The whole result at once (see `stream` for the options)."""
        for event in self.stream(question, **options):  # type: ignore[arg-type]
            if event.result is not None:
                return event.result
        raise AssertionError("stream ended without a result")  # pragma: no cover


def only_names(plan: Plan) -> bool:
    """Does the question ask about its names and nothing else ("what about Tom Hanks in
    Fargo?", not "who wrote the scene between Jeff and Barbra?")?"""
    return set(plan.intent.terms) <= set(name_words(plan.intent))


def reading_order(hits: Sequence[Hit], stance: str | None) -> list[Source]:
    """Sources numbered in the order an answer quotes them: grouped by stance (the stance
    asked first), best first within a group."""
    passages = [
        Source(0, h.chunk.review, h.chunk.text, h.chunk.start, h.chunk.end, h.score) for h in hits
    ]
    return grouped(passages, stance)


def lead_of(answer: str, extractive: bool) -> str:
    """The part of an answer a face shows above the citation cards: the extractive engine's
    first paragraph (its quotes are the cards), or an LLM's whole answer."""
    return answer.split("\n\n", 1)[0].strip() if extractive else answer.strip()


def display_filters(filters: Filters) -> dict[str, str]:
    """The filters that applied, as words for a face to show."""
    shown = {
        "film": join(filters.films),
        "critic": join(filters.critics),
        "outlet": join(filters.outlets),
        "sentiment": filters.sentiment or "",
        "since": filters.since or "",
        "until": filters.until or "",
        "top_critics": "yes" if filters.top_critics else "",
    }
    return {key: value for key, value in shown.items() if value}
