"""The Ollama engine: a local LLM (through llama-index's Ollama integration) writes the answer."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from assistant.engines.base import AnswerRequest, Engine, Turn
from assistant.prompts import render
from index.errors import EngineError
from index.settings import Settings

if TYPE_CHECKING:
    import httpx
    from llama_index.llms.ollama import Ollama

__all__ = ["OllamaEngine"]

CHECK_TIMEOUT = 2.0  # seconds for the GET /api/tags of check()
CHECK_TTL = 30.0  # seconds a successful check() is trusted
# Sent as num_ctx. Left unset, llama-index asks /api/show for the model's maximum context
# (131072 for llama3.2) and sends that, which makes Ollama allocate a ~15 GB KV cache.
CONTEXT_WINDOW = 8192
TEMPERATURE = 0.1  # low: the answer should stay close to the sources' words
MAX_HISTORY_TURNS = 6  # earlier exchanges sent with a question (the oldest are dropped)


class OllamaEngine(Engine):
    """Answers with an Ollama model; `check()` says how to start the server or pull the model."""

    name = "ollama"

    def __init__(self, settings: Settings) -> None:
        self.host = normalize_host(settings.ollama_host)
        self.model = settings.ollama_model
        self.timeout = settings.ollama_timeout
        self._ok_until = 0.0  # time.monotonic() until which a passed check() is reused
        self._checker: httpx.Client | None = None

    def _check_client(self) -> httpx.Client:
        """One client for every check: a new one per question built a TLS context each time
        (~25 ms of an answer's ~50 ms when Ollama is down and each question checks again).
        It keeps no connection open between checks (an engine nobody closes leaks none)."""
        import httpx

        if self._checker is None:
            no_pool = httpx.Limits(max_keepalive_connections=0)
            self._checker = httpx.Client(timeout=CHECK_TIMEOUT, limits=no_pool)
        return self._checker

    def close(self) -> None:
        if self._checker is not None:
            self._checker.close()
            self._checker = None

    def check(self) -> str | None:
        if time.monotonic() < self._ok_until:
            return None
        import httpx

        try:
            response = self._check_client().get(f"{self.host}/api/tags")
        except httpx.TimeoutException:
            return (
                f"Ollama at {self.host} did not answer within {CHECK_TIMEOUT:g} s: "
                "check that 'ollama serve' is running and not stuck (or set OLLAMA_HOST)"
            )
        except httpx.TransportError:
            return self._unreachable()
        if response.status_code != 200:
            return (
                f"Ollama at {self.host} answered GET /api/tags with HTTP {response.status_code}"
                f" ({response.text[:200].strip()}): is OLLAMA_HOST an Ollama server?"
            )
        try:
            names = _model_names(response.json())
        except (ValueError, TypeError, AttributeError):
            return (
                f"{self.host} answered GET /api/tags with something other than Ollama's model "
                "list: is OLLAMA_HOST an Ollama server?"
            )
        if not any(same_model(self.model, name) for name in names):
            return self._missing_model()
        self._ok_until = time.monotonic() + CHECK_TTL
        return None

    def stream(self, request: AnswerRequest) -> Iterator[str]:
        from llama_index.core.base.llms.types import ChatMessage, MessageRole

        messages = [ChatMessage(role=MessageRole.SYSTEM, content=render("system"))]
        for turn in _recent(request.history):
            messages.append(ChatMessage(role=MessageRole.USER, content=turn.question))
            messages.append(ChatMessage(role=MessageRole.ASSISTANT, content=turn.answer))
        user = render(
            "answer_with_sources",
            question=request.question,
            sources=list(request.sources),
            coverage_line=request.coverage_line,
            stance=request.stance,
            facts=request.lead,
        )
        messages.append(ChatMessage(role=MessageRole.USER, content=user))
        with self._llm() as llm:
            try:
                for chunk in llm.stream_chat(messages):
                    if chunk.delta:
                        yield chunk.delta
            except Exception as exc:
                error = self._engine_error(exc)
                if error is None:
                    raise
                raise error from exc

    def condense(self, history: Sequence[Turn], question: str) -> str:
        if not history:
            return question
        from llama_index.core.base.llms.types import ChatMessage, MessageRole

        prompt = render("condense_followup", history=_recent(history), question=question)
        with self._llm() as llm:
            try:
                response = llm.chat([ChatMessage(role=MessageRole.USER, content=prompt)])
            except Exception as exc:
                error = self._engine_error(exc)
                if error is None:
                    raise
                raise error from exc
        return _clean_question(response.message.content or "") or question

    @contextmanager
    def _llm(self) -> Iterator[Ollama]:
        """A llama-index Ollama LLM whose HTTP client is closed when the block ends."""
        from llama_index.llms.ollama import Ollama
        from ollama import Client

        # llama-index builds its own client and never closes it, leaving pooled sockets to the
        # garbage collector (a ResourceWarning); so we hand it one we close ourselves.
        with Client(host=self.host, timeout=self.timeout) as client:
            yield Ollama(
                model=self.model,
                base_url=self.host,
                request_timeout=self.timeout,
                context_window=CONTEXT_WINDOW,
                temperature=TEMPERATURE,
                client=client,
            )

    def _unreachable(self) -> str:
        return (
            f"Ollama is not reachable at {self.host}: start it with 'ollama serve' "
            "(or set OLLAMA_HOST)"
        )

    def _missing_model(self) -> str:
        return (
            f"Ollama at {self.host} has no model '{self.model}': run 'ollama pull {self.model}' "
            "(or set REVIEWQA_OLLAMA_MODEL)"
        )

    def _engine_error(self, exc: Exception) -> EngineError | None:
        """The EngineError (saying how to fix it) for a failed call to Ollama; None if a bug."""
        import httpx
        from ollama import RequestError, ResponseError

        self._ok_until = 0.0
        if isinstance(exc, httpx.TimeoutException):
            return EngineError(
                f"Ollama at {self.host} did not answer within {self.timeout:g} s: raise "
                "REVIEWQA_OLLAMA_TIMEOUT (seconds) or use a smaller model (REVIEWQA_OLLAMA_MODEL)"
            )
        # The ollama client turns connect errors into ConnectionError, except when streaming.
        if isinstance(exc, ConnectionError | httpx.ConnectError):
            return EngineError(self._unreachable())
        if isinstance(exc, httpx.TransportError):
            return EngineError(
                f"Ollama at {self.host} dropped the connection ({exc or type(exc).__name__}): "
                "check that 'ollama serve' is still running"
            )
        if isinstance(exc, ResponseError):
            if exc.status_code == 404 or "not found" in str(exc.error).lower():
                return EngineError(self._missing_model())
            status = f"HTTP {exc.status_code}" if exc.status_code > 0 else "mid-answer"
            return EngineError(
                f"Ollama at {self.host} failed ({status}): {exc.error}: see the 'ollama serve' log"
            )
        if isinstance(exc, RequestError):
            return EngineError(f"Ollama request refused: {exc.error} (set REVIEWQA_OLLAMA_MODEL)")
        return None


def normalize_host(host: str) -> str:
    """`127.0.0.1:11434` -> `http://127.0.0.1:11434`; a bare host gets Ollama's port 11434."""
    host = host.strip().rstrip("/")
    if "://" not in host:
        host = f"http://{host}"
        with suppress(ValueError):  # a bad port is left for the connection error to name
            if urlsplit(host).port is None:
                host = f"{host}:11434"
    return host


def same_model(wanted: str, name: str) -> bool:
    """Whether two Ollama model names are one model (`llama3.2` is `llama3.2:latest`)."""
    return _with_tag(wanted) == _with_tag(name)


def _with_tag(name: str) -> str:
    name = name.strip()
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


def _model_names(payload: Any) -> list[str]:
    """Every `name` and `model` of a GET /api/tags answer."""
    names: list[str] = []
    for entry in payload["models"]:
        names.extend(str(entry[key]) for key in ("name", "model") if entry.get(key))
    return names


def _recent(history: Sequence[Turn]) -> list[Turn]:
    return list(history)[-MAX_HISTORY_TURNS:]


def _clean_question(reply: str) -> str:
    """The model's rewrite without a leading label or wrapping quotes."""
    text = reply.strip()
    label = "standalone question:"
    if text.lower().startswith(label):
        text = text[len(label) :].strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    return text
