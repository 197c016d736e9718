"""The served app attacked from outside (issue "Safe to expose"): each finding of the security
review as a regression test against a real `reviewqa serve`, then what held and must hold.

Raw HTTP with httpx, Gradio's own queue protocol spoken by hand (tests.support.gradio_wire),
and the CLI as a second writer. Browser-side checks live in test_web_browser.py.
"""

from __future__ import annotations

import gzip
import io
import itertools
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.security.conftest import ADMIN_TOKEN
from tests.support import gradio_wire as wire

pytestmark = pytest.mark.slow

_clients = itertools.count(1)


def own_client() -> dict[str, str]:
    """Headers that make this request a client of its own (the admin server trusts XFF)."""
    return {"x-forwarded-for": f"10.9.{next(_clients)}.1"}


def bearer(token: str = ADMIN_TOKEN) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", **own_client()}


def review_count(url: str) -> int:
    return int(httpx.get(f"{url}/api/stats", headers=own_client(), timeout=10).json()["reviews"])


def quotes_for(url: str, question: str) -> list[str]:
    body = {"question": question, "k": 20}
    response = httpx.post(f"{url}/api/ask", json=body, headers=own_client(), timeout=60)
    assert response.status_code == 200, response.text
    return [c["quote"] for c in response.json()["citations"]]


def peak_rss_kib(url: str) -> int:
    """The serving process's peak resident memory (VmHWM), found by its /healthz pid."""
    pid = httpx.get(f"{url}/healthz", timeout=10).json()["worker"]
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc/PID/status")


# -- High: arbitrary local file read ------------------------------------------------------
def test_a_server_path_sent_as_file_data_is_never_read(
    admin_server: tuple[str, Path], secret_file: Path
) -> None:
    """Finding: queue/join with {"path": "/some/server/file.txt"} made the server ingest it and
    serve its cached copy. Now the call is refused before Gradio touches the file, whatever
    the spelling (plain, `..`, a URL), even with the right admin token."""
    url, _ = admin_server
    before = review_count(url)
    handler = wire.fn_index(url, "on_add_reviews")
    assert handler is not None
    dotted = str(secret_file.parent / ".." / secret_file.parent.name / secret_file.name)
    for path in (str(secret_file), dotted, "file://" + str(secret_file), "http://10.0.0.1/a.txt"):
        response, _ = wire.join(url, handler, [wire.file_data(path), ADMIN_TOKEN], **own_client())
        assert response.status_code == 403, (path, response.text)
        assert "must be uploaded first" in response.json()["error"]
    assert review_count(url) == before
    assert not any("SECRET LINE" in q for q in quotes_for(url, "SECRET LINE never quoted"))
    leaked = httpx.get(f"{url}/gradio_api/file={secret_file}", headers=own_client(), timeout=10)
    assert leaked.status_code != 200 and "SECRET LINE" not in leaked.text


def test_the_default_server_takes_no_writes(default_server: str, secret_file: Path) -> None:
    """Finding: UI ingest was on by default with no secret. Now the default server has no
    ingest handler, no uploads, and HTTP ingest is off."""
    url = default_server
    assert wire.fn_index(url, "on_add_reviews") is None
    assert "Add reviews" not in httpx.get(f"{url}/config", timeout=10).text
    upload = wire.upload(url, "poison.txt", b"# film: Her (2013)\nPoison Pete loved it.\n")
    assert upload.status_code == 403 and "uploads are off" in upload.json()["error"]
    response = httpx.post(
        f"{url}/api/admin/ingest",
        params={"name": "poison.txt"},
        content=b"# film: Her (2013)\nPoison Pete loved it.\n",
        headers={"authorization": "Bearer anything-at-all-here"},
        timeout=30,
    )
    assert response.status_code == 403 and "REVIEWQA_ADMIN_TOKEN" in response.json()["error"]
    assert review_count(url) == 26


# -- High: index poisoning ----------------------------------------------------------------
POISON = b"# film: Her (2013)\nPoison Pete of Attacker Daily says Phoenix is a fraud.\n"


