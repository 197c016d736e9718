"""The HTTP API: ask (whole or streamed as Server-Sent Events), films, stats, health, and an
OpenAI-compatible /v1/chat/completions. Every route calls the same `Assistant`; its sync work
runs in the threadpool so the event loop stays free.

A follow-up carries its context in one of two ways: `history` (the turns the client shows, so
any server process can answer it) or `session_id` (a session this process keeps, so behind a
load balancer every turn must reach the same process).

Errors are JSON `{"error": "..."}` with a 4xx/5xx status (`ui.app.install_error_handlers`).
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from starlette.concurrency import run_in_threadpool

from assistant.chat import MAX_TURNS, ChatSession, SessionStore
from assistant.engines.base import Turn
from assistant.filters import Filters
from assistant.result import Result
from assistant.service import Assistant, Event
from index.errors import (
    EngineError,
    ModelError,
    ReviewQAError,
    StoreError,
    UnknownNameError,
)
from index.lock import holder
from index.stats import collect_stats
from ui.server_settings import ServerSettings

log = logging.getLogger("reviewqa.api")

DATE = r"^\d{4}-\d{2}-\d{2}$"
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
ENGINES = ("auto", "ollama", "extractive")
STATUS = {UnknownNameError: 404, EngineError: 503, StoreError: 503, ModelError: 503}
MAX_HISTORY_ANSWER_CHARS = 4000  # longest answer a `history` turn may carry: clients cut longer


class ApiError(Exception):
    """A request the API refuses, with the status and the message to send."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class FilterFields(BaseModel):
    """Which reviews an answer may draw on (all optional)."""

    model_config = ConfigDict(extra="forbid")

    film: str | None = Field(None, max_length=300, description="Film title, e.g. 'Her (2013)'.")
    critic: str | None = Field(None, max_length=200, description="Only this critic's reviews.")
    outlet: str | None = Field(None, max_length=200, description="Only this outlet's reviews.")
    sentiment: Literal["positive", "negative"] | None = Field(
        None, description="Only positive or only negative reviews."
    )
    since: str | None = Field(None, pattern=DATE, description="Reviews on/after YYYY-MM-DD.")
    until: str | None = Field(None, pattern=DATE, description="Reviews on/before YYYY-MM-DD.")
    top_critics: bool = Field(False, description="Only top critics' reviews.")
    k: int | None = Field(None, ge=1, le=50, description="Most citations (default: top_k).")
    engine: Literal["auto", "ollama", "extractive"] | None = Field(
        None, description="Answer engine (default: the server's)."
    )

    @field_validator("since", "until")
    @classmethod
    def _real_date(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"{value!r} is not a date: write YYYY-MM-DD") from None
        return value

    @model_validator(mode="after")
    def _since_before_until(self) -> FilterFields:
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"since {self.since} is after until {self.until}: swap them")
        return self

    def filters(self) -> Filters:
        def one(value: str | None) -> tuple[str, ...]:
            return (value.strip(),) if value and value.strip() else ()

        return Filters(
            films=one(self.film),
            critics=one(self.critic),
            outlets=one(self.outlet),
            sentiment=self.sentiment,
            since=self.since,
            until=self.until,
            top_critics=self.top_critics,
        )


class HistoryTurn(BaseModel):
    """One earlier exchange of the chat, as the client showed it."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(description="The earlier question.")
    answer: str = Field(
        max_length=MAX_HISTORY_ANSWER_CHARS,
        description=f"The answer it got (at most {MAX_HISTORY_ANSWER_CHARS} characters).",
    )


class AskRequest(FilterFields):
    question: str = Field(description="The question, e.g. 'What do critics say about Her?'")
    history: list[HistoryTurn] | None = Field(
        None,
        max_length=MAX_TURNS,
        description=(
            "The chat so far, oldest first (at most the last "
            f"{MAX_TURNS} turns): any server can answer a follow-up, none keeps a session."
        ),
    )
    session_id: str | None = Field(
        None,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description=(
            "Continue a chat this server process keeps (every turn must reach that process, "
            "which a load balancer or `--workers N` does not ensure: send `history` instead)."
        ),
    )
    id: str | None = Field(None, max_length=100, description="Request id echoed in the result.")


def status_of(exc: BaseException) -> int:
    """404 unknown name, 503 a backend is down, 500 the rest (ConfigError included)."""
    for kind, status in STATUS.items():
        if isinstance(exc, kind):
            return status
    return 500


def error_text(exc: BaseException) -> str:
    if isinstance(exc, ReviewQAError):
        return str(exc)
    log.error("error while streaming", exc_info=exc)
    return "internal server error: see the server log"


# -- helpers ------------------------------------------------------------------------------
def sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _next(events: Iterator[Event]) -> Event | None:
    return next(events, None)


def _close(events: Iterator[Event]) -> None:
    close = getattr(events, "close", None)
    if close is not None:
        close()


def check_question(question: str, cap: int) -> str:
    question = question.strip()
    if not question:
        raise ApiError(422, "question is empty: ask something, e.g. 'What do critics say?'")
    if len(question) > cap:
        raise ApiError(
            422,
            f"question is {len(question)} characters; the limit is {cap} "
            "(REVIEWQA_MAX_QUESTION_CHARS)",
        )
    return question


def history_turns(history: list[HistoryTurn], cap: int) -> list[Turn]:
    """The turns of a request's `history`; each question obeys the limit a question does."""
    turns = []
    for i, turn in enumerate(history):
        question = turn.question.strip()
        if not question:
            raise ApiError(422, f"history.{i}.question is empty: send the question asked")
        if len(question) > cap:
            raise ApiError(
                422,
                f"history.{i}.question is {len(question)} characters; the limit is {cap} "
                "(REVIEWQA_MAX_QUESTION_CHARS)",
            )
        turns.append(Turn(question, turn.answer))
    return turns


