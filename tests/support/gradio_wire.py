"""Gradio's HTTP protocol spoken by hand, as an attacker (or any client) would: find an event
handler in /config, join the queue with chosen data, read the outcome from the SSE stream."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx


def config(url: str) -> dict[str, Any]:
    response = httpx.get(f"{url}/config", timeout=10)
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


def fn_index(url: str, handler: str) -> int | None:
    """The index of the event handler whose function is named `handler` (None: absent)."""
    for position, dependency in enumerate(config(url)["dependencies"]):
        if dependency.get("api_name") == handler:
            return int(dependency.get("id", position))
    return None


def join(
    url: str, index: int, data: list[Any], session: str | None = None, **headers: str
) -> tuple[httpx.Response, str]:
    """POST /gradio_api/queue/join; the response and the session hash used."""
    session = session or uuid.uuid4().hex[:11]
    body = {"data": data, "fn_index": index, "session_hash": session, "event_data": None}
    response = httpx.post(f"{url}/gradio_api/queue/join", json=body, headers=headers, timeout=10)
    return response, session


def outcome(url: str, session: str, seconds: float = 120) -> dict[str, Any]:
    """The `process_completed` message of the session's event (its output and success)."""
    with httpx.stream(
        "GET",
        f"{url}/gradio_api/queue/data",
        params={"session_hash": session},
        timeout=seconds,
    ) as stream:
        for line in stream.iter_lines():
            if not line.startswith("data:"):
                continue
            message: dict[str, Any] = json.loads(line[5:])
            if message.get("msg") == "process_completed":
                return message
    raise AssertionError("the queue stream ended without process_completed")


def call(url: str, handler: str, data: list[Any]) -> dict[str, Any]:
    """Run the handler named `handler` with `data`; its `process_completed` message."""
    index = fn_index(url, handler)
    assert index is not None, f"no handler {handler!r} in {url}/config"
    response, session = join(url, index, data)
    assert response.status_code == 200, response.text
    return outcome(url, session)


def file_data(path: str) -> dict[str, Any]:
    """A gradio.FileData payload naming `path`, as the client may send it."""
    return {"path": path, "meta": {"_type": "gradio.FileData"}, "orig_name": path.split("/")[-1]}


def upload(url: str, name: str, content: bytes) -> httpx.Response:
    """POST /gradio_api/upload with one file."""
    files = {"files": (name, content, "application/octet-stream")}
    return httpx.post(f"{url}/gradio_api/upload", files=files, timeout=30)
