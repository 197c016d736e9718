"""Who may call the HTTP API, from which web origins, and how often.

    AccessPolicy     widget keys and the origins each may be used from
    RateLimiter      token buckets per key and per client IP, in memory
    ApiGuard         ASGI middleware: key check, CORS (preflight too), rate limit
    BodyLimit        ASGI middleware: 413 for request bodies over the cap (every path)

A key travels in the `X-ReviewQA-Key` header or the `key` query parameter (a preflight carries
no custom header values, so browsers should use the query parameter). Requests from another
web origin need a key allowed on that origin; requests without an Origin header (curl, servers)
or from the server's own origin need none unless `require_key` is set.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ui.server_settings import ServerSettings

DEMO_KEY = "demo"
DEMO_ORIGINS = ("http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*")
KEY_HEADER = "x-reviewqa-key"
GUARDED_PREFIXES = ("/api/", "/v1/")


# -- keys and origins ---------------------------------------------------------------------
def origin_matches(pattern: str, origin: str) -> bool:
    """Does `origin` (scheme://host[:port]) match `pattern` (exact, host:* or *)?"""
    pattern, origin = pattern.lower().rstrip("/"), origin.lower().rstrip("/")
    if pattern == "*" or pattern == origin:
        return True
    if pattern.endswith(":*"):
        base = pattern[:-2]
        if origin == base:
            return True
        head, _, port = origin.rpartition(":")
        return head == base and port.isdigit()
    return False


class AccessPolicy:
    """Keys and the origins each may be used from."""

    def __init__(self, keys: Mapping[str, Sequence[str]]) -> None:
        self.keys = {key: tuple(origins) for key, origins in keys.items()}

    @classmethod
    def from_settings(cls, settings: ServerSettings) -> AccessPolicy:
        return cls(settings.widget_keys or {DEMO_KEY: DEMO_ORIGINS})

    def known(self, key: str) -> bool:
        return key in self.keys

    def allows(self, key: str | None, origin: str) -> bool:
        """May `key` be used from `origin`? With no key: does any key allow it (preflight)?"""
        pools = [self.keys.get(key, ())] if key is not None else list(self.keys.values())
        return any(origin_matches(p, origin) for pool in pools for p in pool)


# -- rate limits --------------------------------------------------------------------------
class TokenBuckets:
    """One token bucket per name: `burst` tokens, refilled at `per_minute`; 0 = unlimited."""

    def __init__(
        self,
        per_minute: float,
        burst: int,
        max_names: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_names = max_names
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, at

    def wait(self, name: str) -> float:
        """Seconds until `name` has a token (0.0 = it has one now)."""
        if self.rate <= 0:
            return 0.0
        tokens = self._tokens(name, self.clock())
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

    def take(self, name: str) -> None:
        if self.rate <= 0:
            return
        now = self.clock()
        self._buckets[name] = (self._tokens(name, now) - 1.0, now)
        self._buckets.move_to_end(name)
        while len(self._buckets) > self.max_names:
            self._buckets.popitem(last=False)  # the longest idle: nearly always refilled

    def give_back(self, name: str) -> None:
        """Return a token `take` took (for a request that turned out not to count)."""
        if self.rate > 0 and name in self._buckets:
            now = self.clock()
            self._buckets[name] = (min(self.burst, self._tokens(name, now) + 1.0), now)

    def _tokens(self, name: str, now: float) -> float:
        tokens, at = self._buckets.get(name, (self.burst, now))
        return min(self.burst, tokens + (now - at) * self.rate)


class RateLimiter:
    """Per-key and per-IP buckets; a request takes a token from both or from neither."""

    def __init__(self, settings: ServerSettings, clock: Callable[[], float] = time.monotonic):
        self.keys = TokenBuckets(settings.rate_key_per_minute, settings.rate_key_burst, clock=clock)
        self.ips = TokenBuckets(settings.rate_ip_per_minute, settings.rate_ip_burst, clock=clock)
        self._lock = threading.Lock()

    def take(self, key: str | None, ip: str) -> float:
        """0.0 when the request may go ahead (a token is taken), else seconds to wait."""
        with self._lock:
            wait = max(self.ips.wait(ip), self.keys.wait(key) if key is not None else 0.0)
            if wait > 0:
                return wait
            self.ips.take(ip)
            if key is not None:
                self.keys.take(key)
            return 0.0


# -- middleware ---------------------------------------------------------------------------
async def send_json(
    send: Send, status: int, body: dict[str, Any], headers: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def _guarded(scope: Scope, prefixes: Sequence[str]) -> bool:
    return scope["type"] == "http" and str(scope["path"]).startswith(tuple(prefixes))


class ApiGuard:
    """Keys, CORS and rate limits for the API paths; other paths pass untouched."""

    def __init__(
        self,
        app: ASGIApp,
        policy: AccessPolicy,
        limiter: RateLimiter,
        settings: ServerSettings,
        prefixes: Sequence[str] = GUARDED_PREFIXES,
    ) -> None:
        self.app, self.policy, self.limiter = app, policy, limiter
        self.settings, self.prefixes = settings, prefixes

    def cors_headers(self, origin: str) -> list[tuple[bytes, bytes]]:
        return [
            (b"access-control-allow-origin", origin.encode("latin-1")),
            (b"vary", b"Origin"),
            (b"access-control-expose-headers", b"Retry-After, X-Request-ID"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _guarded(scope, self.prefixes):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        key = headers.get(KEY_HEADER) or (query.get("key") or [None])[0]
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(send, origin, key)
            return
        cors: list[tuple[bytes, bytes]] = []
        problem: tuple[int, str] | None = None
        if key is not None and not self.policy.known(key):
            problem = (401, f"unknown key {key!r}: use a key from REVIEWQA_WIDGET_KEYS")
        elif origin and origin != own_origin(scope, headers, self.settings):
            if key is None:
                problem = (403, f"requests from {origin} need a key (X-ReviewQA-Key or ?key=)")
            elif not self.policy.allows(key, origin):
                problem = (403, f"key {key!r} is not allowed on origin {origin}")
            else:
                cors = self.cors_headers(origin)
        elif self.settings.require_key and key is None:
            problem = (401, "this server requires a key (X-ReviewQA-Key header or ?key=)")
        if problem:
            await send_json(send, problem[0], {"error": problem[1]})
            return
        wait = self.limiter.take(key, self._client_ip(scope, headers))
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            message = f"too many requests: retry in {seconds} s"
            retry = [(b"retry-after", str(seconds).encode())]
            await send_json(send, 429, {"error": message}, [*retry, *cors])
            return
        if not cors:
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *cors]}
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _preflight(self, send: Send, origin: str | None, key: str | None) -> None:
        if not origin or not self.policy.allows(key, origin):
            await send_json(send, 403, {"error": f"origin {origin} is not allowed"})
            return
        headers = [
            *self.cors_headers(origin),
            (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
            (b"access-control-allow-headers", b"Content-Type, X-ReviewQA-Key, X-Request-ID"),
            (b"access-control-max-age", str(self.settings.cors_max_age).encode()),
        ]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    def _client_ip(self, scope: Scope, headers: Headers) -> str:
        return client_address(scope, headers.get("x-forwarded-for"), self.settings)


def own_origin(scope: Scope, headers: Headers, settings: ServerSettings) -> str:
    """The origin of the pages this server serves: its scheme and Host. Behind a trusted proxy
    (`trust_forwarded_for`) that ends TLS, the scheme is the proxy's X-Forwarded-Proto: the
    browser's page is https:// although the proxy speaks http:// to this process."""
    scheme = str(scope.get("scheme", "http"))
    forwarded = headers.get("x-forwarded-proto") if settings.trust_forwarded_for else None
    if forwarded:
        last = forwarded.split(",")[-1].strip().lower()
        scheme = last if last in ("http", "https") else scheme
    return f"{scheme}://{headers.get('host', '')}"


class BodyLimit:
    """413 when a request body is over its cap (declared or actual), on every path.

    `max_bytes` is the cap of every POST/PUT/PATCH; `caps` gives some paths their own (file
    uploads). The body is read here, so nothing behind it sees more than the cap.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, caps: Mapping[str, int] | None = None):
        self.app, self.max_bytes, self.caps = app, max_bytes, dict(caps or {})

    def _too_large(self, cap: int, size: int | None) -> dict[str, str]:
        what = f"is {size} bytes" if size is not None else "is too large"
        setting = (
            "REVIEWQA_MAX_BODY_BYTES" if cap == self.max_bytes else "REVIEWQA_MAX_UPLOAD_BYTES"
        )
        return {"error": f"request body {what}; the limit is {cap} bytes ({setting})"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        cap = self.caps.get(str(scope["path"]), self.max_bytes)
        declared = Headers(scope=scope).get("content-length")
        if declared and declared.isdigit() and int(declared) > cap:
            await send_json(send, 413, self._too_large(cap, int(declared)))
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > cap:
                await send_json(send, 413, self._too_large(cap, None))
                return
            if not message.get("more_body", False):
                break
        await self.app(scope, replaying(b"".join(chunks), receive), send)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the already-read `body` once, then defers to `receive`."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def client_address(scope: Scope, forwarded_for: str | None, settings: ServerSettings) -> str:
    """The client's IP: the connection's peer, or behind a trusted proxy the last address of
    X-Forwarded-For (the one the proxy added; those before it the client may have written)."""
    if settings.trust_forwarded_for and forwarded_for:
        last = forwarded_for.split(",")[-1].strip()
        if last:
            return last
    client = scope.get("client")
    return str(client[0]) if client else "unknown"