def session_from_history(assistant: Assistant, turns: list[Turn]) -> ChatSession:
    """A throwaway chat session holding `turns`, with the filters they would have left."""
    session = ChatSession(turns=list(turns))
    for turn in turns:
        planned = assistant.retriever.plan(turn.question).filters
        session.filters = planned.merged_over(replace(session.filters, sentiment=None, critics=()))
    return session


# -- OpenAI compatibility -----------------------------------------------------------------
class ChatMessage(BaseModel):
    """An OpenAI chat message; content is text or a list of parts ({"type": "text", ...})."""

    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        parts = self.content or []
        return "".join(str(p.get("text", "")) for p in parts if p.get("type") == "text")


class ChatRequest(FilterFields):
    """OpenAI's chat request (other OpenAI fields are accepted and ignored) plus our filters."""

    model_config = ConfigDict(extra="ignore")

    model: str | None = Field(None, description="Any name; 'auto'/'ollama'/'extractive' pick it.")
    messages: list[ChatMessage] = Field(min_length=1, description="The last user one is asked.")
    stream: bool = Field(False, description="Stream chat.completion.chunk events (SSE).")


def split_messages(messages: list[ChatMessage]) -> tuple[str, list[Turn]]:
    """The last user message, and the (question, answer) turns before it."""
    users = [i for i, m in enumerate(messages) if m.role == "user"]
    if not users:
        raise ApiError(422, "messages: no user message (the last user message is the question)")
    turns: list[Turn] = []
    pending: str | None = None
    for message in messages[: users[-1]]:
        if message.role == "user":
            pending = message.text()
        elif message.role == "assistant" and pending is not None:
            turns.append(Turn(pending, message.text()))
            pending = None
    return messages[users[-1]].text(), turns[-MAX_TURNS:]


def _chunk(cid: str, model: str, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def chat_completion(result: Result, model: str) -> dict[str, Any]:
    """A `chat.completion` object, with `citations` and the full `reviewqa` result."""
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": result.answer},
                "finish_reason": "stop",
            }
        ],
        "citations": [c.to_json() for c in result.citations],
        "reviewqa": result.to_json(),
    }


async def chat_stream(
    events: AsyncIterator[Event], model: str, on_close: Callable[[], None]
) -> AsyncIterator[str]:
    """`chat.completion.chunk` SSE: role, content pieces, a final chunk with the citations."""
    cid = f"chatcmpl-{uuid.uuid4().hex}"

    def data(obj: dict[str, Any]) -> str:
        return f"data: {json.dumps(obj, ensure_ascii=False)}\n\n"

    try:
        yield data(_chunk(cid, model, {"role": "assistant", "content": ""}, None))
        async for event in events:
            if event.result is None:
                yield data(_chunk(cid, model, {"content": event.text}, None))
                continue
            final = _chunk(cid, model, {}, "stop")
            final["citations"] = [c.to_json() for c in event.result.citations]
            final["reviewqa"] = event.result.to_json()
            yield data(final)
    except Exception as exc:
        yield data({"error": error_text(exc)})
    finally:
        on_close()
    yield "data: [DONE]\n\n"


