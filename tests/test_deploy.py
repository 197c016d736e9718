"""docs/DEPLOY.md, done for real on loopback: one Chroma server (the store tier), an ingest
host writing into it, the catalog copied to two worker hosts with SQLite's backup, a fake
Ollama standing for the GPU host (OLLAMA_HOST), `reviewqa serve` on each worker host and a
round-robin balancer in the test that health-checks them (nginx itself, in front of several
processes, is tests/test_nginx.py).

Worker host A reaches the store through a TCP proxy: cutting it is a network partition between
that host and the store, which A's /healthz must report so that the balancer drops it."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import free_port
from tests.support.fake_ollama import FakeOllama
from tests.support.reviews import COLUMNS, critic_reviews
from tests.support.servers import spawn_serve, stop, wait_until_up
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.slow

REVIEWS = critic_reviews()
LATER = [  # ingested while the worker hosts serve
    ("Arrival (2016)", "Manohla Dargis", "New York Times", "2016-11-10", "positive",
     "Amy Adams anchors this quiet, searching film about language and grief."),
    ("Arrival (2016)", "Rex Reed", "New York Observer", "2016-11-09", "negative",
     "Ponderous and humourless, it mistakes slowness for depth."),
]  # fmt: skip
FIRST = "What do critics say about Phoenix in Her?"
FOLLOW_UP = "Who disliked it?"
HER_NEGATIVE = {"Rex Reed", "Mallory Test"}
COLLECTION = "deploy-test"
MODEL = "llama3.2:3b"
SOURCE = re.compile(r'<source n="(\d+)" critic="([^"]*)"[^>]*>\n(.*?)\n</source>', re.S)


def gpu_model(body: dict[str, Any]) -> str:
    """The model on the GPU host. It hands a follow-up back as asked (so only the history can
    tell which film "it" is) and answers by quoting each source's opening words with its [n]."""
    prompt = str(body["messages"][-1]["content"])
    if prompt.startswith("Rewrite the follow-up question"):
        return prompt.split("Follow-up question:", 1)[1].strip().splitlines()[0]
    quotes = [
        f'{critic} wrote "{" ".join(text.split()[:5])}" [{n}].'
        for n, critic, text in SOURCE.findall(prompt)
    ]
    return " ".join(quotes) or "The reviews do not answer that."


