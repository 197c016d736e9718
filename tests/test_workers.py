"""`reviewqa serve --workers N` over one Chroma server: parallel answers, ingest while serving."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from index.ingest import ingest
from index.settings import load_settings
from tests.conftest import CORPUS, ROOT, free_port
from tests.support.servers import child_pids, spawn_serve, stop, wait_until_up

pytestmark = pytest.mark.slow


def serve_two_workers(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """`reviewqa serve --workers 2` (extractive engine) on `port`, with `env` added."""
    args = ("--workers", "2", "--engine", "extractive")
    return spawn_serve(port, *args, env={**os.environ, **env}, cwd=ROOT)


def test_two_workers_answer_while_ingest_runs(chroma_server: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    env_settings = {"REVIEWQA_CHROMA_URL": chroma_server, "REVIEWQA_COLLECTION": "workers"}
    settings = load_settings(home=home, chroma_url=chroma_server, collection="workers")
    assert ingest([CORPUS], settings).added == 26
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    limits = {"REVIEWQA_RATE_IP_PER_MINUTE": "100000", "REVIEWQA_RATE_IP_BURST": "100000"}
    proc = serve_two_workers(port, {**env_settings, **limits, "REVIEWQA_HOME": str(home)})
    try:
        assert wait_until_up(f"{url}/healthz", proc, 120), "server not ready"
        more = tmp_path / "more.csv"
        with more.open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["id", "title", "critic", "quote"])
            writer.writerows(
                [f"m{i}", "Arrival (2016)", f"Critic {i}", f"Amy Adams anchors it, take {i}."]
                for i in range(300)
            )
        ingesting = threading.Thread(target=ingest, args=([more], settings))

        def ask(_: int) -> tuple[int, list[str], int]:
            with httpx.Client(timeout=60) as client:
                r = client.post(
                    f"{url}/api/ask", json={"question": "what do critics say about Phoenix?"}
                )
                pid = client.get(f"{url}/healthz").json()["worker"]
            return r.status_code, [c["review_id"] for c in r.json().get("citations", [])], pid

        ingesting.start()
        with ThreadPoolExecutor(max_workers=4) as pool:
            answers = list(pool.map(ask, range(40)))
        ingesting.join()
        assert [status for status, _, _ in answers] == [200] * 40
        assert all(len(ids) == 2 for _, ids, _ in answers), "an answer changed during ingest"
        assert len({ids[0] for _, ids, _ in answers}) == 1
        assert len({pid for _, _, pid in answers}) == 2, "both workers should have answered"
        with httpx.Client(timeout=60) as client:
            r = client.post(
                f"{url}/api/ask", json={"question": "What do critics say about Arrival?"}
            )
        assert r.status_code == 200
        assert {c["film"] for c in r.json()["citations"]} == {"Arrival (2016)"}
    finally:
        stop(proc, grace=20)


def test_workers_need_a_chroma_server(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ui.cli", "--home", str(tmp_path), "serve", "--workers", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "REVIEWQA_CHROMA_URL"},
    )
    assert done.returncode == 2
    assert "REVIEWQA_CHROMA_URL" in done.stderr


def test_the_front_sets_the_client_address_and_drops_hop_by_hop_headers() -> None:
    from starlette.requests import Request

    from ui.balancer import forwarded_headers
    from ui.server_settings import ServerSettings

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/api/films",
        "headers": [
            (b"x-forwarded-for", b"6.6.6.6"),  # a client naming its own address
            (b"connection", b"keep-alive"),
            (b"cookie", b"reviewqa_worker=1"),
        ],
        "client": ("203.0.113.9", 50000),
    }
    headers = dict(forwarded_headers(Request(scope), ServerSettings()))
    assert headers[b"x-forwarded-for"] == b"203.0.113.9"
    assert b"connection" not in headers
    assert headers[b"cookie"] == b"reviewqa_worker=1"
    # behind a trusted balancer that appends: the address it added, not the client's claim
    scope["headers"] = [(b"x-forwarded-for", b"6.6.6.6, 198.51.100.7")]
    trusted = ServerSettings(trust_forwarded_for=True)
    headers = dict(forwarded_headers(Request(scope), trusted))
    assert headers[b"x-forwarded-for"] == b"198.51.100.7"


def test_the_pool_keeps_a_browser_on_its_worker_and_skips_dead_ones() -> None:
    from ui.balancer import Pool, Worker

    class Running:
        def poll(self) -> None:
            return None

    workers = [Worker(i, 9000 + i, {}) for i in range(3)]
    for worker in workers:
        worker.proc = Running()  # type: ignore[assignment]
        worker.healthy = True
    pool = Pool(workers)
    assert [pool.pick("2").number for _ in range(3)] == [2, 2, 2]
    assert [pool.pick(None).number for _ in range(3)] == [0, 1, 2]
    workers[2].healthy = False
    assert pool.pick("2").number in (0, 1)
    assert pool.pick("not a number").number in (0, 1)
    for worker in workers:
        worker.healthy = False
    assert pool.pick(None) is None


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_no_worker_outlives_the_front(chroma_server: str, tmp_path: Path, how: str) -> None:
    """However `serve --workers N` ends (Ctrl-C, a service manager's SIGTERM, even SIGKILL),
    its workers end with it."""
    settings = load_settings(home=tmp_path / "home", chroma_url=chroma_server, collection="end")
    assert ingest([CORPUS], settings).added == 26
    port = free_port()
    env = {
        "REVIEWQA_HOME": str(settings.home),
        "REVIEWQA_CHROMA_URL": chroma_server,
        "REVIEWQA_COLLECTION": "end",
    }
    proc = serve_two_workers(port, env)
    try:
        assert wait_until_up(f"http://127.0.0.1:{port}/healthz", proc, 120), "server not ready"
        workers = child_pids(proc.pid)
        assert len(workers) == 2
        proc.send_signal(getattr(signal, how))
        proc.wait(timeout=30)
        deadline = time.monotonic() + 20
        while any(Path(f"/proc/{pid}").exists() for pid in workers):
            assert time.monotonic() < deadline, f"workers {workers} outlived the front ({how})"
            time.sleep(0.2)
    finally:
        stop(proc)