# -- routes -------------------------------------------------------------------------------
def build_router(
    assistant: Assistant, sessions: SessionStore, settings: ServerSettings
) -> APIRouter:
    """The API routes over one assistant and one session store."""
    router = APIRouter()
    cap = settings.max_question_chars

    def session_for(body: AskRequest) -> tuple[ChatSession, str | None]:
        """The chat context, and the id of the session kept for it (None: none is kept)."""
        if body.history is None:
            session = sessions.get(body.session_id)
            return session, session.id
        if body.session_id is not None:
            raise ApiError(
                422,
                "history and session_id: send one; history lets any server answer, "
                "session_id needs the server process that kept the session",
            )
        return session_from_history(assistant, history_turns(body.history, cap)), None

    def start(body: AskRequest) -> tuple[Iterator[Event], str | None, str]:
        question = check_question(body.question, cap)
        session, session_id = session_for(body)
        request_id = body.id or uuid.uuid4().hex
        events = assistant.stream(
            question,
            filters=body.filters(),
            k=body.k,
            engine=body.engine,
            session=session,
            request_id=request_id,
        )
        return events, session_id, request_id

    @router.post("/api/ask", tags=["ask"], summary="Answer a question (whole result)")
    def ask(body: AskRequest) -> dict[str, Any]:
        events, session_id, _ = start(body)
        for event in events:
            if event.result is not None:
                return {**event.result.to_json(), "session_id": session_id}
        raise ApiError(500, "the assistant ended without a result")

    @router.post(
        "/api/ask/stream",
        tags=["ask"],
        summary="Answer a question as Server-Sent Events",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    async def ask_stream(body: AskRequest) -> StreamingResponse:
        events, session_id, request_id = await run_in_threadpool(start, body)
        # The first event comes before the response starts, so early errors (unknown film,
        # engine down) get a real status code instead of an error event.
        first = await run_in_threadpool(_next, events)

        async def frames() -> AsyncIterator[str]:
            event = first
            try:
                while event is not None:
                    if event.result is not None:
                        yield sse("result", {**event.result.to_json(), "session_id": session_id})
                    else:
                        yield sse("token", {"text": event.text})
                    event = await run_in_threadpool(_next, events)
            except Exception as exc:
                yield sse("error", {"error": error_text(exc)})
            finally:
                _close(events)

        headers = {**SSE_HEADERS, "X-Request-ID": request_id}
        return StreamingResponse(frames(), media_type="text/event-stream", headers=headers)

    @router.post(
        "/v1/chat/completions",
        tags=["openai"],
        summary="OpenAI-compatible chat completion (citations in `citations`)",
        response_model=None,
    )
    async def chat_completions(body: ChatRequest) -> StreamingResponse | dict[str, Any]:
        question, turns = split_messages(body.messages)
        question = check_question(question, cap)
        session = await run_in_threadpool(session_from_history, assistant, turns)
        model = body.model or "reviewqa"
        engine = body.engine or (model if model in ENGINES else None)
        events = await run_in_threadpool(
            lambda: assistant.stream(
                question,
                filters=body.filters(),
                k=body.k,
                engine=engine,
                session=session,
                request_id=uuid.uuid4().hex,
            )
        )
        first = await run_in_threadpool(_next, events)
        if not body.stream:
            event = first
            while event is not None and event.result is None:
                event = await run_in_threadpool(_next, events)
            if event is None or event.result is None:
                raise ApiError(500, "the assistant ended without a result")
            return chat_completion(event.result, model)

        async def rest() -> AsyncIterator[Event]:
            event = first
            while event is not None:
                yield event
                event = await run_in_threadpool(_next, events)

        return StreamingResponse(
            chat_stream(rest(), model, on_close=lambda: _close(events)),
            media_type="text/event-stream",
            headers=SSE_HEADERS,
        )

    @router.get("/api/films", tags=["index"], summary="Films with review counts")
    def films() -> dict[str, Any]:
        stats = collect_stats(assistant.index)
        return {
            "films": [
                {
                    "title": title,
                    "reviews": c.reviews,
                    "positive": c.positive,
                    "negative": c.negative,
                }
                for title, c in stats.per_film.items()
            ]
        }

    @router.get("/api/stats", tags=["index"], summary="What the index holds")
    def stats() -> dict[str, Any]:
        return collect_stats(assistant.index).to_json()

    @router.get("/healthz", tags=["health"], summary="Store, model and engine status")
    def healthz() -> JSONResponse:
        started = time.perf_counter()
        body: dict[str, Any] = {"status": "ok", "worker": os.getpid()}
        try:
            assistant.index.vectors.heartbeat()
            counts = assistant.counts()
            failure = assistant.index.vectors.read_failure
            body["store"] = {
                "reachable": True,
                "reviews": counts.reviews,
                "chunks": counts.chunks,
                "vectors": counts.vectors,
                "films": len(assistant.films()),
                "consistent": counts.consistent and failure is None,
            }
            if failure is not None:
                body["status"] = "degraded"
                body["store"]["read_failure"] = failure
            writer = holder(assistant.settings)
            if writer is not None:
                body["store"]["writer"] = writer  # who holds the home's writer lock
            built_with = assistant.index.catalog.get_meta("embedding_model")
            body["embedding_model"] = built_with or assistant.settings.embedding_model
        except Exception as exc:
            body["status"] = "error"
            body["store"] = {"reachable": False, "error": str(exc)}
            body["embedding_model"] = assistant.settings.embedding_model
        engine, reason = assistant.engine("auto")
        body["engine"] = {"configured": assistant.settings.engine, "auto": engine.name}
        body["engine"]["reason"] = reason
        if assistant.settings.engine == "ollama" and engine.name != "ollama":
            body["status"] = "degraded"
        body["checked_ms"] = round((time.perf_counter() - started) * 1000, 1)
        return JSONResponse(body, status_code=503 if body["status"] == "error" else 200)

    return router
