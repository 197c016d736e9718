"""ASGI middleware that makes the served app safe to expose, outside the API's own guard.

    HostGuard         400 for a Host header not in the allowlist (DNS rebinding)
    UiGuard           the Gradio routes: same origin only, rate-limited, uploads only when on
    FilePathGuard     403 for Gradio calls naming a file that was not uploaded (a server path)
    SecurityHeaders   CSP, frame-ancestors, nosniff and Referrer-Policy on every response

`ui.security.ApiGuard` does the same work for `/api` and `/v1` (keys, CORS, rate limits).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from starlette._utils import parse_host_header
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ui.security import (
    GUARDED_PREFIXES,
    RateLimiter,
    client_address,
    own_origin,
    replaying,
    send_json,
)
from ui.server_settings import ServerSettings

GRADIO_API = "/gradio_api/"
UPLOAD_PATH = "/gradio_api/upload"
# Gradio routes that start work on the server: each costs a rate-limit token.
CHARGED = ("queue/join", "run/", "call/", "api/", "upload", "component_server")
# Gradio routes whose JSON body carries a handler's input data (files as FileData paths).
DATA_ROUTES = ("queue/join", "run/", "call/", "api/")
# Paths any site may fetch with an Origin header (the widget's script).
OPEN_PATHS = ("/widget.js",)

_BASE_CSP = (
    "default-src 'self'",
    "base-uri 'self'",
    "object-src 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "media-src 'self' blob: data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
)
# The Gradio page runs inline bootstrap scripts, and its HTML component compiles templates
# with Function() ('unsafe-eval'); review text reaches it escaped (ui.render), never as code.
UI_CSP = "; ".join(
    (
        *_BASE_CSP,
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
    )
)
# The widget demo page: no inline script at all; the widget styles its shadow root inline.
WIDGET_CSP = "; ".join((*_BASE_CSP, "script-src 'self'", "style-src 'self' 'unsafe-inline'"))
# FastAPI's /docs page loads Swagger UI from jsDelivr.
DOCS_CSP = "; ".join(
    (
        *_BASE_CSP,
        "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
        "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
    )
)
PAGE_CSP = {"/docs": DOCS_CSP, "/widget/demo": WIDGET_CSP}
COMMON_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
)
HTML_HEADERS = ((b"x-frame-options", b"DENY"),)


class HostGuard:
    """Only Host names in `allowed` reach the app: a DNS-rebinding page uses its own name."""

    def __init__(self, app: ASGIApp, allowed: Sequence[str]) -> None:
        self.app = app
        self.allowed = [h.lower() for h in allowed]
        self.any = "*" in self.allowed

    def allows(self, host_header: str | None) -> bool:
        parsed = parse_host_header(host_header)
        if parsed is None:
            return False
        host = parsed.host.lower().strip("[]")
        return any(
            host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:]))
            for pattern in self.allowed
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.any or scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host")
        if self.allows(host):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        message = (
            f"this server does not answer to the host {host!r}: "
            "add it to REVIEWQA_ALLOWED_HOSTS if clients really use that name"
        )
        await send_json(send, 400, {"error": message})


class UiGuard:
    """The Gradio app's routes (everything but the API): pages of the same origin only, the
    API's per-IP rate limit on the routes that start work, and uploads only when UI ingest is
    on. Gradio's own CORS (which admits any localhost page) never sees a foreign origin."""

    def __init__(
        self, app: ASGIApp, limiter: RateLimiter, settings: ServerSettings, uploads: bool
    ) -> None:
        self.app, self.limiter, self.settings, self.uploads = app, limiter, settings, uploads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] not in ("http", "websocket") or path.startswith(GUARDED_PREFIXES):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        foreign = origin and origin != own_origin(scope, headers, self.settings)
        if foreign and path not in OPEN_PATHS:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            error = f"the chat UI answers its own pages only, not {origin}: use the API"
            await send_json(send, 403, {"error": error})
            return
        if path.startswith(UPLOAD_PATH) and not self.uploads:
            error = "uploads are off: the server does not offer ingest (REVIEWQA_UI_INGEST)"
            await send_json(send, 403, {"error": error})
            return
        if self._charged(scope, path):
            ip = client_address(scope, headers.get("x-forwarded-for"), self.settings)
            wait = self.limiter.take(None, ip)
            if wait > 0:
                seconds = max(1, math.ceil(wait))
                retry = [(b"retry-after", str(seconds).encode())]
                error = f"too many requests: retry in {seconds} s"
                await send_json(send, 429, {"error": error}, retry)
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _charged(scope: Scope, path: str) -> bool:
        if scope["type"] != "http" or scope["method"] != "POST":
            return False
        return path.startswith(GRADIO_API) and path[len(GRADIO_API) :].startswith(CHARGED)


def named_paths(value: Any) -> Iterator[str]:
    """Every file path a Gradio payload names: the `path` of each object in it (FileData)."""
    if isinstance(value, dict):
        path = value.get("path")
        if isinstance(path, str):
            yield path
        for item in value.values():
            yield from named_paths(item)
    elif isinstance(value, list):
        for item in value:
            yield from named_paths(item)


def is_uploaded(path: str, upload_root: str | Path) -> bool:
    """Does `path` (symlinks and `..` resolved) lie inside Gradio's upload folder?"""
    if "://" in path or path.startswith("//"):
        return False  # a URL: Gradio would fetch it from the server
    root = Path(upload_root).resolve()
    resolved = Path(path).resolve()
    return resolved != root and resolved.is_relative_to(root)


class FilePathGuard:
    """Gradio copies a file a request names by path into its cache before any handler runs,
    and when mounted into FastAPI it does not check that the file was uploaded. This refuses
    every Gradio call whose data names a path outside the upload folder (or a URL).

    It sits inside `BodyLimit`, so the body it reads is already capped and buffered.
    """

    def __init__(self, app: ASGIApp, upload_root: Callable[[], str]) -> None:
        self.app, self.upload_root = app, upload_root

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not path.startswith(GRADIO_API)
            or not path[len(GRADIO_API) :].startswith(DATA_ROUTES)
        ):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        try:
            payload = json.loads(body) if body.strip() else None
        except ValueError:
            payload = None  # Gradio answers malformed JSON itself
        root = self.upload_root()
        for named in named_paths(payload):
            if not is_uploaded(named, root):
                error = "a file must be uploaded first (POST /gradio_api/upload), not named by path"
                await send_json(send, 403, {"error": error})
                return
        await self.app(scope, replaying(body, receive), send)


class SecurityHeaders:
    """nosniff and a Referrer-Policy on every response; on HTML pages also a CSP that keeps
    them from being framed (frame-ancestors 'none', X-Frame-Options) or loading foreign code."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = PAGE_CSP.get(str(scope["path"]), UI_CSP)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                added = [h for h in COMMON_HEADERS if h[0] not in names]
                content_type = Headers(raw=headers).get("content-type", "")
                if content_type.startswith("text/html"):
                    added += [h for h in HTML_HEADERS if h[0] not in names]
                    if b"content-security-policy" not in names:
                        added.append((b"content-security-policy", csp.encode()))
                message = {**message, "headers": [*headers, *added]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
