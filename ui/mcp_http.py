"""`reviewqa serve` at /mcp: the MCP server of `ui.mcp_server` over streamable HTTP, behind a
key and the server's rate limits.

Every request presents one of REVIEWQA_MCP_KEYS as `Authorization: Bearer KEY` (what MCP
clients send) or `X-ReviewQA-Key: KEY`: none is 401, an unknown one 403, and with no keys set
/mcp refuses every request (403). A request takes a token from its key's and its client IP's
buckets, as an API request does (`ui.security.RateLimiter`). The app's own guards check the
Host and Origin of every path, /mcp included. The transport is stateless with JSON answers:
no session is kept, so any process behind a load balancer answers any request.
"""

from __future__ import annotations

import hmac
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from starlette.datastructures import Headers
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ui.mcp_server import build_server
from ui.security import KEY_HEADER, RateLimiter, client_address, send_json
from ui.server_settings import ServerSettings

if TYPE_CHECKING:
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

    from assistant.service import Assistant

__all__ = ["MCP_PATH", "McpEndpoint", "build_mcp_router"]

MCP_PATH = "/mcp"
CHALLENGE = (b"www-authenticate", b'Bearer realm="reviewqa"')


def build_mcp_router(
    assistant: Assistant, settings: ServerSettings, limiter: RateLimiter
) -> APIRouter:
    """A router with the /mcp endpoint, whose lifespan runs the MCP transport."""
    endpoint = McpEndpoint(assistant, settings, limiter)
    router = APIRouter(lifespan=endpoint.lifespan)
    router.routes.append(Route(MCP_PATH, endpoint=endpoint))
    return router


class McpEndpoint:
    """The ASGI app at /mcp: key, rate limit, then the SDK's streamable HTTP transport."""

    def __init__(self, assistant: Assistant, settings: ServerSettings, limiter: RateLimiter):
        self.server = build_server(assistant, settings.max_question_chars)
        self.settings, self.limiter = settings, limiter
        self.keys = [key.get_secret_value().encode() for key in settings.mcp_keys]
        self._transport: StreamableHTTPSessionManager | None = None

    @asynccontextmanager
    async def lifespan(self, app: Any) -> AsyncIterator[None]:
        """Run the transport while the app runs (a new one each time the app starts)."""
        from mcp.server.transport_security import TransportSecuritySettings

        self.server.streamable_http_app(
            stateless_http=True,
            json_response=True,
            # HostGuard and UiGuard check Host and Origin for the whole app, with its settings
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        transport = self.server.session_manager
        async with transport.run():
            self._transport = transport
            try:
                yield
            finally:
                self._transport = None

    def key_of(self, headers: Headers) -> str | None:
        """The key a request presents: a bearer token, else the X-ReviewQA-Key header."""
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
        return headers.get(KEY_HEADER) or None

    def known(self, key: str) -> bool:
        given = key.encode()
        return any(hmac.compare_digest(given, known) for known in self.keys)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        headers = Headers(scope=scope)
        key = self.key_of(headers)
        if not self.keys:
            message = "MCP over HTTP is off: set REVIEWQA_MCP_KEYS to the keys clients present"
            await send_json(send, 403, {"error": message})
            return
        if key is None:
            message = "/mcp needs a key: send Authorization: Bearer KEY (one of REVIEWQA_MCP_KEYS)"
            await send_json(send, 401, {"error": message}, [CHALLENGE])
            return
        if not self.known(key):
            await send_json(send, 403, {"error": "unknown key: use one of REVIEWQA_MCP_KEYS"})
            return
        ip = client_address(scope, headers.get("x-forwarded-for"), self.settings)
        wait = self.limiter.take(f"mcp:{key}", ip)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            retry = [(b"retry-after", str(seconds).encode())]
            await send_json(send, 429, {"error": f"too many requests: retry in {seconds} s"}, retry)
            return
        if self._transport is None:
            await send_json(send, 503, {"error": "the MCP server is not running: retry shortly"})
            return
        await self._transport.handle_request(scope, receive, send)
