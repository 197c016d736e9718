"""The chat UI's optional login (REVIEWQA_CHAT_USERS): password hashes and `reviewqa password`,
the settings check, then a real `reviewqa serve` with login on, driven by raw HTTP (every
Gradio route refuses a client that has not signed in; guesses are limited; the cookie) and by
the system Chromium (the login page, a wrong password, the chat behind a right one)."""

from __future__ import annotations

import io
import itertools
import json
import re
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from index.errors import ConfigError
from index.settings import Settings
from tests.support.browser import NEEDS_CHROMIUM
from tests.support.servers import served
from ui import passwords
from ui.chat_login import ChatLogin, chat_users, lax_cookie, needs_login
from ui.cli import main
from ui.passwords import check_password, hash_password, parse_hash
from ui.security import TokenBuckets
from ui.server_settings import ServerSettings
from ui.settings import load_server_settings

ALICE, ALICE_PASSWORD = "alice", "alice's long password"
BOB, BOB_PASSWORD = "bob", "correct horse battery staple"
HASH_FORM = re.compile(r"^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$")
NOT_SIGNED_IN = {"error": "sign in first: the chat UI needs a login (open the chat's page)"}
WRONG = {"detail": "Incorrect credentials."}  # Gradio's answer to every failed sign-in

_clients = itertools.count(1)


def own_client() -> dict[str, str]:
    """Headers that make this request a client of its own (the server trusts XFF)."""
    return {"x-forwarded-for": f"10.7.{next(_clients)}.1"}


@pytest.fixture(scope="module")
def hashes() -> dict[str, str]:
    return {ALICE: hash_password(ALICE_PASSWORD), BOB: hash_password(BOB_PASSWORD)}


# -- hashes -------------------------------------------------------------------------------
def test_a_hash_checks_its_password_only(hashes: dict[str, str]) -> None:
    stored = hashes[ALICE]
    assert HASH_FORM.match(stored)
    assert check_password(ALICE_PASSWORD, stored)
    assert not check_password(BOB_PASSWORD, stored)
    assert not check_password(ALICE_PASSWORD + " ", stored)
    assert not check_password("", stored)
    assert hash_password(ALICE_PASSWORD) != stored  # a new salt each time


def test_the_password_is_compared_as_nfc() -> None:
    """é typed as one code point or as e + combining accent is the same password."""
    assert check_password(
        "caf\u00e9 au lait, no sugar", hash_password("cafe\u0301 au lait, no sugar")
    )


@pytest.mark.parametrize(
    ("stored", "reason"),
    [
        ("hunter2-plaintext", "it is not of the form scrypt$N$r$p$salt$hash"),
        ("bcrypt$12$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==", "it is not of the form"),
        ("scrypt$many$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==", "N, r and p must be whole"),
        ("scrypt$1024$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==", "N must be a power of two"),
        ("scrypt$20000$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==", "N must be a power of two"),
        ("scrypt$1048576$64$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==", "too much memory"),
        ("scrypt$16384$8$1$not base64!$aGFzaGhhc2hoYXNoaGFzaA==", "must be base64"),
        ("scrypt$16384$8$1$c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==", "too short"),
    ],
)
def test_a_malformed_hash_is_refused_saying_why(stored: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)) as raised:
        parse_hash(stored)
    assert stored not in str(raised.value)
    with pytest.raises(ValueError):
        check_password("whatever it is", stored)


