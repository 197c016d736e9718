"""Faults of the parts: the Chroma server killed in the middle of an ingest, and the disk of the
home filling up during one. Each fails the ingest with one line that names the part and the
fix, keeps what was committed, and the same ingest run again ends exact. Through the CLI, in
subprocesses, as a user meets them."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from index.catalog import Catalog
from index.disk import full_disk_error
from index.errors import StoreError
from index.settings import Settings
from tests.conftest import ROOT
from tests.support.reviews import LANTERN_QUESTION, write_lantern_reviews
from tests.support.servers import free_port, stop, wait_until_up
from ui.settings import load_settings

REVIEWS = 400
# Chunks a commit: the ingest under test commits in several batches (a few hundred short
# reviews make one batch of the usual 1024), so that a fault lands between two commits.
BATCH_CHUNKS = 100
INGEST = (
    f"import sys, index.ingest; index.ingest.BATCH_CHUNKS = {BATCH_CHUNKS}; "
    "from ui.cli import main; sys.exit(main())"
)
QUESTION = LANTERN_QUESTION
ROOM = 5 << 19  # bytes the filler leaves on the small disk: room for some commits, not all


def environment(model_cache: Path, **settings: str) -> dict[str, str]:
    """This environment without its REVIEWQA_* settings, the model cache outside any home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEWQA_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    env["REVIEWQA_MODEL_CACHE"] = str(model_cache)
    env.update(settings)
    return env


