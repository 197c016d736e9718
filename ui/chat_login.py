"""The chat UI's optional login (`REVIEWQA_CHAT_USERS`): Gradio's own login page and cookie,
and what reviewqa adds around them.

    chat_users(settings)  each user's parsed hash; a ConfigError naming a bad one, at startup
    ChatLogin             Gradio's `auth` callable (an unknown user costs a hash too), the
                          per-address limit on guesses, and who a request's cookie signs in
    LoginGuard            ASGI middleware: limits POST /login, makes its cookies SameSite=Lax,
                          and refuses Gradio's routes (all but the login's own) to a client
                          that has not signed in, the routes Gradio itself leaves open too

With no users none of this is installed: the chat is open, as in `make demo`. The HTTP API
and the widget keep their own rules (keys, origins); the login covers the chat UI only.
"""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any

import anyio
from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from index.errors import ConfigError
from ui.guards import GRADIO_API
from ui.passwords import HASH_BYTES, SALT_BYTES, N, P, PasswordHash, R, parse_hash
from ui.security import TokenBuckets, client_address, send_json
from ui.server_settings import ServerSettings

LOGIN_PATHS = ("/login", "/login/")
LOGIN_BURST = 5  # sign-in attempts a client address may make at once ...
LOGIN_PER_MINUTE = 5.0  # ... then one every 12 s; a successful one is given back
CHECKS_AT_ONCE = 2  # password checks computed at the same time (16 MiB of scrypt each)
# Gradio routes the login page itself needs before anyone has signed in.
OPEN_GRADIO_ROUTES = ("login_check", "theme.css")
# Gradio routes outside /gradio_api/ that serve data (the app's config, its monitoring).
GATED_PATHS = ("/config", "/config/", "/monitoring")
LOGIN_MESSAGE = "Sign in to ask about the reviews."


def chat_users(settings: ServerSettings) -> dict[str, PasswordHash]:
    """The chat's users and their parsed hashes (empty: no login). A value that is not a hash
    made by `reviewqa password` is a ConfigError naming the user and the fix, never the value."""
    users: dict[str, PasswordHash] = {}
    for user, stored in settings.chat_users.items():
        if not user or user != user.strip():
            raise ConfigError(
                f"REVIEWQA_CHAT_USERS: the user name {user!r} is empty or starts or ends with "
                "a space, so nobody could sign in as it: write the name without them"
            )
        try:
            users[user] = parse_hash(stored.get_secret_value())
        except ValueError as exc:
            raise ConfigError(
                f"REVIEWQA_CHAT_USERS: user {user!r} has no valid password hash ({exc}): run "
                f"'reviewqa password', type {user}'s password and put the line it prints in "
                "its place (never the password itself)"
            ) from None
    return users


class ChatLogin:
    """The users, their password checks and the limit on guesses, shared by Gradio's `auth`
    callable and `LoginGuard`; `attach` finds the mounted Gradio app that holds the sessions."""

    def __init__(
        self,
        users: Mapping[str, PasswordHash],
        settings: ServerSettings,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.users = dict(users)
        self.settings = settings
        self.attempts = TokenBuckets(LOGIN_PER_MINUTE, LOGIN_BURST, clock=clock)
        # An unknown user is checked against this, so that a wrong name and a wrong password
        # take the same time and get the same answer.
        self.nobody = PasswordHash(
            N, R, P, secrets.token_bytes(SALT_BYTES), secrets.token_bytes(HASH_BYTES)
        )
        self.gradio: Any = None  # gradio.routes.App, once attached
        self._limiter: anyio.CapacityLimiter | None = None

    @classmethod
    def from_settings(cls, settings: ServerSettings) -> ChatLogin | None:
        """The login `settings` ask for; None when REVIEWQA_CHAT_USERS is empty (open chat)."""
        users = chat_users(settings)
        return cls(users, settings) if users else None

    def verify(self, username: str, password: str) -> bool:
        """Is `password` the user's? Runs one scrypt whether or not the user exists."""
        stored = self.users.get(username)
        matched = (stored or self.nobody).matches(password)
        return matched and stored is not None

    async def check(self, username: str, password: str) -> bool:
        """Gradio's `auth` callable: `verify` off the event loop, a few at a time."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(CHECKS_AT_ONCE)
        return await anyio.to_thread.run_sync(
            self.verify, username, password, limiter=self._limiter
        )

    def attach(self, app: FastAPI) -> None:
        """Find the Gradio app mounted into `app` (its sign-in tokens are the sessions)."""
        from gradio.routes import App

        self.gradio = next(
            r.app for r in app.routes if isinstance(r, Mount) and isinstance(r.app, App)
        )

    def user_of(self, headers: Headers) -> str | None:
        """The user a request's login cookie signs in, as Gradio itself reads it
        (gradio/routes.py `get_current_user`); None before `attach`."""
        if self.gradio is None:
            return None
        cookies = cookie_parser(headers.get("cookie", ""))
        cookie_id = self.gradio.cookie_id
        token = cookies.get(f"access-token-{cookie_id}") or cookies.get(
            f"access-token-unsecure-{cookie_id}"
        )
        user = self.gradio.tokens.get(token) if token else None
        return str(user) if user is not None else None


def needs_login(path: str) -> bool:
    """Does this path reach Gradio's data or handlers (not its login page and static files)?"""
    if path.startswith(GATED_PATHS):
        return True
    if path.startswith(GRADIO_API):
        return path[len(GRADIO_API) :].rstrip("/") not in OPEN_GRADIO_ROUTES
    return False


def lax_cookie(value: bytes) -> bytes:
    """A Set-Cookie value with SameSite=Lax (Gradio sets SameSite=None for iframes on other
    sites; this page refuses to be framed, and another site's requests carry no login)."""
    attributes = [a.strip() for a in value.split(b";")]
    kept = [a for a in attributes if not a.lower().startswith(b"samesite")]
    return b"; ".join([*kept, b"SameSite=Lax"])


class LoginGuard:
    """In front of the Gradio app when the chat has users: see the module's docstring."""

    def __init__(self, app: ASGIApp, login: ChatLogin) -> None:
        self.app, self.login = app, login

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if scope["type"] == "http" and scope["method"] == "POST" and path in LOGIN_PATHS:
            await self._sign_in(scope, receive, send, headers)
            return
        if needs_login(path) and self.login.user_of(headers) is None:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            error = "sign in first: the chat UI needs a login (open the chat's page)"
            await send_json(send, 401, {"error": error})
            return
        await self.app(scope, receive, send)

    async def _sign_in(self, scope: Scope, receive: Receive, send: Send, headers: Headers) -> None:
        ip = client_address(scope, headers.get("x-forwarded-for"), self.login.settings)
        attempts = self.login.attempts
        wait = attempts.wait(ip)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            error = f"too many sign-in attempts: retry in {seconds} s"
            await send_json(send, 429, {"error": error}, [(b"retry-after", str(seconds).encode())])
            return
        attempts.take(ip)

        async def send_lax(message: Message) -> None:
            if message["type"] == "http.response.start":
                if message["status"] == 200:
                    attempts.give_back(ip)  # only failed attempts count
                message = {
                    **message,
                    "headers": [
                        (name, lax_cookie(value) if name.lower() == b"set-cookie" else value)
                        for name, value in message.get("headers", [])
                    ],
                }
            await send(message)

        await self.app(scope, receive, send_lax)
