"""A fake Ollama server speaking the real HTTP API (the fields of `ollama._types`), for tests.

    with FakeOllama(models=["llama3.2:3b"], reply="It is [1] good.") as server:
        engine = OllamaEngine(load_settings(ollama_host=server.url))
        ...
        server.requests  # every request received: method, path, parsed JSON body

Endpoints: GET /, GET /api/version, GET /api/tags, POST /api/show, POST /api/chat and
POST /api/generate (NDJSON streaming by default, one JSON object with `"stream": false`).
An unknown model is a 404 with Ollama's own error text. `models` may be changed while the
server runs (e.g. `server.models.clear()` to make a model vanish between two calls).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = str | Callable[[dict[str, Any]], str]

VERSION = "0.12.6"
RUNTIME_ERROR = "an error was encountered while running the model: unexpected EOF"


@dataclass(frozen=True)
class FakeRequest:
    """One request the fake received."""

    method: str
    path: str
    body: Any  # the parsed JSON body, None when there was none

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The chat messages of a POST /api/chat."""
        return list(self.body.get("messages") or []) if isinstance(self.body, dict) else []


class FakeOllama:
    """A protocol-faithful Ollama on 127.0.0.1 (ephemeral port), served from a thread."""

    def __init__(
        self,
        models: Iterable[str] = ("llama3.2:3b",),
        reply: Reply = "The critics agree [1].",
        *,
        delay: float = 0.002,
        error_after: int | None = None,
    ) -> None:
        """`delay`: seconds before each streamed piece; `error_after`: pieces streamed before
        an in-stream `{"error": ...}` line, as Ollama sends when the model runner dies."""
        self.models = [_with_tag(m) for m in models]
        self.reply = reply
        self.delay = delay
        self.error_after = error_after
        self.requests: list[FakeRequest] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeOllama is not running: use it as a context manager")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeOllama:
        self._stop.clear()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-ollama",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeOllama:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def requests_to(self, path: str) -> list[FakeRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def _record(self, request: FakeRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _has(self, model: str) -> bool:
        return _with_tag(model) in self.models

    def _reply_text(self, body: dict[str, Any]) -> str:
        return self.reply(body) if callable(self.reply) else self.reply


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeOllama


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked streaming, as Ollama does
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read `server.requests` instead."""

    def do_HEAD(self) -> None:
        self._record(None)
        self._send_text(200, "")

    def do_GET(self) -> None:
        self._record(None)
        fake = self.server.fake
        if self.path == "/":
            self._send_text(200, "Ollama is running")
        elif self.path == "/api/version":
            self._send_json(200, {"version": VERSION})
        elif self.path == "/api/tags":
            self._send_json(200, {"models": [_tag_entry(name) for name in list(fake.models)]})
        else:
            self._send_text(404, "404 page not found")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except json.JSONDecodeError as exc:
            self._record(raw.decode(errors="replace"))
            self._send_json(400, {"error": f"invalid character in JSON: {exc.msg}"})
            return
        self._record(body)
        if not isinstance(body, dict):
            self._send_json(400, {"error": "json: cannot unmarshal into a request object"})
            return
        if self.path == "/api/show":
            self._show(body)
        elif self.path in ("/api/chat", "/api/generate"):
            self._answer(body)
        else:
            self._send_text(404, "404 page not found")

    def _show(self, body: dict[str, Any]) -> None:
        model = str(body.get("model") or body.get("name") or "")
        if not self.server.fake._has(model):
            self._send_json(404, {"error": f"model '{model}' not found"})
            return
        self._send_json(
            200,
            {
                "license": "LLAMA 3.2 COMMUNITY LICENSE AGREEMENT",
                "modelfile": f'# Modelfile generated by "ollama show"\nFROM {model}\n',
                "parameters": 'stop                           "<|eot_id|>"',
                "template": "{{ .Prompt }}",
                "details": _details(),
                "model_info": {
                    "general.architecture": "llama",
                    "general.parameter_count": 3212749888,
                    "llama.context_length": 131072,
                    "llama.embedding_length": 3072,
                    "llama.block_count": 28,
                },
                "capabilities": ["completion", "tools"],
                "modified_at": _now(),
            },
        )

    def _answer(self, body: dict[str, Any]) -> None:
        fake = self.server.fake
        chat = self.path == "/api/chat"
        model = str(body.get("model") or "")
        if not model:
            self._send_json(400, {"error": "model is required"})
            return
        if not fake._has(model):
            self._send_json(404, {"error": f'model "{model}" not found, try pulling it first'})
            return
        if not chat and not body.get("prompt"):  # an empty generate only loads the model
            loaded = _partial(model, chat, "") | {"done": True, "done_reason": "load"}
            self._send_json(200, loaded)
            return
        text = fake._reply_text(body)
        pieces = split_pieces(text)
        if body.get("stream") is False:
            if not fake._stop.wait(fake.delay):
                self._send_json(200, _final(model, chat, text, len(pieces), body))
            return
        try:
            self._start_stream()
            for i, piece in enumerate(pieces):
                if fake.error_after is not None and i == fake.error_after:
                    self._send_chunk({"error": RUNTIME_ERROR})
                    break
                if fake._stop.wait(fake.delay):
                    self.close_connection = True
                    return
                self._send_chunk(_partial(model, chat, piece))
            else:
                self._send_chunk(_final(model, chat, "", len(pieces), body))
            self._end_stream()
        except OSError:  # the client hung up (e.g. its read timeout fired)
            self.close_connection = True

    def _record(self, body: Any) -> None:
        self.server.fake._record(FakeRequest(self.command, self.path, body))

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        self._send(status, "application/json; charset=utf-8", json.dumps(payload).encode())

    def _send_text(self, status: int, text: str) -> None:
        self._send(status, "text/plain; charset=utf-8", text.encode())

    def _send(self, status: int, content_type: str, data: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        except OSError:
            self.close_connection = True

    def _start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def _send_chunk(self, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode() + b"\n"
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")

    def _end_stream(self) -> None:
        self.wfile.write(b"0\r\n\r\n")


def split_pieces(text: str) -> list[str]:
    """The reply cut into word-sized pieces (each with its trailing space) that join to it."""
    return re.findall(r"\s+|\S+\s*", text) if text else [""]


def _with_tag(name: str) -> str:
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _details() -> dict[str, Any]:
    return {
        "parent_model": "",
        "format": "gguf",
        "family": "llama",
        "families": ["llama"],
        "parameter_size": "3.2B",
        "quantization_level": "Q4_K_M",
    }


def _tag_entry(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "model": name,
        "modified_at": "2025-05-01T10:00:00.123456789+02:00",
        "size": 2019393189,
        "digest": hashlib.sha256(name.encode()).hexdigest(),
        "details": _details(),
    }


def _partial(model: str, chat: bool, piece: str) -> dict[str, Any]:
    out: dict[str, Any] = {"model": model, "created_at": _now()}
    if chat:
        out["message"] = {"role": "assistant", "content": piece}
    else:
        out["response"] = piece
    out["done"] = False
    return out


def _final(model: str, chat: bool, text: str, pieces: int, body: dict[str, Any]) -> dict[str, Any]:
    """The last object of an answer (the only one when not streaming), with Ollama's metrics."""
    out = _partial(model, chat, text)
    if not chat:
        out["context"] = [128006, 882, 128007, 271]
    prompt_words = len(json.dumps(body.get("messages") or body.get("prompt") or "").split())
    out.update(
        done=True,
        done_reason="stop",
        total_duration=1_250_000_000,
        load_duration=25_000_000,
        prompt_eval_count=max(prompt_words, 1),
        prompt_eval_duration=150_000_000,
        eval_count=pieces,
        eval_duration=1_000_000_000,
    )
    return out