def reviewqa(
    home: Path, *args: str, env: dict[str, str], batched: bool = False
) -> subprocess.CompletedProcess[str]:
    """`reviewqa --home HOME ARGS` run to its end (`batched`: with the small commit batches)."""
    head = ["-c", INGEST] if batched else ["-m", "ui.cli"]
    return subprocess.run(
        [sys.executable, *head, "--home", str(home), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def committed(home: Path) -> int:
    """How many reviews the catalog of `home` holds (0 before it exists)."""
    try:
        catalog = Catalog(home / "catalog.sqlite3", readonly=True)
    except StoreError:
        return 0
    try:
        return catalog.review_count()
    except sqlite3.OperationalError:  # created, its tables not yet
        return 0
    finally:
        catalog.close()


def checked(home: Path, env: dict[str, str]) -> dict[str, Any]:
    done = reviewqa(home, "check", "--json", env=env)
    assert done.returncode in (0, 1), done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def assert_exact(home: Path, env: dict[str, str]) -> None:
    """`reviewqa check` is clean, the index holds every row once, and `reviewqa ask` cites."""
    report = checked(home, env)
    assert report["ok"] is True, report["findings"]
    assert report["reviews"] == report["chunks"] == report["vectors"] == REVIEWS, report
    asked = reviewqa(home, "ask", "--engine", "extractive", "--json", QUESTION, env=env)
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["citations"]


def assert_one_line_error(done: subprocess.CompletedProcess[str], *parts: str) -> str:
    """The run failed as a user error: exit 2, one line on stderr that says `parts`."""
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    for part in parts:
        assert part in lines[0]
    return lines[0]


def assert_finished_the_rest(done: subprocess.CompletedProcess[str], kept: int) -> None:
    """The run again added what the failed one left out and kept what it committed."""
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"total: {REVIEWS - kept} added, 0 updated, {kept} unchanged," in done.stdout


def chained(error: BaseException, *outer: BaseException) -> BaseException:
    """`error` as raised inside the handlers of `outer` (innermost last): the last one up."""
    for wrapper in outer:
        wrapper.__context__ = error
        error = wrapper
    return error


def failure(kind: str) -> BaseException:
    from chromadb.errors import InternalError

    full = "database or disk is full"
    return {
        "os": OSError(errno.ENOSPC, "No space left on device"),
        "sqlite": sqlite3.OperationalError(full),
        # SQLite rolled the transaction back itself: the ROLLBACK after it fails
        "rollback": chained(
            sqlite3.OperationalError(full),
            sqlite3.OperationalError("cannot rollback - no transaction is active"),
        ),
        "chroma": chained(
            InternalError(f"Query error: error returned from database: (code: 13) {full}"),
            StoreError("Chroma failed to write the vector index: ... Run 'reviewqa repair'"),
        ),
        "compaction": InternalError("Error in compaction: Failed to apply logs"),
        "refused": chained(ConnectionRefusedError(), StoreError("Chroma does not answer")),
    }[kind]


@pytest.mark.parametrize("kind", ["os", "sqlite", "rollback", "chroma"])
def test_a_full_disk_is_named_however_a_part_says_it(kind: str, settings: Settings) -> None:
    error = full_disk_error(failure(kind), settings)
    assert isinstance(error, StoreError)
    assert str(error).startswith(f"the disk holding {settings.home} is full (")
    assert str(error).endswith(
        "free space, then run the same ingest again; what was committed is kept"
    )


def test_a_store_failing_on_a_disk_without_room_is_put_down_to_the_disk(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chroma does not always say why ("Error in compaction"): the room left tells."""
    assert full_disk_error(failure("compaction"), settings) is None
    monkeypatch.setattr("shutil.disk_usage", lambda _: SimpleNamespace(free=4096))
    error = full_disk_error(failure("compaction"), settings)
    assert error is not None and "(InternalError: Error in compaction" in str(error)
    assert full_disk_error(failure("refused"), settings) is None
    assert full_disk_error(ValueError("bad row"), settings) is None


def test_a_chroma_servers_full_disk_is_the_servers(tmp_path: Path) -> None:
    url = "http://127.0.0.1:9"
    server = load_settings(home=tmp_path / "home", chroma_url=url)
    error = full_disk_error(failure("chroma"), server)
    assert error is not None
    assert str(error).startswith(f"the disk holding the Chroma server's data ({url}) is full")
    catalog = full_disk_error(failure("sqlite"), server)  # the catalog is in the home
    assert catalog is not None and f"the disk holding {server.home} is full" in str(catalog)


class ChromaServer:
    """A `chroma run` of the test's own (the session's server must live on), on loopback:
    killed, then started again on the same data and port."""

    def __init__(self, folder: Path) -> None:
        exe = shutil.which("chroma", path=str(Path(sys.executable).parent))
        if exe is None:
            pytest.fail("the 'chroma' command is missing: pip install chromadb")
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._command = [exe, "run", "--path", str(folder / "db"), "--host", "127.0.0.1"]
        self._command += ["--port", str(self.port)]
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self.folder / "server.log"
        with log.open("ab") as sink:
            self.proc = subprocess.Popen(self._command, stdout=sink, stderr=subprocess.STDOUT)
        if not wait_until_up(f"{self.url}/api/v2/heartbeat", self.proc, 60):
            raise AssertionError(f"chroma did not start:\n{log.read_text()}")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            stop(self.proc, grace=10)


@pytest.fixture
def chroma(tmp_path: Path) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.slow
def test_chroma_killed_mid_ingest_fails_it_in_one_line_and_the_next_ingest_ends_exact(
    chroma: ChromaServer, tmp_path: Path, model_cache: Path
) -> None:
    reviews = write_lantern_reviews(tmp_path / "reviews.csv", REVIEWS)
    home = tmp_path / "home"
    env = environment(model_cache, REVIEWQA_CHROMA_URL=chroma.url)
    argv = [sys.executable, "-c", INGEST, "--home", str(home), "ingest", str(reviews)]
    with subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as ingest:
        try:
            deadline = time.monotonic() + 240
            while committed(home) == 0:  # the first batch is in: kill Chroma before the next
                assert ingest.poll() is None, "the ingest ended before the kill"
                assert time.monotonic() < deadline, "no batch committed in time"
                time.sleep(0.02)
            chroma.kill()
            out, err = ingest.communicate(timeout=300)
        finally:
            if ingest.poll() is None:
                ingest.kill()
    failed = subprocess.CompletedProcess(argv, ingest.returncode, out, err)
    assert_one_line_error(
        failed,
        f"Chroma does not answer ({chroma.url})",
        "Check that the Chroma server runs and is reachable, then run the same command again",
    )
    kept = committed(home)
    assert 0 < kept < REVIEWS

    chroma.start()
    again = reviewqa(home, "ingest", str(reviews), env=env, batched=True)
    assert_finished_the_rest(again, kept)
    assert_exact(home, env)


@pytest.mark.slow
def test_a_full_disk_fails_the_ingest_in_one_line_and_keeps_what_was_committed(
    tmp_path: Path, model_cache: Path
) -> None:
    reviews = write_lantern_reviews(tmp_path / "reviews.csv", REVIEWS)
    disk = tmp_path / "disk"
    disk.mkdir()
    try:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(disk)],
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        pytest.skip("no mount command: the test fills a small tmpfs of its own")
    if mounted.returncode != 0:
        pytest.skip(
            f"mounting a tmpfs is not permitted here ({mounted.stderr.strip()}): the test "
            "fills a small disk of its own, which needs root"
        )
    try:
        filler = disk / "filler"  # leaves room for a few batches: the ingest fails writing
        filler.write_bytes(b"\0" * (shutil.disk_usage(disk).free - ROOM))
        home = disk / "home"  # the model cache stays outside (environment())
        env = environment(model_cache)

        failed = reviewqa(home, "ingest", str(reviews), env=env, batched=True)
        line = assert_one_line_error(failed, f"the disk holding {home} is full (")
        assert line.endswith(
            "free space, then run the same ingest again; what was committed is kept"
        )
        kept = committed(home)
        assert 0 < kept < REVIEWS

        filler.unlink()  # what was committed answers; the batch being written is journaled
        asked = reviewqa(home, "ask", "--engine", "extractive", "--json", QUESTION, env=env)
        assert asked.returncode == 0 and json.loads(asked.stdout)["citations"], asked.stderr
        found = checked(home, env)  # (and in Chroma, when the catalog's commit failed)
        assert found["reviews"] == kept and not found["ok"], found
        codes = {f["code"] for f in found["findings"]}
        assert "journal" in codes and codes <= {"journal", "vector_ids"}, found
        repaired = reviewqa(home, "repair", "--json", env=env)
        assert repaired.returncode == 0, repaired.stdout + repaired.stderr
        after = json.loads(repaired.stdout)["after"]
        assert after["ok"] and after["reviews"] == after["vectors"] == kept, after

        again = reviewqa(home, "ingest", str(reviews), env=env, batched=True)
        assert_finished_the_rest(again, kept)
        assert_exact(home, env)
    finally:
        if subprocess.run(["umount", str(disk)], check=False).returncode != 0:
            subprocess.run(["umount", "--lazy", str(disk)], check=False)