def write_reviews(path: Path, rows: list[tuple[str, ...]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return path


def copy_catalog(source: Path, dest: Path) -> None:
    """DEPLOY.md's copy: SQLite's online backup, a consistent snapshot even while an ingest
    writes, and safe into a catalog that running servers have open."""
    exe = shutil.which("sqlite3")
    if exe is not None:
        subprocess.run([exe, str(source), f".backup '{dest}'"], check=True, capture_output=True)
        return
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(dest)) as dst:
        src.backup(dst)


def host_env(home: Path, chroma_url: str, model_cache: Path, **more: str) -> dict[str, str]:
    """A host's environment: its own REVIEWQA_HOME, the shared store and collection."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("REVIEWQA_") and k != "OLLAMA_HOST"
    }
    env.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
        REVIEWQA_HOME=str(home),
        REVIEWQA_MODEL_CACHE=str(model_cache),
        REVIEWQA_CHROMA_URL=chroma_url,
        REVIEWQA_COLLECTION=COLLECTION,
        REVIEWQA_RATE_IP_PER_MINUTE="0",  # the test's one client IP asks a lot
        **more,
    )
    return env


def reviewqa(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ui.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


@dataclass
class Server:
    """`reviewqa serve` on one worker host."""

    name: str
    url: str
    proc: subprocess.Popen[bytes]
    log: Path


def start_server(name: str, folder: Path, env: dict[str, str], *args: str) -> Server:
    port = free_port()
    log = folder / f"{name}.log"
    proc = spawn_serve(port, *args, env=env, cwd=folder, log=log)
    return Server(name, f"http://127.0.0.1:{port}", proc, log)


class RoundRobin:
    """The load balancer: each request to the next server whose last health check was 200."""

    def __init__(self, servers: list[str]) -> None:
        self.servers = servers
        self.healthy = list(servers)
        self._turn = 0

    def check(self) -> list[str]:
        def ok(url: str) -> bool:
            try:
                return httpx.get(f"{url}/healthz", timeout=10).status_code == 200
            except httpx.TransportError:
                return False

        self.healthy = [url for url in self.servers if ok(url)]
        return self.healthy

    def post(self, path: str, body: dict[str, Any]) -> tuple[str, httpx.Response]:
        server = self.healthy[self._turn % len(self.healthy)]
        self._turn += 1
        return server, httpx.post(f"{server}{path}", json=body, timeout=120)


@dataclass
class Deployment:
    folder: Path
    chroma_url: str
    ingest_home: Path
    homes: list[Path]
    store_path: TcpProxy  # host A's network path to the store
    gpu: FakeOllama
    a: Server
    b: Server
    model_cache: Path

    def ingest_env(self) -> dict[str, str]:
        return host_env(self.ingest_home, self.chroma_url, self.model_cache)


@pytest.fixture(scope="module")
def deployment(
    chroma_server: str, tmp_path_factory: pytest.TempPathFactory, model_cache: Path
) -> Iterator[Deployment]:
    folder = tmp_path_factory.mktemp("deploy")
    ingest_home, homes = folder / "ingest-host", [folder / "host-a", folder / "host-b"]
    done = reviewqa(
        "ingest",
        str(write_reviews(folder / "reviews.csv", REVIEWS)),
        env=host_env(ingest_home, chroma_server, model_cache),
        cwd=folder,
    )
    assert done.returncode == 0, done.stderr
    snapshot = folder / "transfer" / "catalog.sqlite3"  # what scp/rsync would carry
    snapshot.parent.mkdir()
    copy_catalog(ingest_home / "catalog.sqlite3", snapshot)
    for home in homes:
        home.mkdir()
        shutil.copyfile(snapshot, home / "catalog.sqlite3")
    port = int(chroma_server.rsplit(":", 1)[1])
    with TcpProxy("127.0.0.1", port) as store_path, FakeOllama([MODEL], gpu_model) as gpu:
        a_store = f"http://127.0.0.1:{store_path.port}"
        a = start_server(
            "host-a",
            folder,
            host_env(homes[0], a_store, model_cache, OLLAMA_HOST=gpu.url),
            "--engine",
            "ollama",
        )
        b = start_server(
            "host-b",
            folder,
            host_env(homes[1], chroma_server, model_cache, OLLAMA_HOST=gpu.url),
        )
        try:
            for server in (a, b):
                if not wait_until_up(f"{server.url}/healthz", server.proc, 300):
                    pytest.fail(f"{server.name} did not start:\n{server.log.read_text()[-3000:]}")
            yield Deployment(
                folder, chroma_server, ingest_home, homes, store_path, gpu, a, b, model_cache
            )
        finally:
            for server in (a, b):
                stop(server.proc, grace=30)


def health(url: str) -> tuple[int, dict[str, Any]]:
    response = httpx.get(f"{url}/healthz", timeout=30)
    return response.status_code, response.json()


def result_of_stream(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    frames = [f for f in response.text.split("\n\n") if f.startswith("event: result")]
    assert len(frames) == 1
    result: dict[str, Any] = json.loads(frames[0].split("\ndata: ", 1)[1])
    return result


def ask(url: str, question: str, **more: Any) -> dict[str, Any]:
    response = httpx.post(f"{url}/api/ask", json={"question": question, **more}, timeout=120)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def films(result: dict[str, Any]) -> set[str]:
    return {c["film"] for c in result["citations"]}


def assert_cited(result: dict[str, Any]) -> None:
    """A correct answer: written on the GPU host, every citation verified in its review."""
    assert result["engine"] == "ollama", result["engine_reason"]
    assert result["citations"] and not result["problems"]
    assert all(c["verified"] for c in result["citations"])


# -- the tests, in the order an operator would meet them ------------------------------------
def test_every_worker_host_is_healthy_over_the_same_index(deployment: Deployment) -> None:
    bodies = []
    for server in (deployment.a, deployment.b):
        status, body = health(server.url)
        assert status == 200 and body["status"] == "ok", body
        assert body["engine"]["auto"] == "ollama", body["engine"]
        bodies.append(body)
    first, second = ({k: b[k] for k in ("store", "embedding_model")} for b in bodies)
    assert first == second
    assert first["store"] == {
        "reachable": True,
        "reviews": 6,
        "chunks": 6,
        "vectors": 6,
        "films": 2,
        "consistent": True,
        "check": {"ok": True, "findings": []},
    }


def test_any_server_answers_a_follow_up_that_carries_its_history(
    deployment: Deployment,
) -> None:
    balancer = RoundRobin([deployment.a.url, deployment.b.url])
    asked, first = balancer.post("/api/ask", {"question": FIRST})
    assert first.status_code == 200, first.text
    assert_cited(first.json())
    assert {c["film"] for c in first.json()["citations"]} == {"Her (2013)"}
    history = [{"question": FIRST, "answer": first.json()["answer"]}]
    followed, response = balancer.post(
        "/api/ask/stream", {"question": FOLLOW_UP, "history": history}
    )
    assert followed != asked, "the balancer should have sent the follow-up elsewhere"
    follow = result_of_stream(response)
    assert_cited(follow)
    assert {c["critic"] for c in follow["citations"]} == HER_NEGATIVE
    assert follow["session_id"] is None
    condensed = [
        r.messages[-1]["content"]
        for r in deployment.gpu.requests_to("/api/chat")
        if "Follow-up question: Who disliked it?" in r.messages[-1]["content"]
    ]
    assert condensed and FIRST in condensed[-1], "the history should reach the GPU host"

    questions = ["Who liked Up?", "What do critics say about Samantha?", "Who disliked Up?"]
    answered = []
    for question in questions * 2:
        server, response = balancer.post("/api/ask", {"question": question})
        assert response.status_code == 200, response.text
        assert_cited(response.json())
        answered.append((server, question, {c["critic"] for c in response.json()["citations"]}))
    assert {server for server, _, _ in answered} == {deployment.a.url, deployment.b.url}
    for question in questions:  # the same answer whichever host gave it
        assert len({frozenset(critics) for _, q, critics in answered if q == question}) == 1


def test_a_session_id_follow_up_needs_the_process_that_kept_it(deployment: Deployment) -> None:
    a, b = deployment.a.url, deployment.b.url
    session = {"session_id": ask(a, FIRST)["session_id"]}
    assert {c["critic"] for c in ask(a, FOLLOW_UP, **session)["citations"]} == HER_NEGATIVE
    missed = ask(b, FOLLOW_UP, **session)  # host B never saw the session: "which film?"
    assert missed["kind"] == "needs_film" and not missed["citations"]


def test_the_gradio_chat_needs_each_browser_kept_on_one_host(deployment: Deployment) -> None:
    a, b = deployment.a.url, deployment.b.url
    config = httpx.get(f"{a}/config", timeout=30).json()
    respond = next(i for i, d in enumerate(config["dependencies"]) if len(d["inputs"]) == 5)

    def ask(join_at: str, read_at: str, session: str) -> dict[str, Any]:
        body = {
            "data": ["Who disliked Her?", "", "", "", None],
            "fn_index": respond,
            "session_hash": session,
        }
        joined = httpx.post(f"{join_at}/gradio_api/queue/join", json=body, timeout=30)
        assert joined.status_code == 200, joined.text
        url = f"{read_at}/gradio_api/queue/data"
        with httpx.stream("GET", url, params={"session_hash": session}, timeout=60) as stream:
            for line in stream.iter_lines():
                message: dict[str, Any] = json.loads(line[5:]) if line.startswith("data:") else {}
                if message.get("msg") in ("process_completed", "unexpected_error"):
                    return message
        raise AssertionError("the Gradio stream ended without a result")

    assert ask(a, a, "kept-on-a")["success"] is True
    moved = ask(a, b, "moved-to-b")
    assert moved["success"] is False and moved.get("session_not_found") is True


def test_a_refreshed_catalog_reaches_running_servers_without_a_restart(
    deployment: Deployment,
) -> None:
    a, b = deployment.a, deployment.b
    pid_a = health(a.url)[1]["worker"]
    more = write_reviews(deployment.folder / "more.csv", LATER)
    done = reviewqa("ingest", str(more), env=deployment.ingest_env(), cwd=deployment.folder)
    assert done.returncode == 0, done.stderr
    for server in (a, b):  # the vectors are in the store already, the texts not yet here
        assert health(server.url)[1]["store"]["reviews"] == 6
    question = "What do critics say about Arrival?"
    assert "Arrival (2016)" not in films(ask(a.url, question))

    snapshot = deployment.folder / "transfer" / "catalog.sqlite3"
    copy_catalog(deployment.ingest_home / "catalog.sqlite3", snapshot)
    for home in deployment.homes:  # into the live file, on each worker host
        copy_catalog(snapshot, home / "catalog.sqlite3")

    for server in (a, b):
        status, body = health(server.url)
        assert status == 200 and body["store"]["consistent"] is True
        assert (body["store"]["reviews"], body["store"]["films"]) == (8, 3)
        after = ask(server.url, question)
        assert_cited(after)
        assert films(after) == {"Arrival (2016)"}
    assert a.proc.poll() is None and health(a.url)[1]["worker"] == pid_a


def test_a_host_cut_off_from_the_store_fails_its_health_check(deployment: Deployment) -> None:
    a, b = deployment.a.url, deployment.b.url
    balancer = RoundRobin([a, b])
    assert balancer.check() == [a, b]
    deployment.store_path.cut()
    try:
        status, body = health(a)
        assert status == 503 and body["status"] == "error"
        assert body["store"]["reachable"] is False and "Chroma" in body["store"]["error"]
        assert balancer.check() == [b]
        # a question searching every film's vectors needs Chroma: the host says so
        searching = {"question": "What do critics say about Phoenix?"}
        cut_off = httpx.post(f"{a}/api/ask", json=searching, timeout=60)
        assert cut_off.status_code == 503, "a host without its store cannot search it"
        assert "Chroma does not answer" in cut_off.json()["error"]
        # one film's passages are ranked by the vectors the catalog keeps: still answered
        assert_cited(ask(a, "Who liked Up?"))
        for _ in range(3):
            server, response = balancer.post("/api/ask", {"question": "Who liked Up?"})
            assert server == b and response.status_code == 200
            assert_cited(response.json())
    finally:
        deployment.store_path.restore()
    assert health(a)[0] == 200, "the host should be healthy again once the store answers"
    assert balancer.check() == [a, b]
    assert_cited(ask(a, "Who liked Up?"))


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"REVIEWQA_CHROMA_URL": "http://127.0.0.1:{closed}"}, "cannot reach the Chroma server"),
        ({"REVIEWQA_EMBEDDING_MODEL": "/models/another"}, "was built with embedding model"),
    ],
    ids=["store-unreachable", "other-embedding-model"],
)
def test_a_worker_host_that_cannot_serve_right_does_not_start(
    deployment: Deployment, setting: dict[str, str], message: str
) -> None:
    env = host_env(deployment.homes[0], deployment.chroma_url, deployment.model_cache)
    env.update({k: v.format(closed=free_port()) for k, v in setting.items()})
    done = reviewqa("serve", "--port", str(free_port()), env=env, cwd=deployment.folder)
    assert done.returncode == 2
    assert message in done.stderr