def test_ui_ingest_needs_the_admin_token(admin_server: tuple[str, Path]) -> None:
    """Finding: anyone reaching the page (or gradio_client) added reviews cited as verified.
    Now an uploaded file is ingested only with the admin token."""
    url, _ = admin_server
    before = review_count(url)
    for token in ("", "wrong-token-of-enough-length"):
        uploaded = wire.upload(url, "poison.txt", POISON)
        assert uploaded.status_code == 200, uploaded.text
        message = wire.call(url, "on_add_reviews", [wire.file_data(uploaded.json()[0]), token])
        assert message["output"]["data"][0].startswith("refused: the admin token is missing")
    assert review_count(url) == before
    assert not any("Poison Pete" in q for q in quotes_for(url, "Phoenix in Her Poison Pete"))

    good = b"# film: Her (2013)\nThe token holder's review: Phoenix is superb and unguarded.\n"
    uploaded = wire.upload(url, "newsroom.txt", good)
    message = wire.call(url, "on_add_reviews", [wire.file_data(uploaded.json()[0]), ADMIN_TOKEN])
    report = message["output"]["data"][0]
    assert "newsroom.txt: 1 reviews (film from first line): 1 added" in report
    assert "/tmp" not in report  # the report names the file, not the server's folders
    assert review_count(url) == before + 1


def test_http_ingest_needs_the_token_and_takes_a_name_not_a_path(
    admin_server: tuple[str, Path],
) -> None:
    url, _ = admin_server
    endpoint = f"{url}/api/admin/ingest"
    body = b"film,critic,text\nHer (2013),Desk Critic,An ingest over HTTP with the token.\n"
    before = review_count(url)
    for headers in (own_client(), bearer("not-the-right-token-at-all")):
        refused = httpx.post(endpoint, params={"name": "a.csv"}, content=body, headers=headers)
        assert refused.status_code == 401, refused.text
        assert "Authorization: Bearer TOKEN" in refused.json()["error"]
    for name in ("../../etc/cron.d/x.csv", "/etc/passwd.csv", ".hidden.csv", "a.exe"):
        refused = httpx.post(endpoint, params={"name": name}, content=body, headers=bearer())
        assert refused.status_code == 422, (name, refused.text)
    assert review_count(url) == before
    done = httpx.post(endpoint, params={"name": "desk.csv"}, content=body, headers=bearer())
    assert done.status_code == 200, done.text
    report = done.json()
    assert (report["added"], report["failed"]) == (1, False)
    assert report["files"][0]["name"] == "desk.csv"
    assert review_count(url) == before + 1
    assert any("ingest over HTTP" in q for q in quotes_for(url, "Desk Critic on Her"))


