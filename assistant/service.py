"""The assistant: question in, verified answer out. Every face (CLI, HTTP, Gradio, widget)
calls `Assistant.stream` or `Assistant.ask`; nothing here knows about faces."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from assistant.chat import ChatSession
from assistant.citations import verify
from assistant.engines.base import AnswerRequest, Engine
from assistant.filters import Filters
from assistant.result import Coverage, Result, Source
from assistant.retrieval import Plan, Retriever
from index.errors import EngineError, UnknownNameError
from index.settings import Settings
from index.stats import Counts, Holdings, count_entries, holdings
from index.store import Index, open_index

if TYPE_CHECKING:
    from index.ingest import IngestReport

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
        self._counts: tuple[int, Counts] | None = None
        self._holdings: tuple[int, Holdings] | None = None

    def close(self) -> None:
        self.index.close()

    def ingest(
        self,
        paths: Sequence[Path],
        *,
        film: str | None = None,
        max_decompressed_bytes: int | None = None,
        limit_name: str | None = None,
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

    # -- engines --------------------------------------------------------------------------
    @cached_property
    def extractive(self) -> Engine:
        from assistant.engines.extractive import ExtractiveEngine

        return ExtractiveEngine()

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
        k = k or self.settings.top_k
        standalone = question
        if session and session.turns and engine is not None:
            standalone = engine.condense(session.turns, question)
        plan = self.retriever.plan(standalone, filters, k)
        if session and session.turns:
            carried = plan.filters.merged_over(replace(session.filters, sentiment=None, critics=()))
            plan = replace(plan, filters=carried)
        return plan

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
        plan = self.plan(question, filters, k, session, chosen)
        hits = self.retriever.retrieve(plan)
        notice = ""
        if not hits and plan.filters.sentiment:
            unlabelled = self.retriever.unlabelled_count(plan.filters)
            if unlabelled:
                notice = (
                    f"{unlabelled} matching reviews carry no positive/negative label, so who "
                    f"{'liked' if plan.filters.sentiment == 'positive' else 'disliked'} it "
                    "cannot be told from labels; these are the most relevant reviews."
                )
                plan = replace(plan, filters=replace(plan.filters, sentiment=None))
                hits = self.retriever.retrieve(plan)
        retrieved = time.perf_counter()
        sources = [
            Source(i + 1, h.chunk.review, h.chunk.text, h.chunk.start, h.chunk.end, h.score)
            for i, h in enumerate(hits)
        ]
        films = list(plan.filters.films) or sorted({s.review.film for s in sources})
        film_reviews = self.retriever.film_review_count(films) if len(films) <= 3 else 0
        coverage = Coverage(used=len(sources), film_reviews=film_reviews, films=films[:3])
        request = AnswerRequest(
            question=question,
            sources=sources,
            coverage_line=f"{notice} {coverage.line()}".strip(),
            stance=plan.filters.sentiment,
            history=tuple(session.turns) if session else (),
        )
        pieces: list[str] = []
        try:
            for piece in chosen.stream(request):
                pieces.append(piece)
                yield Event("token", text=piece)
        except EngineError as exc:
            if (engine or self.settings.engine) != "auto" or pieces:
                raise
            chosen, reason = self.extractive, f"answered without an LLM: {exc}"
            for piece in chosen.stream(request):
                pieces.append(piece)
                yield Event("token", text=piece)
        generated = time.perf_counter()
        checked = verify("".join(pieces), sources)
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
        )
        if session is not None:
            session.record(question, result.answer, plan.filters)
        yield Event("result", result=result)

    def ask(self, question: str, **options: object) -> Result:
        """The whole result at once (see `stream` for the options)."""
        for event in self.stream(question, **options):  # type: ignore[arg-type]
            if event.result is not None:
                return event.result
        raise AssertionError("stream ended without a result")  # pragma: no cover
