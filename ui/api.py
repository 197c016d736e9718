"""The HTTP API: ask (whole or streamed as Server-Sent Events), films, stats and health, with
OpenAI's /v1/chat/completions (`ui.openai_compat`) on the same router. Every route calls the
same `Assistant`; its sync work runs in the threadpool so the event loop stays free.

A follow-up carries its context in one of two ways: `history` (the turns the client shows, so
any server process can answer it) or `session_id` (a session this process keeps, so behind a
load balancer every turn must reach the same process).

Errors are JSON `{"error": "..."}` with a 4xx/5xx status (`ui.app.install_error_handlers`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from assistant.chat import MAX_TURNS, ChatSession, SessionStore
from assistant.questions import checked_history, checked_question
from assistant.service import Assistant, Event
from index.stats import collect_stats
from ui.api_common import (
    SSE_HEADERS,
    ApiError,
    FilterFields,
    close_events,
    error_text,
    next_event,
    status_of,
)
from ui.openai_compat import add_openai_routes
from ui.server_settings import ServerSettings

__all__ = ["ApiError", "build_router", "status_of"]

MAX_HISTORY_ANSWER_CHARS = 4000  # longest answer a `history` turn may carry: clients cut longer


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
            "which a load balancer does not ensure: send `history` instead)."
        ),
    )
    id: str | None = Field(None, max_length=100, description="Request id echoed in the result.")


def sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


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
        turns = checked_history(((t.question, t.answer) for t in body.history), cap)
        return assistant.session_from(turns), None

    def start(body: AskRequest) -> tuple[Iterator[Event], str | None, str]:
        question = checked_question(body.question, cap)
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
        first = await run_in_threadpool(next_event, events)

        async def frames() -> AsyncIterator[str]:
            event = first
            try:
                while event is not None:
                    if event.result is not None:
                        yield sse("result", {**event.result.to_json(), "session_id": session_id})
                    else:
                        yield sse("token", {"text": event.text})
                    event = await run_in_threadpool(next_event, events)
            except Exception as exc:
                yield sse("error", {"error": error_text(exc)})
            finally:
                close_events(events)

        headers = {**SSE_HEADERS, "X-Request-ID": request_id}
        return StreamingResponse(frames(), media_type="text/event-stream", headers=headers)

    add_openai_routes(router, assistant, cap)

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
        health = assistant.health()
        return JSONResponse(health.to_json(), status_code=503 if health.status == "error" else 200)

    return router
