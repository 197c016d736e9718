"""`GET /api/films/{film}/report`: a film's reception report as JSON (`Report.to_json`), or
with `?vs=OTHER` two films side by side (`Comparison.to_json`).

The route lies under /api/, so the app's `ApiGuard` applies to it as to /api/ask (keys,
origins, rate limits), and its errors have the same shapes: 404 `{"error": ...}` for a film the
index lacks (naming the closest titles), 422 for a name that is empty, too long or names
several films. The report runs in the threadpool (a plain `def` route).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi import Path as PathParam

from assistant.reception import FilmChoiceError, reception_comparison, reception_report
from assistant.service import Assistant
from ui.api_common import ApiError

__all__ = ["MAX_NAME_CHARS", "REPORT_PATH", "build_report_router"]

MAX_NAME_CHARS = 300  # as the `film` filter of /api/ask
REPORT_PATH = "/api/films/{film:path}/report"


def _name(value: str, what: str) -> str:
    name = value.strip()
    if not name:
        raise ApiError(422, f"{what} is empty: give a film title, e.g. 'Toy Story 3'")
    if len(name) > MAX_NAME_CHARS:
        raise ApiError(422, f"{what} is {len(name)} characters; the limit is {MAX_NAME_CHARS}")
    return name


def build_report_router(assistant: Assistant) -> APIRouter:
    """The report route over one assistant."""
    router = APIRouter()

    @router.get(
        REPORT_PATH,
        tags=["index"],
        summary="A film's reception: counts, timeline, themes, pull quotes, consensus",
    )
    def report(
        film: Annotated[str, PathParam(description="Film title, e.g. 'Toy Story 3'.")],
        vs: Annotated[
            str | None, Query(description="Another film: both reports and their shared themes.")
        ] = None,
    ) -> dict[str, Any]:
        name = _name(film, "film")
        try:
            if vs is not None:
                return reception_comparison(assistant, name, _name(vs, "vs")).to_json()
            return reception_report(assistant, name).to_json()
        except FilmChoiceError as exc:
            raise ApiError(422, str(exc)) from None

    return router