def test_every_check_ends_in_a_constant_time_compare(
    hashes: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Right or wrong password, known or unknown user: one scrypt, one compare_digest."""
    scrypts: list[int] = []
    compares: list[tuple[bytes, bytes]] = []
    real_scrypt, real_compare = passwords.hashlib.scrypt, passwords.hmac.compare_digest

    def scrypt(*args: Any, **kwargs: Any) -> bytes:
        scrypts.append(kwargs["n"])
        return real_scrypt(*args, **kwargs)

    def compare(a: bytes, b: bytes) -> bool:
        compares.append((a, b))
        return real_compare(a, b)

    monkeypatch.setattr(passwords.hashlib, "scrypt", scrypt)
    monkeypatch.setattr(passwords.hmac, "compare_digest", compare)
    login = ChatLogin(
        {ALICE: parse_hash(hashes[ALICE])}, ServerSettings(chat_users={ALICE: hashes[ALICE]})
    )
    outcomes = [
        login.verify(ALICE, ALICE_PASSWORD),
        login.verify(ALICE, BOB_PASSWORD),
        login.verify("mallory", ALICE_PASSWORD),
        login.verify("", ""),
    ]
    assert outcomes == [True, False, False, False]
    assert scrypts == [2**14] * 4  # an unknown user costs the same work as a known one
    assert len(compares) == 4


# -- settings -----------------------------------------------------------------------------
def test_no_users_means_no_login() -> None:
    assert ChatLogin.from_settings(load_server_settings()) is None


def test_users_come_from_the_environment(
    hashes: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REVIEWQA_CHAT_USERS", json.dumps(hashes))
    settings = load_server_settings()
    assert hashes[ALICE] not in repr(settings)  # hashes are secrets in reprs and logs
    login = ChatLogin.from_settings(settings)
    assert login is not None and set(login.users) == {ALICE, BOB}


def test_a_password_in_place_of_a_hash_is_a_config_error(hashes: dict[str, str]) -> None:
    settings = ServerSettings(chat_users={ALICE: hashes[ALICE], BOB: "hunter2-plaintext"})
    with pytest.raises(ConfigError) as raised:
        chat_users(settings)
    assert str(raised.value) == (
        "REVIEWQA_CHAT_USERS: user 'bob' has no valid password hash (it is not of the form "
        "scrypt$N$r$p$salt$hash): run 'reviewqa password', type bob's password and put the "
        "line it prints in its place (never the password itself)"
    )


def test_a_user_name_nobody_could_type_is_a_config_error(hashes: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match=r"the user name ' alice' is empty or starts or ends"):
        chat_users(ServerSettings(chat_users={" alice": hashes[ALICE]}))


def test_users_that_are_not_json_are_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVIEWQA_CHAT_USERS", '{"alice": ')
    with pytest.raises(ConfigError, match=r'field "chat_users" .*: write it as JSON'):
        load_server_settings()


# -- reviewqa password --------------------------------------------------------------------
def test_password_reads_stdin_when_it_is_not_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{ALICE_PASSWORD}\n"))
    assert main(["password"]) == 0
    printed = capsys.readouterr().out.strip()
    assert HASH_FORM.match(printed) and check_password(ALICE_PASSWORD, printed)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_password_asks_twice_at_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    typed = iter([BOB_PASSWORD, BOB_PASSWORD, BOB_PASSWORD, "correct horse battery stapel"])
    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr(passwords.getpass, "getpass", lambda prompt: next(typed))
    assert main(["password"]) == 0
    out, err = capsys.readouterr()
    assert check_password(BOB_PASSWORD, out.strip())
    assert err == 'put it in REVIEWQA_CHAT_USERS as {"NAME": "<the line above>"}\n'
    assert main(["password"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == "error: the two passwords differ: run 'reviewqa password' again\n"


def test_password_refuses_a_short_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("hunter2\n"))
    assert main(["password"]) == 2
    assert capsys.readouterr().err == (
        "error: a chat password must be at least 12 characters: choose a longer one (a few "
        "random words make a good one)\n"
    )


# -- the guard's parts --------------------------------------------------------------------
def test_the_login_cookie_becomes_same_site_lax() -> None:
    gradio_secure = b"access-token-x=t; HttpOnly; Path=/; SameSite=none; Secure"
    assert lax_cookie(gradio_secure) == b"access-token-x=t; HttpOnly; Path=/; Secure; SameSite=Lax"
    assert lax_cookie(b"a=b; HttpOnly") == b"a=b; HttpOnly; SameSite=Lax"


@pytest.mark.parametrize(
    ("path", "gated"),
    [
        ("/config", True),
        ("/gradio_api/queue/join", True),
        ("/gradio_api/heartbeat/abc", True),  # Gradio itself leaves it open
        ("/gradio_api/file=/etc/hostname", True),
        ("/monitoring/abc", True),
        ("/gradio_api/login_check", False),
        ("/", False),
        ("/assets/index.js", False),
        ("/api/ask", False),
        ("/widget.js", False),
    ],
)
def test_which_paths_need_a_login(path: str, gated: bool) -> None:
    assert needs_login(path) is gated


def test_a_token_given_back_is_a_guess_not_counted() -> None:
    now = [0.0]
    buckets = TokenBuckets(per_minute=5, burst=2, clock=lambda: now[0])
    for _ in range(5):
        buckets.take("ip")
        buckets.give_back("ip")
    assert buckets.wait("ip") == 0.0
    buckets.take("ip")
    buckets.take("ip")
    assert buckets.wait("ip") == pytest.approx(12.0)


# -- a served app with login on -----------------------------------------------------------
@pytest.fixture(scope="module")
def login_server(
    corpus_home: Path,
    hashes: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
    model_cache: Path,
) -> Iterator[str]:
    """`reviewqa serve` with two chat users and UI ingest on (so that uploads reach the login
    check); each test is a client of its own through X-Forwarded-For."""
    env = {
        "REVIEWQA_MODEL_CACHE": str(model_cache),
        "REVIEWQA_CHAT_USERS": json.dumps(hashes),
        "REVIEWQA_UI_INGEST": "true",
        "REVIEWQA_TRUST_FORWARDED_FOR": "true",
    }
    with served(corpus_home, tmp_path_factory.mktemp("login-logs"), env) as (url, _):
        yield url


def sign_in(url: str, user: str, password: str, headers: dict[str, str]) -> httpx.Response:
    form = {"username": user, "password": password}
    return httpx.post(f"{url}/login", data=form, headers=headers, timeout=10)


@pytest.mark.slow
def test_every_gradio_route_refuses_a_client_that_has_not_signed_in(login_server: str) -> None:
    url, client = login_server, own_client()
    join = {"data": [], "fn_index": 0, "session_hash": "s1", "event_data": None}
    files = {"files": ("reviews.txt", b"# film: Her (2013)\nGood.\n", "text/plain")}
    refusals = {
        "config": httpx.get(f"{url}/config", headers=client),
        "info": httpx.get(f"{url}/gradio_api/info", headers=client),
        "queue/join": httpx.post(f"{url}/gradio_api/queue/join", json=join, headers=client),
        "queue/data": httpx.get(f"{url}/gradio_api/queue/data?session_hash=s1", headers=client),
        "upload": httpx.post(f"{url}/gradio_api/upload", files=files, headers=client),
        "file=": httpx.get(f"{url}/gradio_api/file=/etc/hostname", headers=client),
        "run": httpx.post(f"{url}/gradio_api/run/dropdowns", json={"data": []}, headers=client),
        "call": httpx.post(f"{url}/gradio_api/call/dropdowns", json={"data": []}, headers=client),
        "heartbeat": httpx.get(f"{url}/gradio_api/heartbeat/s1", headers=client),
        "cancel": httpx.post(f"{url}/gradio_api/cancel", json={}, headers=client),
        "app_id": httpx.get(f"{url}/gradio_api/app_id", headers=client),
        "monitoring": httpx.get(f"{url}/monitoring", headers=client),
    }
    answers = {name: (r.status_code, r.json()) for name, r in refusals.items()}
    assert answers == {name: (401, NOT_SIGNED_IN) for name in refusals}
    # A forged cookie is no login either.
    forged = {**client, "cookie": "access-token-unsecure-x=forged; access-token-x=forged"}
    assert httpx.get(f"{url}/config", headers=forged).status_code == 401
    # The page is Gradio's login form, holding none of the chat.
    page = httpx.get(f"{url}/", headers=client)
    assert page.status_code == 200 and '"auth_required":true' in page.text.replace(" ", "")
    assert "rq-question" not in page.text and "Her (2013)" not in page.text


@pytest.mark.slow
def test_a_signed_in_client_reaches_the_chat(login_server: str) -> None:
    url, client = login_server, own_client()
    signed = sign_in(url, ALICE, ALICE_PASSWORD, client)
    assert signed.status_code == 200 and signed.json() == {"success": True}
    cookies = signed.headers.get_list("set-cookie")
    assert len(cookies) == 2
    for cookie in cookies:
        attributes = [a.strip().lower() for a in cookie.split(";")]
        assert "httponly" in attributes and "samesite=lax" in attributes, cookie
    with httpx.Client(base_url=url, headers=client, cookies=signed.cookies, timeout=30) as http:
        config = http.get("/config")
        assert config.status_code == 200
        handler = next(
            d["id"] for d in config.json()["dependencies"] if d["api_name"] == "dropdowns"
        )
        session = uuid.uuid4().hex[:11]
        body = {"data": [], "fn_index": handler, "session_hash": session, "event_data": None}
        assert http.post("/gradio_api/queue/join", json=body).status_code == 200
        with http.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as s:
            messages = [json.loads(line[5:]) for line in s.iter_lines() if line.startswith("data:")]
        done = [m for m in messages if m.get("msg") == "process_completed"]
        assert done and done[0]["success"], messages
        assert "Her (2013)" in json.dumps(done[0]["output"])
        upload = http.post(
            "/gradio_api/upload", files={"files": ("r.txt", b"# film: Her (2013)\nOk.\n")}
        )
        assert upload.status_code == 200
        assert http.get("/logout", follow_redirects=False).status_code == 302
    jar = "; ".join(f"{name}={value}" for name, value in signed.cookies.items())
    stale = httpx.get(f"{url}/config", headers={**client, "cookie": jar})
    assert stale.status_code == 401  # signed out: the server forgot the token


@pytest.mark.slow
def test_a_wrong_password_gets_one_answer_whoever_the_user(login_server: str) -> None:
    url = login_server
    answers = [
        sign_in(url, ALICE, BOB_PASSWORD, own_client()),
        sign_in(url, BOB, ALICE_PASSWORD, own_client()),
        sign_in(url, "nobody-at-all", ALICE_PASSWORD, own_client()),
        sign_in(url, ALICE, "", own_client()),
    ]
    assert [(r.status_code, r.json()) for r in answers[:3]] == [(400, WRONG)] * 3
    assert answers[3].status_code == 422  # no password at all: Gradio's form check
    assert all("set-cookie" not in r.headers for r in answers)
    # A page of another site cannot sign a visitor's browser in (login CSRF).
    foreign = {**own_client(), "origin": "https://elsewhere.example"}
    assert sign_in(url, ALICE, ALICE_PASSWORD, foreign).status_code == 403


@pytest.mark.slow
def test_password_guessing_is_rate_limited_per_address(login_server: str) -> None:
    url, guesser = login_server, own_client()
    statuses = [sign_in(url, ALICE, f"guess number {n}", guesser).status_code for n in range(5)]
    assert statuses == [400] * 5
    limited = sign_in(url, ALICE, ALICE_PASSWORD, guesser)  # even the right one, for now
    assert limited.status_code == 429
    seconds = limited.headers["retry-after"]  # 12 s a guess, less what refilled meanwhile
    assert 1 <= int(seconds) <= 12
    assert limited.json() == {"error": f"too many sign-in attempts: retry in {seconds} s"}
    assert sign_in(url, ALICE, ALICE_PASSWORD, own_client()).status_code == 200  # others may
    # Signing in successfully costs nothing: a newsroom behind one address is not locked out.
    office = own_client()
    assert [sign_in(url, BOB, BOB_PASSWORD, office).status_code for _ in range(7)] == [200] * 7


@pytest.mark.slow
def test_the_api_and_the_widget_keep_their_own_rules(login_server: str) -> None:
    url = login_server
    asked = httpx.post(
        f"{url}/api/ask",
        json={"question": "Did critics like Her?"},
        headers=own_client(),
        timeout=60,
    )
    assert asked.status_code == 200 and asked.json()["citations"]
    assert httpx.get(f"{url}/widget.js", headers=own_client()).status_code == 200
    foreign = {**own_client(), "origin": "https://elsewhere.example"}
    refused = httpx.post(f"{url}/api/ask", json={"question": "Her?"}, headers=foreign)
    assert refused.status_code == 403  # no key: as without the login


def test_a_bad_hash_stops_the_app_before_it_is_built(tmp_path: Path) -> None:
    """`reviewqa serve` builds the app with create_app: it refuses before any store or model."""
    from ui.app import create_app

    server = ServerSettings(chat_users={ALICE: "hunter2-plaintext"})
    with pytest.raises(ConfigError, match=r"^REVIEWQA_CHAT_USERS: user 'alice' has no valid"):
        create_app(Settings(home=tmp_path / "home"), server=server)
    assert not (tmp_path / "home").exists()


# -- in a browser -------------------------------------------------------------------------
@pytest.mark.slow
@NEEDS_CHROMIUM
def test_the_browser_signs_in_and_asks(login_server: str, page: Any) -> None:
    page.goto(f"{login_server}/")
    page.get_by_text("Sign in to ask about the reviews.").wait_for(timeout=30_000)
    assert page.locator("#rq-question").count() == 0

    page.get_by_label("username").fill(ALICE)
    page.get_by_label("password").fill(BOB_PASSWORD)
    page.get_by_role("button", name="Login").click()
    page.get_by_text("Incorrect Credentials").wait_for(timeout=10_000)
    assert page.locator("#rq-question").count() == 0

    page.get_by_label("username").fill(ALICE)  # Gradio empties the form after a refusal
    page.get_by_label("password").fill(ALICE_PASSWORD)
    page.get_by_role("button", name="Login").click()
    page.fill("#rq-question textarea", "Did critics like Her?")  # waits for the chat
    page.keyboard.press("Enter")
    # The answer's text is read in the same check that finds it done: the transcript may be
    # re-rendered between two separate calls. The server's first answer loads the model: as
    # long as the chat tests give it (`ask_in_chat`), so a loaded CI machine does not fail it.
    answer = page.wait_for_function(
        "(() => { const a = document.querySelector('#rq-transcript .rq-a.rq-done');"
        " return a ? a.innerText : null; })()",
        timeout=60_000,
    ).json_value()
    assert "Her" in answer and "[1]" in answer, answer
    cookies = page.context.cookies()
    assert cookies and all(c["httpOnly"] and c["sameSite"] == "Lax" for c in cookies)
    # Only our own "Incorrect Credentials" 400 may show up as a console error.
    assert all("400" in e for e in page.errors), page.errors
