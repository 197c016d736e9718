"""Scale-out as docs/DEPLOY.md ships it: two `reviewqa serve` processes over one Chroma server,
Debian's nginx on loopback in front with deploy/'s configuration (rendered by
deploy/render_nginx.py), the chat in the system Chromium.

Which process answered is read from nginx's access log (deploy/'s `reviewqa` format names the
upstream of every request, and each process tried when one failed). A route cookie that
reaches a given process is found by asking /healthz, which names the process that answers."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.browser import ask_in_chat
from tests.support.reviews import COLUMNS, critic_reviews
from tests.support.servers import (
    NGINX,
    RENDER,
    Nginx,
    free_port,
    nginx_in_front,
    spawn_serve,
    stop,
    wait_until_up,
)

pytestmark = pytest.mark.skipif(
    not NGINX.exists(), reason=f"{NGINX} is absent: apt-get install nginx"
)
slow = pytest.mark.slow

COOKIE = "reviewqa_route"
COLLECTION = "nginx-test"
FIRST = "What do critics say about Phoenix in Her?"
FOLLOW_UP = "Who disliked it?"
HER_NEGATIVE = {"Rex Reed", "Mallory Test"}
UNLIMITED = ("--ip-per-minute", "100000", "--ip-burst", "100000")  # one test IP asks a lot


@dataclass
class Process:
    """One `reviewqa serve` behind nginx."""

    address: str  # HOST:PORT, as nginx's upstream names it
    proc: subprocess.Popen[bytes]
    log: Path


@dataclass
class Site:
    nginx: Nginx
    processes: list[Process]
    routes: dict[str, str]  # upstream address -> a route cookie value that reaches it
    folder: Path
    env: dict[str, str]

    def other(self, address: str) -> str:
        return next(p.address for p in self.processes if p.address != address)


def process_env(home: Path, chroma_url: str, model_cache: Path) -> dict[str, str]:
    """What every process runs with behind nginx (docs/DEPLOY.md)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEWQA_")}
    env.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
        REVIEWQA_HOME=str(home),
        REVIEWQA_MODEL_CACHE=str(model_cache),
        REVIEWQA_CHROMA_URL=chroma_url,
        REVIEWQA_COLLECTION=COLLECTION,
        REVIEWQA_ENGINE="extractive",
        REVIEWQA_RATE_IP_PER_MINUTE="0",  # the per-IP limit is nginx's
        REVIEWQA_TRUST_FORWARDED_FOR="true",
        REVIEWQA_EMBEDDING_THREADS="1",  # two processes on two cores
    )
    return env


def start_process(folder: Path, env: dict[str, str], port: int | None = None) -> Process:
    port = port or free_port()
    log = folder / f"serve-{port}.log"
    proc = spawn_serve(port, "--host", "127.0.0.1", env=env, cwd=folder, log=log)
    return Process(f"127.0.0.1:{port}", proc, log)


def wait_healthy(process: Process) -> None:
    if not wait_until_up(f"http://{process.address}/healthz", process.proc, 300):
        pytest.fail(f"{process.address} did not start:\n{process.log.read_text()[-3000:]}")


def worker(url: str, route: str | None = None) -> int:
    """The pid of the process that answers GET /healthz through nginx."""
    cookies = {COOKIE: route} if route else None
    response = httpx.get(f"{url}/healthz", cookies=cookies, timeout=30)
    assert response.status_code == 200, response.text
    pid: int = response.json()["worker"]
    return pid


def find_routes(url: str, processes: list[Process]) -> dict[str, str]:
    """A route cookie value for each process (the hash decides which; a few values do)."""
    by_pid = {p.proc.pid: p.address for p in processes}
    routes: dict[str, str] = {}
    for n in range(64):
        routes.setdefault(by_pid[worker(url, f"route-{n}")], f"route-{n}")
        if len(routes) == len(processes):
            return routes
    raise AssertionError(f"64 route cookies all reached {set(routes)}")