# -- High: memory exhaustion --------------------------------------------------------------
def gz_bomb(expanded_bytes: int) -> bytes:
    """A .jsonl.gz whose text is `expanded_bytes` long: one valid row, then blank lines."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as gz:
        gz.write(b'{"film": "Her (2013)", "text": "Fine."}\n')
        block = b"\n" * (1 << 20)
        for _ in range(expanded_bytes // len(block)):
            gz.write(block)
    return out.getvalue()


def test_a_gzip_bomb_is_stopped_at_the_expanded_cap(admin_server: tuple[str, Path]) -> None:
    """Finding: a 1 MB .jsonl.gz expanding to 1 GB took the server from 393 MB to 2.44 GB.
    Now decompression stops at REVIEWQA_MAX_UPLOAD_EXPANDED_BYTES (2 MB here)."""
    url, _ = admin_server
    bomb = gz_bomb(1 << 30)  # the finding's 1 GB, in about 1 MB
    assert len(bomb) < 1_200_000  # under the upload cap: only the expansion is too big
    peak_before = peak_rss_kib(url)
    done = httpx.post(
        f"{url}/api/admin/ingest",
        params={"name": "bomb.jsonl.gz"},
        content=bomb,
        headers=bearer(),
        timeout=120,
    )
    assert done.status_code == 200, done.text
    report = done.json()
    assert report["failed"] and report["added"] == 0
    error = report["files"][0]["error"]
    assert "2000000" in error.replace(",", "") and "REVIEWQA_MAX_UPLOAD_EXPANDED_BYTES" in error
    assert peak_rss_kib(url) - peak_before < 100 * 1024  # not 1 GB more


def test_uploads_over_the_cap_are_refused(admin_server: tuple[str, Path]) -> None:
    url, _ = admin_server
    big = b"# film: Her (2013)\n" + b"A long line of review text.\n" * 60_000  # ~1.7 MB
    response = httpx.post(
        f"{url}/api/admin/ingest", params={"name": "big.txt"}, content=big, headers=bearer()
    )
    assert response.status_code == 413 and "REVIEWQA_MAX_UPLOAD_BYTES" in response.text
    files = {"files": ("big.txt", big, "text/plain")}
    upload = httpx.post(f"{url}/gradio_api/upload", files=files, headers=own_client())
    assert upload.status_code == 413


# -- Medium: DNS rebinding and local pages ------------------------------------------------
def test_foreign_host_names_are_refused(default_server: str) -> None:
    """Finding: no Host allowlist, so a rebinding page (its own name, our address) reached
    /api/ask and the Gradio routes. Now only loopback names (and --host) are answered."""
    url = default_server
    port = url.rsplit(":", 1)[1]
    for path in ("/", "/api/films", "/widget/demo", "/config", "/healthz"):
        response = httpx.get(f"{url}{path}", headers={"host": f"evil.example:{port}"})
        assert response.status_code == 400, path
        assert "REVIEWQA_ALLOWED_HOSTS" in response.json()["error"]
    asked = httpx.post(
        f"{url}/api/ask",
        json={"question": "Who disliked Her?"},
        headers={
            "host": f"rebind.attacker.example:{port}",
            "origin": "http://rebind.attacker.example",
        },
    )
    assert asked.status_code == 400
    for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
        assert httpx.get(f"{url}/api/films", headers={"host": host}).status_code == 200


def test_gradio_routes_answer_their_own_origin_only(default_server: str) -> None:
    """Finding: Gradio's CORS let any http://localhost:* page call the UI with credentials."""
    url = default_server
    handler = wire.fn_index(url, "dropdowns")
    assert handler is not None
    for origin in ("http://localhost:5173", "http://127.0.0.1:1", "null", "https://evil.example"):
        response, _ = wire.join(url, handler, [], origin=origin)
        assert response.status_code == 403, origin
        assert "access-control-allow-origin" not in response.headers
        preflight = httpx.options(
            f"{url}/gradio_api/queue/join",
            headers={"origin": origin, "access-control-request-method": "POST"},
        )
        assert preflight.status_code == 403
        assert "access-control-allow-origin" not in preflight.headers
    same, _ = wire.join(url, handler, [], origin=url)
    assert same.status_code == 200


# -- Medium: the Gradio queue bypassed the API's limits ------------------------------------
def test_the_gradio_queue_is_rate_limited_like_the_api(admin_server: tuple[str, Path]) -> None:
    """Finding: 30 answers in 1.1 s through queue/join from one address (the API allows 20)."""
    url, _ = admin_server
    handler = wire.fn_index(url, "dropdowns")
    assert handler is not None
    client = own_client()
    started = time.monotonic()
    responses = [wire.join(url, handler, [], **client)[0] for _ in range(30)]
    refilled = int(time.monotonic() - started) + 1  # 60 a minute: one a second comes back
    statuses = [response.status_code for response in responses]
    assert statuses[:20] == [200] * 20
    assert 429 in statuses and statuses.count(200) <= 20 + refilled
    # a refused join says when to come back (read from the burst's own refusal: a join sent
    # after it may find a token refilled on a slow machine)
    limited = responses[statuses.index(429)]
    assert int(limited.headers["retry-after"]) >= 1


def test_gradio_bodies_are_capped(default_server: str) -> None:
    """Finding: a 50 MB JSON body to the Gradio routes was accepted."""
    big = {"data": ["x" * (2 << 20)], "fn_index": 0, "session_hash": "abc"}
    response = httpx.post(f"{default_server}/gradio_api/queue/join", json=big, timeout=30)
    assert response.status_code == 413
    assert "REVIEWQA_MAX_BODY_BYTES" in response.json()["error"]


# -- Low: security headers ----------------------------------------------------------------
@pytest.mark.parametrize("path", ["/", "/widget/demo", "/docs"])
def test_html_pages_carry_security_headers(default_server: str, path: str) -> None:
    response = httpx.get(f"{default_server}{path}")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "connect-src 'self'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    if path == "/widget/demo":
        assert "script-src 'self';" in csp  # no inline script on the embed demo


def test_api_answers_carry_nosniff(default_server: str) -> None:
    response = httpx.get(f"{default_server}/api/films")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in response.headers  # JSON, not a page


