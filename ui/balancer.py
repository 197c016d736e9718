"""`reviewqa serve --workers N`: N one-process servers on private loopback ports, behind one
sticky front on the public port.

Why not uvicorn's own workers: they share one socket and the kernel hands each connection to
any of them, while the Gradio chat keeps a browser's session in the process that served its
page (its `queue/join` and `queue/data` requests must reach that process, or the chat fails
with "session not found"). The front pins a browser to one worker with a cookie set on the
page load; requests without the cookie (the API and the widget, which carry their own chat
history) go to the workers in turn. A worker that dies is started again; until it is healthy
its browsers move to another worker and requests go to the others.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from index.embedding import usable_cores
from index.errors import ConfigError
from ui.security import client_address
from ui.server_settings import ServerSettings, load_server_settings

if TYPE_CHECKING:
    import httpx
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

log = logging.getLogger("reviewqa.balancer")

COOKIE = "reviewqa_worker"
HOST = "127.0.0.1"
START_TIMEOUT = 600.0  # seconds for a worker to warm up (a large index on a busy machine)
# Hop-by-hop headers (RFC 9110 7.6.1) are the front's own business, never forwarded.
HOP_BY_HOP = frozenset(
    "connection keep-alive proxy-authenticate proxy-authorization te trailer "
    "transfer-encoding upgrade".split()
)


@dataclass
class Worker:
    """One `python -m ui.serve` process on a private loopback port."""

    number: int
    port: int
    env: Mapping[str, str]
    proc: subprocess.Popen[bytes] | None = None
    healthy: bool = False
    client: httpx.AsyncClient | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        command = [sys.executable, "-m", "ui.serve", "--host", HOST, "--port", str(self.port)]
        command += ["--log-level", "warning"]
        self.proc = subprocess.Popen(command, env=dict(self.env), preexec_fn=_end_with_parent)
        self.healthy = False

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def ready(self) -> bool:
        """Healthy when last checked, and its process still runs."""
        return self.healthy and self.alive()

    def stop(self, grace: float = 10.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _end_with_parent() -> None:
    """In a worker, before it runs: the kernel sends it SIGTERM when the front dies, however
    the front ends (even killed), so no worker outlives it."""
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def free_ports(n: int) -> list[int]:
    """`n` distinct free loopback ports (held open together so none repeats)."""
    import socket

    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind((HOST, 0))
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


class Pool:
    """The workers, which of them are healthy, and which one serves a request."""

    def __init__(self, workers: list[Worker]) -> None:
        self.workers = workers
        self._turns = itertools.cycle(range(len(workers)))
        self._recovering: dict[int, asyncio.Task[None]] = {}

    def pick(self, cookie: str | None) -> Worker | None:
        """The worker a browser is pinned to, else the next healthy one in turn."""
        if cookie is not None and cookie.isdigit() and int(cookie) < len(self.workers):
            pinned = self.workers[int(cookie)]
            if pinned.ready():
                return pinned
        for _ in self.workers:
            worker = self.workers[next(self._turns)]
            if worker.ready():
                return worker
        return None

    async def wait_healthy(self, worker: Worker, timeout: float = START_TIMEOUT) -> bool:
        """Poll the worker's /healthz until it answers 200; False if it exits or times out."""
        import httpx

        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=5) as http:
            while worker.alive() and time.monotonic() < deadline:
                try:
                    if (await http.get(f"{worker.url}/healthz")).status_code == 200:
                        worker.healthy = True
                        return True
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
        return False

    async def start(self) -> None:
        for worker in self.workers:
            worker.start()
        results = await asyncio.gather(*(self.wait_healthy(w) for w in self.workers))
        if not any(results):
            self.stop()
            raise ConfigError(
                "no worker became healthy: run 'reviewqa serve' without --workers to see why"
            )

    async def watch(self, every: float = 1.0) -> None:
        """Bring back any worker that exited or stopped answering (the task is cancelled at
        shutdown, so workers stopped then stay stopped)."""
        try:
            while True:
                await asyncio.sleep(every)
                for worker in self.workers:
                    if worker.healthy and worker.alive():
                        continue
                    if worker.number not in self._recovering:
                        task = asyncio.create_task(self._recover(worker))
                        self._recovering[worker.number] = task
        finally:
            for task in self._recovering.values():
                task.cancel()

    async def _recover(self, worker: Worker) -> None:
        worker.healthy = False
        try:
            if not worker.alive():
                code = worker.proc.returncode if worker.proc else None
                log.warning("worker %d exited (%s): starting it again", worker.number, code)
                worker.start()
            elif not await self.wait_healthy(worker, timeout=30):
                log.warning("worker %d does not answer: restarting it", worker.number)
                await asyncio.to_thread(worker.stop)
                worker.start()
            await self.wait_healthy(worker)
        finally:
            self._recovering.pop(worker.number, None)

    def stop(self) -> None:
        for worker in self.workers:
            if worker.alive():
                assert worker.proc is not None
                worker.proc.terminate()
        for worker in self.workers:
            worker.stop()


