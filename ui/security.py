"""Who may call the HTTP API, from which web origins, and how often.

    ServerSettings   the server's own knobs (REVIEWQA_* env vars, `[server]` in reviewqa.toml)
    AccessPolicy     widget keys and the origins each may be used from
    RateLimiter      token buckets per key and per client IP, in memory
    ApiGuard         ASGI middleware: key check, CORS (preflight too), rate limit
    BodyLimit        ASGI middleware: 413 for request bodies over the cap

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
from urllib.parse import parse_qs, urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from index.errors import ConfigError
from index.settings import read_config

DEMO_KEY = "demo"
DEMO_ORIGINS = ("http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*")
KEY_HEADER = "x-reviewqa-key"
GUARDED_PREFIXES = ("/api/", "/v1/")


class ServerSettings(BaseSettings):
    """The HTTP server's knobs; env vars are `REVIEWQA_<FIELD>`, the file table is `[server]`."""

    model_config = SettingsConfigDict(env_prefix="REVIEWQA_", extra="ignore")

    widget_keys: dict[str, list[str]] = Field(
        default_factory=dict,
        description=(
            'Widget/API keys and the web origins each may be used from, as JSON: {"KEY": '
            '["https://site.example", "http://localhost:*"]} (":*" = any port, "*" = any '
            "origin). Empty: the local-only key 'demo' for http://127.0.0.1 / localhost."
        ),
    )
    require_key: bool = Field(
        default=False,
        description="Every /api and /v1 request must present a known key, same-origin too.",
    )
    rate_key_per_minute: float = Field(
        default=600.0,
        ge=0,
        description="Requests per minute refilled per key, its visitors together (0 = no limit).",
    )
    rate_key_burst: int = Field(default=100, ge=1, description="Requests a key may make at once.")
    rate_ip_per_minute: float = Field(
        default=60.0, ge=0, description="Requests per minute refilled per client IP (0 = no limit)."
    )
    rate_ip_burst: int = Field(default=20, ge=1, description="Requests an IP may make at once.")
    trust_forwarded_for: bool = Field(
        default=False,
        description="Take the client IP from X-Forwarded-For (only behind a trusted proxy): "
        "the last address, the one that proxy added.",
    )
    max_question_chars: int = Field(
        default=1000, ge=1, description="Longest question accepted, in characters."
    )
    max_body_bytes: int = Field(
        default=65_536, ge=256, description="Largest /api or /v1 request body, in bytes."
    )
    cors_max_age: int = Field(
        default=600, ge=0, description="Seconds a browser may cache a CORS preflight answer."
    )
    max_sessions: int = Field(
        default=10_000, ge=1, description="Chat sessions kept in memory (least recent dropped)."
    )
    gradio_concurrency: int = Field(
        default=4, ge=1, description="Gradio chat answers computed at the same time."
    )
    max_upload_bytes: int = Field(
        default=200 * 1024 * 1024, ge=1, description="Largest review file the UI accepts."
    )
    ui_ingest: bool = Field(
        default=True, description="Offer 'add reviews' (file upload -> ingest) in the Gradio UI."
    )
    warm_up: bool = Field(
        default=True,
        description="Answer one question at startup (loads the model, the names and the "
        "vector index) so that the first user does not wait; the server listens after it.",
    )

    @field_validator("widget_keys")
    @classmethod
    def _origins_are_origins(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for key, origins in value.items():
            if not key.strip():
                raise ValueError("a widget key must not be empty")
            for origin in origins:
                if not _valid_pattern(origin):
                    raise ValueError(
                        f"widget key {key!r}: {origin!r} is not an origin: use scheme://host, "
                        "scheme://host:port, scheme://host:* or *"
                    )
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        table = _server_table()
        return (init_settings, env_settings, InitSettingsSource(settings_cls, table))


def _server_table() -> dict[str, Any]:
    """The `[server]` table of reviewqa.toml (or of $REVIEWQA_CONFIG)."""
    table = read_config().get("server", {})
    return table if isinstance(table, dict) else {}


def load_server_settings(**overrides: Any) -> ServerSettings:
    """Server settings from defaults, the `[server]` table, env vars and `overrides`."""
    try:
        return ServerSettings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        raise ConfigError(f"invalid server settings: {exc}") from exc


# -- keys and origins ---------------------------------------------------------------------
def _valid_pattern(pattern: str) -> bool:
    if pattern == "*":
        return True
    parts = urlsplit(pattern.replace(":*", ":1"))
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and parts.path in ("", "/")
        and not parts.query
        and not parts.fragment
    )


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
        elif origin and origin != _own_origin(scope, headers):
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


def _own_origin(scope: Scope, headers: Headers) -> str:
    return f"{scope.get('scheme', 'http')}://{headers.get('host', '')}"


class BodyLimit:
    """413 when a request body on the API paths is over `max_bytes` (declared or actual)."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, prefixes: Sequence[str] = GUARDED_PREFIXES
    ) -> None:
        self.app, self.max_bytes, self.prefixes = app, max_bytes, prefixes

    def _too_large(self, size: int | None) -> dict[str, str]:
        what = f"is {size} bytes" if size is not None else "is too large"
        return {
            "error": f"request body {what}; the limit is {self.max_bytes} bytes "
            "(REVIEWQA_MAX_BODY_BYTES)"
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _guarded(scope, self.prefixes) or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            await send_json(send, 413, self._too_large(int(declared)))
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                await send_json(send, 413, self._too_large(None))
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def client_address(scope: Scope, forwarded_for: str | None, settings: ServerSettings) -> str:
    """The client's IP: the connection's peer, or behind a trusted proxy the last address of
    X-Forwarded-For (the one the proxy added; those before it the client may have written)."""
    if settings.trust_forwarded_for and forwarded_for:
        last = forwarded_for.split(",")[-1].strip()
        if last:
            return last
    client = scope.get("client")
    return str(client[0]) if client else "unknown"