# -- Low: temporary files -----------------------------------------------------------------
def scratch_folders(pid: int) -> list[Path]:
    import tempfile

    return list(Path(tempfile.gettempdir()).glob(f"reviewqa-{pid}-*"))


def test_the_process_folder_is_removed_on_exit(tmp_path: Path, model_cache: Path) -> None:
    """Finding: every start left a /tmp/reviewqa-exports-* folder behind."""
    from index.ingest import ingest
    from index.settings import Settings
    from tests.support.servers import served

    reviews = tmp_path / "up.txt"
    reviews.write_text("# film: Up (2009)\nA lovely balloon ride.\n", encoding="utf-8")
    home = tmp_path / "home"
    assert ingest([reviews], Settings(home=home)).added == 1
    env = {"REVIEWQA_MODEL_CACHE": str(model_cache), "REVIEWQA_WARM_UP": "false"}
    with served(home, tmp_path, env) as (url, proc):
        assert len(scratch_folders(proc.pid)) == 1
        assert httpx.get(f"{url}/healthz").status_code == 200
    assert proc.returncode is not None
    assert scratch_folders(proc.pid) == []


# -- Reliability: a second writer ---------------------------------------------------------
def test_cli_ingest_refuses_while_the_server_holds_the_embedded_store(
    default_server: str, corpus_home: Path, tmp_path: Path, model_cache: Path
) -> None:
    """Finding: a CLI ingest into the embedded store under a running server made questions
    about the new film fail with 500 until restart. Now the CLI refuses with the fix."""
    new = tmp_path / "coco.txt"
    new.write_text("# film: Coco (2017)\nA joyous film about family.\n", encoding="utf-8")
    env = {
        "HF_HUB_OFFLINE": "1",
        "REVIEWQA_HOME": str(corpus_home),
        "REVIEWQA_MODEL_CACHE": str(model_cache),
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-m", "ui.cli", "ingest", str(new)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "reviewqa serve" in done.stderr and "stop the server" in done.stderr
    health = httpx.get(f"{default_server}/healthz").json()
    assert health["store"]["consistent"] is True and health["store"]["reviews"] == 26
    assert quotes_for(default_server, "What do critics say about Phoenix?")


# -- What held, and must keep holding -----------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "/gradio_api/file=/etc/passwd",
        "/gradio_api/file=../../../../etc/passwd",
        "/gradio_api/file=%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/gradio_api/file=/proc/self/environ",
    ],
)
def test_no_file_traversal(default_server: str, path: str) -> None:
    response = httpx.get(f"{default_server}{path}")
    assert response.status_code in (400, 403, 404)
    assert "root:" not in response.text


def test_oversized_and_odd_requests_get_clear_4xx(default_server: str) -> None:
    url = default_server
    ask = f"{url}/api/ask"
    assert httpx.post(ask, json={"question": "x" * 5000}).status_code == 422
    assert httpx.post(ask, content=b"{" + b" " * 100_000 + b"}").status_code == 413
    history = [{"question": "Who liked Her?", "answer": "Some did."}] * 100
    assert httpx.post(ask, json={"question": "And who not?", "history": history}).status_code == 422
    fts = httpx.post(ask, json={"question": 'Phoenix NEAR( "OR * AND"'}, timeout=60)
    assert fts.status_code == 200
    foreign = httpx.post(ask, json={"question": "Who?"}, headers={"origin": "https://x.example"})
    assert foreign.status_code == 403


def test_an_abandoned_stream_leaves_the_server_answering(default_server: str) -> None:
    url = default_server
    body: dict[str, Any] = {"question": "What do critics say about Phoenix?"}
    with httpx.stream("POST", f"{url}/api/ask/stream", json=body, timeout=30) as stream:
        for _ in stream.iter_lines():
            break  # walk away mid-answer
    assert httpx.get(f"{url}/healthz").status_code == 200
    assert quotes_for(url, "Who disliked Her?") is not None


def test_unique_session_hashes_do_not_matter_to_limits(default_server: str) -> None:
    """Limits are per address, not per Gradio session: new session hashes buy nothing."""
    handler = wire.fn_index(default_server, "dropdowns")
    assert handler is not None
    codes = {
        wire.join(default_server, handler, [], session=uuid.uuid4().hex[:11])[0].status_code
        for _ in range(40)
    }
    assert 429 in codes
