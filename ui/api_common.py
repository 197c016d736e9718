"""What the HTTP API's two dialects share (native `ui.api`, OpenAI's `ui.openai_compat`): the
filter fields of a request body, the status of each error, and the events of an answer read
one at a time in the threadpool."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from assistant.questions import QuestionError, filters_from
from assistant.service import Event
from index.errors import EngineError, ModelError, ReviewQAError, StoreError, UnknownNameError
from index.filters import Filters

log = logging.getLogger("reviewqa.api")

DATE = r"^\d{4}-\d{2}-\d{2}$"
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
STATUS = {
    QuestionError: 422,
    UnknownNameError: 404,
    EngineError: 503,
    StoreError: 503,
    ModelError: 503,
}


class ApiError(Exception):
    """A request the API refuses, with the status and the message to send."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def status_of(exc: BaseException) -> int:
    """422 a question that cannot be asked, 404 an unknown name, 503 a backend is down, 500
    the rest (ConfigError included)."""
    for kind, status in STATUS.items():
        if isinstance(exc, kind):
            return status
    return 500


def error_text(exc: BaseException) -> str:
    """What a stream that already started says of an error (a crash only in the log)."""
    if isinstance(exc, ReviewQAError):
        return str(exc)
    log.error("error while streaming", exc_info=exc)
    return "internal server error: see the server log"


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
        return filters_from(dict(self))


def next_event(events: Iterator[Event]) -> Event | None:
    """The next event, None at the end (run it in the threadpool: it may compute)."""
    return next(events, None)


def close_events(events: Iterator[Event]) -> None:
    """End an answer the client stopped reading (its generator's `finally` runs)."""
    close = getattr(events, "close", None)
    if close is not None:
        close()
