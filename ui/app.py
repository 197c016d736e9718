"""The one web process: the HTTP API, the widget and the Gradio chat (mounted at `/`).

`create_app(settings)` builds everything from settings when it is called; importing this
module builds nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from assistant.chat import SessionStore
from assistant.service import Assistant
from index.errors import ReviewQAError
from index.settings import Settings
from ui.admin import INGEST_PATH, WriteRefused, build_admin_router, check_exposure
from ui.api import ApiError, build_router, status_of
from ui.chat_login import LOGIN_MESSAGE, ChatLogin, LoginGuard
from ui.guards import UPLOAD_PATH, FilePathGuard, HostGuard, SecurityHeaders, UiGuard
from ui.mcp_http import build_mcp_router
from ui.scratch import Scratch
from ui.security import AccessPolicy, ApiGuard, BodyLimit, RateLimiter
from ui.server_settings import ServerSettings, trusted_hosts
from ui.settings import load_server_settings
from ui.widget import build_widget_router

log = logging.getLogger("reviewqa.app")

MULTIPART_SLACK = 64 * 1024  # bytes of multipart framing an upload may add to the file

DESCRIPTION = """Answers questions about films from critics' reviews; every claim cites a review.

* `POST /api/ask` and `POST /api/ask/stream` (Server-Sent Events) answer a question.
* `POST /v1/chat/completions` is OpenAI-compatible (citations in `citations`).
* `GET /widget.js` is the embeddable chat widget (see `/widget/demo`).
"""


def create_app(
    settings: Settings,
    assistant: Assistant | None = None,
    server: ServerSettings | None = None,
    scratch: Scratch | None = None,
) -> FastAPI:
    """The FastAPI app: API routes, widget routes, and the Gradio chat mounted at `/`.

    One `Assistant` (built here from `settings` unless given) and one `SessionStore` serve
    every face. `server` holds the HTTP knobs (default: `load_server_settings()`); settings
    that would expose writes to strangers are refused here (ConfigError). `scratch` is the
    process's temporary folder (default: a new one); it is removed when the app stops.
    """
    import gradio as gr
    from gradio.utils import get_upload_folder

    from ui.assets import static_text
    from ui.gradio_app import CSS_FILE, build_demo

    server = server or load_server_settings()
    check_exposure(server)
    login = ChatLogin.from_settings(server)  # REVIEWQA_CHAT_USERS; None: the chat is open
    hosts = trusted_hosts(server)
    owned = assistant is None
    assistant = assistant or Assistant(settings)
    sessions = SessionStore(capacity=server.max_sessions)
    scratch = scratch or Scratch(max_age=server.export_max_age)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            if server.warm_up:
                await run_in_threadpool(assistant.warm_up)
            yield
        finally:
            if owned:
                assistant.close()
            scratch.close()  # here: uvicorn ends a SIGTERMed process before serve() resumes

    app = FastAPI(
        title="reviewqa",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.assistant = assistant
    app.state.sessions = sessions
    app.state.server_settings = server
    install_error_handlers(app)
    api = build_router(assistant, sessions, server)
    app.include_router(api)
    from ui.report_api import build_report_router  # GET /api/films/{film}/report

    app.include_router(build_report_router(assistant))
    app.include_router(build_widget_router(assistant, server))
    app.include_router(build_admin_router(assistant, server, scratch))
    add_api_fallback(app, api)
    # Added last = outermost: the Host check first, then headers on every answer, then keys,
    # origins and rate limits, all before a body is read (and capped).
    limiter = RateLimiter(server)
    app.include_router(build_mcp_router(assistant, server, limiter))  # /mcp: docs/MCP.md
    upload_cap = server.max_upload_bytes
    caps = {INGEST_PATH: upload_cap, UPLOAD_PATH: upload_cap + MULTIPART_SLACK}
    app.add_middleware(FilePathGuard, upload_root=get_upload_folder)
    app.add_middleware(BodyLimit, max_bytes=server.max_body_bytes, caps=caps)
    app.add_middleware(
        ApiGuard, policy=AccessPolicy.from_settings(server), limiter=limiter, settings=server
    )
    if login is not None:  # inside UiGuard: a foreign page cannot even try to sign in
        app.add_middleware(LoginGuard, login=login)
    app.add_middleware(UiGuard, limiter=limiter, settings=server, uploads=server.ui_ingest)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(HostGuard, allowed=hosts)

    def mount() -> None:
        demo = build_demo(assistant, sessions, server, scratch).queue(
            default_concurrency_limit=server.gradio_concurrency
        )
        gr.mount_gradio_app(
            app,
            demo,
            path="/",
            css=static_text(CSS_FILE),
            footer_links=[],
            max_file_size=server.max_upload_bytes,
            run_history=False,
            show_error=True,
            auth=login.check if login else None,
            auth_message=LOGIN_MESSAGE if login else None,
        )
        if login is not None:
            login.attach(app)

    _with_running_loop(mount)
    return app


def _with_running_loop(build: Callable[[], None]) -> None:
    """Run `build` inside an event loop that is then closed.

    Gradio makes its asyncio locks with `asyncio.new_event_loop()` when no loop runs and never
    closes those loops (ResourceWarning at garbage collection). Inside a running loop it makes
    none; the locks bind lazily to whichever loop first uses them (uvicorn's). The loop here is
    never made the thread's current loop, so nothing global changes.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        build()
        return

    async def run() -> None:
        build()

    with asyncio.Runner(loop_factory=asyncio.new_event_loop) as runner:
        runner.run(run())


# -- errors as JSON -----------------------------------------------------------------------
def _validation_message(exc: RequestValidationError) -> tuple[int, str]:
    errors = exc.errors()
    for error in errors:
        if error.get("type") == "json_invalid":
            detail = error.get("ctx", {}).get("error", "")
            return 400, f"malformed JSON in the request body: {detail}".rstrip(": ")
        loc = tuple(error.get("loc", ()))
        if loc == ("body",) and error.get("type") in ("missing", "model_attributes_type"):
            return 400, "the request body must be a JSON object (Content-Type: application/json)"
    parts = []
    for error in errors:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        if error.get("type") == "extra_forbidden":
            parts.append(f"{where}: unknown field")
        else:
            parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return 422, "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    """Every error of the API as JSON {"error": "..."}."""

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        status, message = _validation_message(exc)
        return JSONResponse({"error": message}, status_code=status)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        return JSONResponse(
            {"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers
        )

    async def on_api(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return JSONResponse({"error": str(exc)}, status_code=exc.status)

    async def on_refused(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, WriteRefused)
        return JSONResponse({"error": str(exc)}, status_code=exc.status)

    async def on_reviewqa(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=status_of(exc))

    async def on_crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"error": "internal server error: see the server log"}, 500)

    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(ApiError, on_api)
    app.add_exception_handler(WriteRefused, on_refused)
    app.add_exception_handler(ReviewQAError, on_reviewqa)
    app.add_exception_handler(Exception, on_crash)


def add_api_fallback(app: FastAPI, api: APIRouter) -> None:
    """JSON 404/405 on /api and /v1 paths (the Gradio app mounted at / would answer HTML)."""
    known = {r.path: r.methods for r in api.routes if isinstance(r, APIRoute)}
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    async def unknown(request: Request) -> JSONResponse:
        allowed = known.get(request.url.path)
        if allowed:
            allow = ", ".join(sorted(allowed))
            return JSONResponse(
                {"error": f"{request.method} not allowed on {request.url.path}: use {allow}"},
                status_code=405,
                headers={"Allow": allow},
            )
        return JSONResponse({"error": f"no endpoint {request.url.path}: see /docs"}, 404)

    for prefix in ("/api", "/v1"):
        app.add_api_route(
            f"{prefix}/{{rest:path}}", unknown, methods=methods, include_in_schema=False
        )
