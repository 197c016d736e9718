"""The rules behind the served app's defences, one function at a time (no server): which Host
names are trusted, when writes are allowed, what counts as an uploaded file, temp-file
lifetimes. The same rules are exercised end to end in test_web.py."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.errors import ConfigError
from ui.admin import (
    WriteRefused,
    check_exposure,
    check_token,
    loopback_only,
    safe_name,
    uploaded_file,
)
from ui.guards import HostGuard, is_uploaded, named_paths
from ui.scratch import PREFIX, Scratch, remove_orphans
from ui.server_settings import ServerSettings, trusted_hosts
from ui.settings import load_server_settings

TOKEN = "a-long-enough-admin-token"


def server(**values: object) -> ServerSettings:
    return ServerSettings(**values)  # type: ignore[arg-type]


# -- Host allowlist -----------------------------------------------------------------------
def test_default_hosts_are_the_loopback_names_and_the_listen_address() -> None:
    assert trusted_hosts(server()) == ["127.0.0.1", "localhost", "::1"]
    assert trusted_hosts(server(host="10.0.0.5")) == ["127.0.0.1", "localhost", "::1", "10.0.0.5"]
    assert trusted_hosts(server(host="0.0.0.0", allowed_hosts=["Reviews.Example.org"])) == [
        "reviews.example.org"
    ]


@pytest.mark.parametrize("host", ["0.0.0.0", "::", ""])
def test_listening_everywhere_needs_the_names_said(host: str) -> None:
    with pytest.raises(ConfigError, match="REVIEWQA_ALLOWED_HOSTS"):
        trusted_hosts(server(host=host))


def test_bad_host_patterns_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVIEWQA_ALLOWED_HOSTS", '["http://x.example/"]')
    with pytest.raises(ConfigError, match="is not a host name"):
        load_server_settings()
    monkeypatch.setenv("REVIEWQA_ALLOWED_HOSTS", '["a.*.example"]')
    with pytest.raises(ConfigError, match="is not a host name"):
        load_server_settings()


@pytest.mark.parametrize(
    ("header", "allowed"),
    [
        ("127.0.0.1:7860", True),
        ("localhost", True),
        ("[::1]:7860", True),
        ("LOCALHOST:80", True),
        ("evil.example:7860", False),
        ("127.0.0.1.evil.example", False),
        ("", False),
        (None, False),
    ],
)
def test_host_guard_matches_names_not_prefixes(header: str | None, allowed: bool) -> None:
    guard = HostGuard(lambda *_: None, ["127.0.0.1", "localhost", "::1"])  # type: ignore[arg-type]
    assert guard.allows(header) is allowed


def test_host_guard_wildcards() -> None:
    guard = HostGuard(lambda *_: None, ["*.example.org"])  # type: ignore[arg-type]
    assert guard.allows("a.example.org") and guard.allows("b.a.example.org:8080")
    assert not guard.allows("example.org.evil.net")


def test_serve_on_every_address_without_names_exits_2_with_the_fix(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEWQA_")}
    env["REVIEWQA_HOME"] = str(tmp_path / "home")
    done = subprocess.run(
        [sys.executable, "-m", "ui.cli", "serve", "--host", "0.0.0.0", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "REVIEWQA_ALLOWED_HOSTS" in done.stderr and "rebinding" in done.stderr


# -- who may write ------------------------------------------------------------------------
def test_ui_ingest_is_off_by_default_and_http_ingest_needs_a_token() -> None:
    settings = server()
    assert settings.ui_ingest is False and settings.admin_token is None
    with pytest.raises(WriteRefused, match="REVIEWQA_ADMIN_TOKEN") as refused:
        check_token(settings, "anything")
    assert refused.value.status == 403


def test_ui_ingest_without_a_token_only_on_loopback() -> None:
    local = server(ui_ingest=True)
    check_exposure(local)
    assert loopback_only(local)
    check_token(local, None, ui=True)  # a local demo: allowed
    with pytest.raises(WriteRefused):
        check_token(local, None)  # HTTP ingest still needs the token
    exposed = server(ui_ingest=True, host="0.0.0.0", allowed_hosts=["reviews.example.org"])
    with pytest.raises(ConfigError, match="set REVIEWQA_ADMIN_TOKEN"):
        check_exposure(exposed)
    check_exposure(exposed.model_copy(update={"admin_token": TOKEN}))


def test_the_token_is_compared_whole() -> None:
    settings = server(admin_token=TOKEN, ui_ingest=True)
    check_token(settings, TOKEN)
    check_token(settings, f"Bearer {TOKEN}")
    for wrong in (None, "", TOKEN[:-1], TOKEN + "x", f"Bearer {TOKEN[1:]}"):
        with pytest.raises(WriteRefused) as refused:
            check_token(settings, wrong, ui=True)
        assert refused.value.status == 401


def test_short_tokens_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVIEWQA_ADMIN_TOKEN", "short")
    with pytest.raises(ConfigError, match="at least 16 characters"):
        load_server_settings()


# -- uploaded files, never server paths ---------------------------------------------------
def test_only_files_inside_the_upload_folder_count_as_uploaded(tmp_path: Path) -> None:
    root = tmp_path / "uploads"
    (root / "abc").mkdir(parents=True)
    good = root / "abc" / "r.txt"
    good.write_text("# film: Up (2009)\nFine.\n")
    secret = tmp_path / "secret.txt"
    secret.write_text("private")
    (root / "abc" / "link.txt").symlink_to(secret)
    assert uploaded_file(str(good), root, 1000) == good.resolve()
    for path in (secret, root / "abc" / ".." / ".." / "secret.txt", root / "abc" / "link.txt"):
        with pytest.raises(WriteRefused, match="not uploaded here"):
            uploaded_file(str(path), root, 1000)
    with pytest.raises(WriteRefused) as too_big:
        uploaded_file(str(good), root, 5)
    assert too_big.value.status == 413
    assert is_uploaded(str(good), root)
    assert not is_uploaded(str(root / "abc" / "link.txt"), root)
    assert not is_uploaded(str(root), root)
    for url in ("http://169.254.169.254/x", "file:///etc/passwd", "//host/share/x"):
        assert not is_uploaded(url, root)


def test_every_path_of_a_gradio_payload_is_found() -> None:
    payload = {
        "data": [
            "a question",
            {"path": "/a", "meta": {"_type": "gradio.FileData"}},
            [{"files": [{"path": "/b"}]}, None, 3],
        ],
        "fn_index": 1,
    }
    assert sorted(named_paths(payload)) == ["/a", "/b"]


@pytest.mark.parametrize(
    "name", ["../x.csv", "/etc/passwd.csv", ".hidden.csv", "a/b.csv", "a.exe", "", "x" * 200]
)
def test_client_file_names_are_plain_names(name: str) -> None:
    with pytest.raises(WriteRefused):
        safe_name(name)


def test_plain_names_pass() -> None:
    assert safe_name(" reviews (2024).csv.gz ") == "reviews (2024).csv.gz"


# -- temporary files ----------------------------------------------------------------------
def test_scratch_sweeps_old_files_and_is_removed_on_close(tmp_path: Path) -> None:
    scratch = Scratch(max_age=3600, parent=tmp_path)
    old = scratch.folder("exports", "conv-1") / "quotes.csv"
    old.write_text("x")
    fresh = scratch.folder("exports", "conv-2") / "quotes.csv"
    fresh.write_text("y")
    hour_ago = time.time() - 3700
    os.utime(old, (hour_ago, hour_ago))
    assert scratch.sweep() == 1
    assert not old.exists() and not old.parent.exists() and fresh.exists()
    scratch.close()
    assert not scratch.root.exists()


def test_folders_of_dead_processes_are_removed_at_the_next_start(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    orphan = tmp_path / f"{PREFIX}{dead.pid}-abc"
    (orphan / "exports").mkdir(parents=True)
    alive = tmp_path / f"{PREFIX}{os.getpid()}-def"
    alive.mkdir()
    assert remove_orphans(tmp_path) == 1
    assert not orphan.exists() and alive.exists()


def test_an_invalid_secret_is_named_never_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVIEWQA_ADMIN_TOKEN", "hunter2-secret")  # too short: refused
    with pytest.raises(ConfigError) as refused:
        load_server_settings()
    message = str(refused.value)
    assert "REVIEWQA_ADMIN_TOKEN" in message and "at least 16 characters" in message
    assert "hunter2" not in message


def test_behind_a_trusted_tls_proxy_the_pages_origin_is_https() -> None:
    from starlette.datastructures import Headers

    from ui.security import own_origin

    scope = {"type": "http", "scheme": "http", "headers": []}
    proxied = Headers(headers={"host": "reviews.example", "x-forwarded-proto": "https"})
    trusted = ServerSettings(trust_forwarded_for=True)
    assert own_origin(scope, proxied, trusted) == "https://reviews.example"
    # without a trusted proxy the header is a client's word: ignored
    assert own_origin(scope, proxied, ServerSettings()) == "http://reviews.example"
    odd = Headers(headers={"host": "reviews.example", "x-forwarded-proto": "gopher"})
    assert own_origin(scope, odd, trusted) == "http://reviews.example"
