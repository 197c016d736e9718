"""The HTTP server's settings: the `server` section of the one settings object (ui/settings.py).

In reviewqa.toml they are the `[server]` table; their env vars keep flat names
(REVIEWQA_ADMIN_TOKEN, not REVIEWQA_SERVER__ADMIN_TOKEN). `trusted_hosts()` is the Host
allowlist they imply.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from index.errors import ConfigError

MIN_TOKEN_CHARS = 16
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
WILDCARD_ADDRESSES = ("0.0.0.0", "::", "")


class ServerSettings(BaseModel):
    """The HTTP server's knobs; env vars are `REVIEWQA_<FIELD>`, the file table is `[server]`."""

    model_config = ConfigDict(extra="forbid")

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
        default=10 * 1024 * 1024,
        ge=1,
        description="Largest review file accepted for ingest over HTTP or by the UI, in bytes.",
    )
    max_upload_expanded_bytes: int = Field(
        default=100 * 1024 * 1024,
        ge=1,
        description="Largest size an uploaded .gz file may expand to, in bytes.",
    )
    ui_ingest: bool = Field(
        default=False,
        description="Offer 'add reviews' (file upload -> ingest) in the Gradio UI; it asks for "
        "the admin token, and needs one unless the server listens on loopback only.",
    )
    admin_token: SecretStr | None = Field(
        default=None,
        description="The secret that writes need (UI ingest, POST /api/admin/ingest); at least "
        f"{MIN_TOKEN_CHARS} characters. Unset: HTTP ingest is off.",
    )
    mcp_keys: list[SecretStr] = Field(
        default_factory=list,
        description="The keys AI assistants present to use the MCP server at /mcp "
        '(Authorization: Bearer KEY), as JSON: ["KEY", ...]; each at least '
        f"{MIN_TOKEN_CHARS} characters. Empty: /mcp refuses every request.",
    )
    chat_users: dict[str, SecretStr] = Field(
        default_factory=dict,
        description='Who may sign in to the chat UI, as JSON: {"NAME": "HASH"}, each HASH '
        "printed by `reviewqa password` (never a password). Empty: the chat needs no login. "
        "The API and the widget keep their own key rules.",
    )
    host: str = Field(
        default="127.0.0.1", description="The address the server listens on (serve --host)."
    )
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Host names clients may reach the server by (Host header), e.g. "
        '["reviews.example.org"]; "*.example.org" for subdomains, "*" for any (only behind a '
        "proxy that checks Host). Empty: the loopback names and the --host address.",
    )
    export_max_age: int = Field(
        default=3600, ge=60, description="Seconds a conversation's export files are kept."
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

    @field_validator("admin_token")
    @classmethod
    def _token_long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_TOKEN_CHARS:
            raise ValueError(
                f"the admin token must be at least {MIN_TOKEN_CHARS} characters: make one with "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return value

    @field_validator("mcp_keys")
    @classmethod
    def _mcp_keys_long_enough(cls, value: list[SecretStr]) -> list[SecretStr]:
        for key in value:
            if len(key.get_secret_value()) < MIN_TOKEN_CHARS:
                raise ValueError(
                    f"an MCP key must be at least {MIN_TOKEN_CHARS} characters: make one with "
                    "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
                )
        return value

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts_are_hosts(cls, value: list[str]) -> list[str]:
        for host in value:
            if not host or "/" in host or (host.count("*") and not _wildcard_ok(host)):
                raise ValueError(
                    f"{host!r} is not a host name: use a name like reviews.example.org, "
                    "*.example.org, an IP address, or *"
                )
        return [h.lower().strip("[]") for h in value]


def _wildcard_ok(host: str) -> bool:
    return host == "*" or (host.startswith("*.") and "*" not in host[1:])


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


def is_loopback(host: str) -> bool:
    """Is `host` (a name or address, brackets allowed) a loopback address?"""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def trusted_hosts(settings: ServerSettings) -> list[str]:
    """The Host names clients may use: `allowed_hosts`, else the loopback names and --host.

    A server listening on every address (0.0.0.0 or ::) with no `allowed_hosts` cannot know
    the names its clients use: that is a ConfigError saying what to set.
    """
    if settings.allowed_hosts:
        return list(settings.allowed_hosts)
    host = settings.host.strip("[]").lower()
    if host in WILDCARD_ADDRESSES:
        raise ConfigError(
            f"--host {settings.host or '0.0.0.0'} listens on every address, so the server cannot "
            "tell its own names from a rebinding attacker's: set REVIEWQA_ALLOWED_HOSTS to the "
            'names clients use, e.g. \'["reviews.example.org", "10.0.0.5"]\' (or \'["*"]\' '
            "behind a proxy that checks Host)"
        )
    return [*LOOPBACK_NAMES, *([host] if host not in LOOPBACK_NAMES else [])]
