"""One writer per home: concurrent ingests take turns or are refused naming the holder, a
server's hold refuses outside ingests until the kernel drops it, in-process ingests share it."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from index.errors import IndexBusyError
from index.ingest import Progress, ingest
from index.lock import LOCK_FILE, hold_home, holder
from index.settings import Settings
from tests.conftest import ROOT
from ui.cli import main as cli
from ui.settings import load_settings


def write_reviews(path: Path, n: int, film: str = "Lock Film (2024)") -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "title", "critic", "quote", "fresh"])
        for i in range(n):
            quote = f"Review {i}: {'a sharp' if i % 3 else 'a dull'} film, scene {i} stays."
            writer.writerow([f"{path.stem}-{i}", film, f"Critic {i % 9}", quote, "fresh"])
    return path


def cli_ingest(home: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "--home", str(home), "ingest", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stats(home: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert cli(["--home", str(home), "stats", "--json"]) == 0
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


@pytest.fixture(scope="module", autouse=True)
def _exported_model(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> None:
    """Export the ONNX model once, so that no ingest below holds the home while exporting."""
    from index.embedders.factory import load_embedder

    home = tmp_path_factory.mktemp("warm")
    load_embedder(load_settings(home=home, model_cache=model_cache)).embed(["warm"])


# -- the lock itself ----------------------------------------------------------------------
def test_holding_creates_the_home_records_the_holder_and_clears_it(tmp_path: Path) -> None:
    home = tmp_path / "new" / "home"
    assert holder(home) is None
    with hold_home(home, "ingest") as record:
        assert record == holder(home)
        assert (record["pid"], record["purpose"]) == (os.getpid(), "ingest")
        assert json.loads((home / LOCK_FILE).read_text()) == record
        with hold_home(home, "serve"):  # re-entrant; a server in the process wins the name
            assert holder(home)["purpose"] == "serve"  # type: ignore[index]
        assert holder(home)["purpose"] == "ingest"  # type: ignore[index]
    assert holder(home) is None
    assert (home / LOCK_FILE).read_text() == ""


# -- two processes --------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("wait", [True, False], ids=["wait", "no-wait"])
def test_two_ingests_at_once_write_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], wait: bool
) -> None:
    n = 400
    reviews = write_reviews(tmp_path / "reviews.csv", n)
    home = tmp_path / "home"
    extra = ("--wait", "120") if wait else ()
    procs = [cli_ingest(home, str(reviews), *extra) for _ in range(2)]
    done = [(p, *p.communicate(timeout=180)) for p in procs]

    wrote = [d for d in done if d[0].returncode == 0 and f"{n} added" in d[1]]
    assert len(wrote) == 1, done
    writer = wrote[0][0]
    (other, out, err) = next(d for d in done if d[0] is not writer)
    if other.returncode == 0:  # it waited (or started after the first had finished)
        assert f"0 added, 0 updated, {n} unchanged" in out
    else:
        assert not wait
        assert other.returncode == 2, (out, err)
        assert err.startswith(f"error: another ingest (pid {writer.pid}, since "), err
        assert f"is writing the index in {home.resolve()}: wait for it to finish" in err
        assert "--wait" in err
    counts = stats(home, capsys)
    assert (counts["reviews"], counts["chunks"], counts["vectors"]) == (n, n, n)
    assert counts["consistent"] is True


SERVER = """
import sys, time
from index.lock import hold_home
with hold_home(sys.argv[1], "serve"):
    print("holding", flush=True)
    time.sleep(600)
"""


@pytest.mark.slow
def test_a_server_refuses_ingests_until_the_kernel_drops_its_lock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    reviews = write_reviews(tmp_path / "reviews.csv", 30)
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(home)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None and server.stdout.readline() == "holding\n"
        assert holder(home) == {
            "pid": server.pid,
            "purpose": "serve",
            "since": holder(home)["since"],  # type: ignore[index]
        }
        refused = cli_ingest(home, str(reviews))
        out, err = refused.communicate(timeout=60)
        assert refused.returncode == 2, (out, err)
        assert err.startswith(
            f"error: the index in {home.resolve()} is served by reviewqa serve "
            f"(pid {server.pid}, since "
        ), err
        assert (
            "stop the server, ingest through it (POST /api/admin/ingest with "
            "REVIEWQA_ADMIN_TOKEN), or use a Chroma server (REVIEWQA_CHROMA_URL)"
        ) in err

        started = time.monotonic()
        with pytest.raises(IndexBusyError, match=r"served by reviewqa serve .* after waiting"):
            ingest([reviews], load_settings(home=home), wait=0.5)
        assert time.monotonic() - started >= 0.5
    finally:
        server.send_signal(signal.SIGKILL)
        server.communicate()
    assert holder(home) is None  # its record stays in the file, but its process is gone

    after = cli_ingest(home, str(reviews))
    out, err = after.communicate(timeout=120)
    assert after.returncode == 0, err
    assert "total: 30 added" in out
    assert stats(home, capsys)["consistent"] is True


# -- one process ----------------------------------------------------------------------------
class _Turns:
    """Progress bars that log when each ingest writes, lingering so overlaps would show."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def factory(self, name: str) -> Any:
        turns = self

        class Bar(Progress):
            def __init__(self) -> None:
                turns.note("start", name)
                time.sleep(0.3)

            def close(self) -> None:
                turns.note("end", name)

        return lambda total: Bar()

    def note(self, event: str, name: str) -> None:
        with self._lock:
            self.log.append((event, name))


def test_ingests_run_inside_a_serving_process_one_at_a_time(
    settings: Settings, tmp_path: Path
) -> None:
    a = write_reviews(tmp_path / "a.csv", 40, "Film A (2020)")
    b = write_reviews(tmp_path / "b.csv", 40, "Film B (2021)")
    turns = _Turns()
    reports: dict[str, Any] = {}

    def run(name: str, path: Path) -> None:
        try:
            reports[name] = ingest([path], settings, progress=turns.factory(name))
        except BaseException as exc:
            reports[name] = exc

    with hold_home(settings, "serve"):
        threads = [threading.Thread(target=run, args=x) for x in (("a", a), ("b", b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert holder(settings.home)["purpose"] == "serve"  # type: ignore[index]

    assert reports["a"].added == 40 and reports["b"].added == 40, reports
    first, second = turns.log[0][1], turns.log[2][1]
    assert turns.log == [("start", first), ("end", first), ("start", second), ("end", second)]
    assert {first, second} == {"a", "b"}
    assert holder(settings.home) is None
