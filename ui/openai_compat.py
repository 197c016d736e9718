"""OpenAI's chat completions over the assistant: `POST /v1/chat/completions`, whole or
streamed as `chat.completion.chunk` events, with the citations beside the message.

The messages before the last user one are the chat so far (any server can answer a
follow-up); our filter fields are accepted besides OpenAI's, whose others are ignored.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any, get_args

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from assistant.chat import MAX_TURNS
from assistant.engines.base import Turn
from assistant.questions import checked_question
from assistant.result import Result
from assistant.service import Assistant, EngineName, Event
from ui.api_common import (
    SSE_HEADERS,
    ApiError,
    FilterFields,
    close_events,
    error_text,
    next_event,
)

ENGINES = get_args(EngineName)


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


def add_openai_routes(router: APIRouter, assistant: Assistant, max_question_chars: int) -> None:
    """Add `POST /v1/chat/completions` over `assistant` to `router` (its own route, so that
    `ui.app.add_api_fallback` knows its methods)."""

    @router.post(
        "/v1/chat/completions",
        tags=["openai"],
        summary="OpenAI-compatible chat completion (citations in `citations`)",
        response_model=None,
    )
    async def chat_completions(body: ChatRequest) -> StreamingResponse | dict[str, Any]:
        question, turns = split_messages(body.messages)
        question = checked_question(question, max_question_chars)
        session = await run_in_threadpool(assistant.session_from, turns)
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
        first = await run_in_threadpool(next_event, events)
        if not body.stream:
            event = first
            while event is not None and event.result is None:
                event = await run_in_threadpool(next_event, events)
            if event is None or event.result is None:
                raise ApiError(500, "the assistant ended without a result")
            return chat_completion(event.result, model)

        async def rest() -> AsyncIterator[Event]:
            event = first
            while event is not None:
                yield event
                event = await run_in_threadpool(next_event, events)

        return StreamingResponse(
            chat_stream(rest(), model, on_close=lambda: close_events(events)),
            media_type="text/event-stream",
            headers=SSE_HEADERS,
        )