def worker_env(base: Mapping[str, str], workers: int) -> dict[str, str]:
    """A worker's environment: the settings, the client's IP from the front's header, and its
    share of the cores for the embedding model (threads of N processes on fewer cores only
    wait for each other), unless the settings name a thread count."""
    env = {**base, "REVIEWQA_TRUST_FORWARDED_FOR": "true"}
    if "REVIEWQA_EMBEDDING_THREADS" not in env:
        env["REVIEWQA_EMBEDDING_THREADS"] = str(max(1, usable_cores() // workers))
    return env


def forwarded_headers(request: Request, server: ServerSettings) -> list[tuple[bytes, bytes]]:
    """The request's headers for the worker: hop-by-hop ones dropped, and X-Forwarded-For set
    to the one client address the front trusts (replaced, never appended: a client cannot
    choose its own); behind a trusted balancer that is the address the balancer added."""
    headers = [
        (k, v)
        for k, v in request.headers.raw
        if k.decode("latin-1").lower() not in HOP_BY_HOP | {"x-forwarded-for"}
    ]
    client = client_address(request.scope, request.headers.get("x-forwarded-for"), server)
    headers.append((b"x-forwarded-for", client.encode("latin-1")))
    return headers


def build_front(pool: Pool, server: ServerSettings) -> Starlette:
    """The public app: every request forwarded, streamed both ways, to a worker of `pool`."""
    import httpx
    from starlette.applications import Starlette
    from starlette.background import BackgroundTask
    from starlette.responses import JSONResponse, StreamingResponse
    from starlette.routing import Route

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        limits = httpx.Limits(max_connections=256, max_keepalive_connections=64)
        for worker in pool.workers:
            worker.client = httpx.AsyncClient(
                base_url=worker.url, timeout=httpx.Timeout(None, connect=5.0), limits=limits
            )
        watcher = asyncio.create_task(pool.watch())
        try:
            yield
        finally:
            watcher.cancel()
            for worker in pool.workers:
                if worker.client is not None:
                    await worker.client.aclose()
            # uvicorn ends the process with the signal it caught right after this, so the
            # workers are stopped here, not after uvicorn.run returns
            await asyncio.to_thread(pool.stop)

    def unavailable(message: str, status: int = 503, retry_after: int = 5) -> Response:
        return JSONResponse(
            {"error": message}, status_code=status, headers={"Retry-After": str(retry_after)}
        )

    async def forward(request: Request) -> Response:
        cookie = request.cookies.get(COOKIE)
        headers = forwarded_headers(request, server)
        body = request.stream()
        for _ in pool.workers:  # a worker refusing the connection: the next one gets it
            worker = pool.pick(cookie)
            if worker is None or worker.client is None:
                return unavailable("no worker is ready: retry in a few seconds")
            upstream = worker.client.build_request(
                request.method,
                request.url.path,
                params=request.url.query.encode("latin-1"),
                headers=headers,
                content=body,
            )
            try:
                response = await worker.client.send(upstream, stream=True)
                break
            except httpx.ConnectError as exc:  # nothing was sent: safe to try another
                worker.healthy = False  # the watcher checks it and brings it back
                log.warning("worker %d refused a connection: %s", worker.number, exc)
            except httpx.TransportError as exc:
                worker.healthy = False
                log.warning("worker %d failed mid-request: %s", worker.number, exc)
                return unavailable("the worker serving this request stopped: retry", 502, 1)
        else:
            return unavailable("no worker answers: retry in a few seconds")
        out = StreamingResponse(
            response.aiter_raw(),
            status_code=response.status_code,
            background=BackgroundTask(response.aclose),
        )
        out.raw_headers = [
            (k, v) for k, v in response.headers.raw if k.decode("latin-1").lower() not in HOP_BY_HOP
        ]
        if cookie != str(worker.number) and _is_page(request):
            out.set_cookie(COOKIE, str(worker.number), httponly=True, samesite="lax")
        return out

    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    routes = [Route("/{path:path}", forward, methods=methods)]
    return Starlette(routes=routes, lifespan=lifespan)


def _is_page(request: Request) -> bool:
    """A browser loading a page (where a chat session starts), not an API or asset call."""
    return request.method == "GET" and "text/html" in request.headers.get("accept", "")


def serve_balanced(
    env: Mapping[str, str],
    *,
    host: str,
    port: int,
    workers: int,
    log_level: str = "info",
) -> None:
    """Start `workers` workers with `env`, then the front on host:port until interrupted."""
    import uvicorn

    ports = free_ports(workers)
    pool = Pool([Worker(i, p, worker_env(env, workers)) for i, p in enumerate(ports)])
    try:
        asyncio.run(pool.start())
        ready = sum(w.healthy for w in pool.workers)
        print(f"reviewqa: {ready} of {workers} workers ready", flush=True)
        uvicorn.run(
            build_front(pool, load_server_settings()),
            host=host,
            port=port,
            log_level=log_level,
            timeout_graceful_shutdown=5,
            proxy_headers=False,
        )
    finally:
        pool.stop()