@pytest.fixture(scope="module")
def site(
    chroma_server: str, tmp_path_factory: pytest.TempPathFactory, model_cache: Path
) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("nginx")
    env = process_env(folder / "home", chroma_server, model_cache)
    reviews = folder / "reviews.csv"
    with reviews.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows([COLUMNS, *critic_reviews()])
    done = subprocess.run(
        [sys.executable, "-m", "ui.cli", "ingest", str(reviews)],
        env=env,
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    processes = [start_process(folder, env) for _ in range(2)]
    try:
        for process in processes:
            wait_healthy(process)
        servers = [p.address for p in processes]
        with nginx_in_front(folder / "nginx", servers, *UNLIMITED) as nginx:
            routes = find_routes(nginx.url, processes)
            yield Site(nginx, processes, routes, folder, env)
    finally:
        for process in processes:
            stop(process.proc, grace=20)


def ask(url: str, question: str, route: str | None = None, **more: Any) -> httpx.Response:
    cookies = {COOKIE: route} if route else None
    body = {"question": question, **more}
    return httpx.post(f"{url}/api/ask", json=body, cookies=cookies, timeout=60)


def answered(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    assert result["citations"] and all(c["verified"] for c in result["citations"]), result
    return result


def critics(result: dict[str, Any]) -> set[str]:
    return {c["critic"] for c in result["citations"]}


def route_of(line: dict[str, str]) -> str:
    """A log line's method and path, without the query: "POST /api/ask"."""
    method, target, _ = line["request"].split()
    return f"{method} {target.split('?')[0]}"


def asked_since(nginx: Nginx, seen: int, count: int) -> list[dict[str, str]]:
    """The access log's `count` POST /api/ask lines after its first `seen` lines (nginx
    writes a line once it has answered, so the last may come a moment after its answer)."""
    deadline = time.monotonic() + 10
    while True:
        lines = nginx.log_lines()[seen:]
        asked = [line for line in lines if route_of(line) == "POST /api/ask"]
        if len(asked) >= count or time.monotonic() > deadline:
            assert len(asked) == count, asked
            return asked
        time.sleep(0.1)


# -- the tests ------------------------------------------------------------------------------
def test_the_rendered_site_is_a_valid_nginx_configuration(tmp_path: Path) -> None:
    servers = ["--server", "127.0.0.1:7861", "--server", "[::1]:7862"]
    done = subprocess.run(
        [sys.executable, str(RENDER), "--standalone", str(tmp_path), *servers],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    command = done.stdout.split()
    checked = subprocess.run([str(NGINX), "-t", *command[1:]], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    site_text = (tmp_path / "reviewqa.conf").read_text()
    assert "{{" not in site_text and "server [::1]:7862 max_fails=1" in site_text
    refused = subprocess.run(
        [sys.executable, str(RENDER), "--server", "10.0.0.11"], capture_output=True, text=True
    )
    assert refused.returncode == 2
    assert "'10.0.0.11' is not HOST:PORT: give a process's address" in refused.stderr


@slow
def test_api_requests_spread_and_a_route_cookie_keeps_to_one_process(site: Site) -> None:
    url = site.nginx.url
    for address, route in site.routes.items():
        pids = {worker(url, route) for _ in range(5)}
        assert pids == {next(p.proc.pid for p in site.processes if p.address == address)}
    seen = len(site.nginx.log_lines())
    for _ in range(12):  # no cookie: each request goes where its own request id hashes
        response = ask(url, "Who liked Up?")
        assert critics(answered(response)) == {"Roger Ebert"}
        assert "set-cookie" not in response.headers, "the API needs no affinity"
    upstreams = {line["upstream"] for line in asked_since(site.nginx, seen, 12)}
    assert upstreams == {p.address for p in site.processes}

    page = httpx.get(url, timeout=30)  # a first visit gets its route; a return visit keeps it
    assert page.status_code == 200
    assert page.headers["set-cookie"].startswith(f"{COOKIE}=")
    assert "HttpOnly" in page.headers["set-cookie"]
    again = httpx.get(url, cookies={COOKIE: "route-0"}, timeout=30)
    assert again.status_code == 200 and "set-cookie" not in again.headers


@slow
def test_a_follow_up_is_answered_by_the_other_process(site: Site) -> None:
    url = site.nginx.url
    first_at, follow_at = list(site.routes)
    seen = len(site.nginx.log_lines())
    first = answered(ask(url, FIRST, site.routes[first_at]))
    assert {c["film"] for c in first["citations"]} == {"Her (2013)"}
    history = [{"question": FIRST, "answer": first["answer"]}]
    follow = answered(ask(url, FOLLOW_UP, site.routes[follow_at], history=history))
    assert critics(follow) == HER_NEGATIVE
    assert follow["session_id"] is None
    assert [line["upstream"] for line in asked_since(site.nginx, seen, 2)] == [first_at, follow_at]
    # without its history, the same follow-up at the same process cannot know the film
    alone = ask(url, FOLLOW_UP, site.routes[follow_at])
    assert alone.status_code == 200 and alone.json()["kind"] == "needs_film"


def chat(browser: Any, url: str, route: str | None) -> str:
    """A question and its follow-up in the Gradio chat of a new browser (holding `route`, or
    none: a first visit); returns the browser's route cookie."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    try:
        if route is not None:
            context.add_cookies([{"name": COOKIE, "value": route, "url": url}])
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector("#rq-question textarea", timeout=60_000)
        ask_in_chat(page, FIRST)
        ask_in_chat(page, FOLLOW_UP)
        answers = page.locator("#rq-transcript .rq-a")
        assert "Her (2013)" in answers.nth(0).inner_text()
        cited = set(answers.nth(1).locator(".rq-card .rq-critic").all_inner_texts())
        assert {name.split(",")[0].strip() for name in cited} == HER_NEGATIVE, cited
        kept = [c for c in context.cookies() if c["name"] == COOKIE]
        assert len(kept) == 1 and (route is not None or kept[0]["httpOnly"])
        value: str = kept[0]["value"]
        return value
    finally:
        context.close()


@slow
def test_the_gradio_chat_in_chromium_stays_with_one_process(site: Site, browser: Any) -> None:
    url = site.nginx.url
    seen = len(site.nginx.log_lines())
    fresh = chat(browser, url, None)  # nginx routes the first visit and sets the cookie
    lines = [line for line in site.nginx.log_lines()[seen:] if line["route"] == fresh]
    routes = {route_of(line) for line in lines}
    assert {"GET /", "POST /gradio_api/queue/join", "GET /gradio_api/queue/data"} <= routes
    assert all(line["status"] == "200" for line in lines), lines
    (home,) = {line["upstream"] for line in lines}
    assert home in site.routes, "every request of the browser reached one process"

    other = site.routes[site.other(home)]  # a second browser, routed to the other process
    seen = len(site.nginx.log_lines())
    assert chat(browser, url, other) == other
    lines = [line for line in site.nginx.log_lines()[seen:] if line["route"] == other]
    assert {line["upstream"] for line in lines} == {site.other(home)}


@slow
def test_the_per_ip_limit_holds_across_processes(site: Site) -> None:
    """Six requests a minute, five at once, for the address over both processes: the sixth
    pass, whichever process they reach; then 429 from nginx, while each process alone has no
    per-IP limit at all."""
    servers = [p.address for p in site.processes]
    limit = ("--ip-per-minute", "6", "--ip-burst", "5")
    with nginx_in_front(site.folder / "nginx-limited", servers, *limit) as limited:
        routes = find_routes(limited.url, site.processes)  # /healthz costs nothing
        turns = [routes[address] for address in servers] * 6
        responses = [ask(limited.url, "Who liked Up?", route) for route in turns]
        assert [r.status_code for r in responses] == [200] * 6 + [429] * 6
        refused = responses[-1]
        assert refused.headers["retry-after"] == "10"
        assert refused.json()["error"].startswith("too many requests from your address")
        upstreams = [line["upstream"] for line in asked_since(limited, 0, 12)]
        assert upstreams[:6] == [*servers] * 3 and upstreams[6:] == ["-"] * 6
        assert httpx.get(f"{limited.url}/healthz", timeout=30).status_code == 200
        preflight = httpx.options(
            f"{limited.url}/api/ask",
            headers={"Origin": "http://site.example", "Access-Control-Request-Method": "POST"},
            timeout=30,
        )
        assert preflight.status_code != 429, "preflights are free, as in the app"
        for address in servers:  # the processes themselves would answer
            assert ask(f"http://{address}", "Who liked Up?").status_code == 200


@slow
def test_both_processes_answer_while_an_ingest_writes_the_shared_index(site: Site) -> None:
    """An ingest into the store and catalog both processes read: every answer while it runs
    (four clients asking until it ends) is 200 and unchanged, and the new film is answerable
    through either process after."""
    more = site.folder / "arrival.csv"
    with more.open("w", newline="", encoding="utf-8") as out:
        rows = [
            ("Arrival (2016)", f"Critic {i}", "Gazette", "2016-11-10", "positive",
             f"Amy Adams anchors it, take {i}.")
            for i in range(300)
        ]  # fmt: skip
        csv.writer(out).writerows([COLUMNS, *rows])
    ingest = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "ingest", str(more)],
        env=site.env,
        cwd=site.folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )

    def cited_until_ingested(_: int) -> list[frozenset[str]]:
        """The cited reviews of the same question, asked again until the ingest ended."""
        answers = []
        while not answers or ingest.poll() is None:
            result = answered(ask(site.nginx.url, FIRST))
            answers.append(frozenset(c["review_id"] for c in result["citations"]))
        return answers

    seen = len(site.nginx.log_lines())
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = [a for answers in pool.map(cited_until_ingested, range(4)) for a in answers]
    output, _ = ingest.communicate(timeout=300)
    assert ingest.returncode == 0, output.decode()
    assert "300 added" in output.decode(), output.decode()
    assert len(answers) >= 40 and len(set(answers)) == 1, "an answer changed during the ingest"
    lines = asked_since(site.nginx, seen, len(answers))
    assert {line["upstream"] for line in lines} == set(site.routes)
    for route in site.routes.values():
        after = answered(ask(site.nginx.url, "What do critics say about Arrival?", route))
        assert {c["film"] for c in after["citations"]} == {"Arrival (2016)"}


@slow
def test_a_process_killed_mid_load_fails_no_request(site: Site) -> None:
    """SIGKILL one process while four clients ask: nginx sends the requests it had in flight,
    and those that find it gone, to the other one. Then it starts again on its port and takes
    requests again without an nginx reload (after nginx's fail_timeout)."""
    url = site.nginx.url
    victim, survivor = site.processes
    seen = len(site.nginx.log_lines())
    statuses: list[int] = []
    lock = threading.Lock()
    killed = threading.Event()

    def client(_: int) -> None:
        with httpx.Client(timeout=60) as http:
            for _ in range(40):
                response = http.post(f"{url}/api/ask", json={"question": "Who liked Up?"})
                with lock:
                    statuses.append(response.status_code)
                    if len(statuses) == 40:
                        victim.proc.send_signal(signal.SIGKILL)
                        killed.set()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(client, range(4)))
    assert killed.is_set() and victim.proc.wait(timeout=10) == -signal.SIGKILL
    assert statuses == [200] * 160
    lines = asked_since(site.nginx, seen, 160)
    retried = [line for line in lines if "," in line["upstream"]]
    assert retried, "some request should have found the killed process first"
    assert all(line["upstream"] == f"{victim.address}, {survivor.address}" for line in retried)

    port = int(victim.address.rsplit(":", 1)[1])
    back = start_process(site.folder, site.env, port)
    site.processes[0] = back
    wait_healthy(back)
    deadline = time.monotonic() + 60
    while worker(url, site.routes[victim.address]) != back.proc.pid:
        assert time.monotonic() < deadline, "nginx never sent the restarted process a request"
        time.sleep(0.5)
