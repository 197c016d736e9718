"""Ingest end to end with the real embedding model and a real Chroma (embedded and server)."""

from __future__ import annotations

import csv
import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.errors import ConfigError, StoreError
from index.ingest import ingest
from index.settings import Settings
from index.stats import collect_stats
from index.store import open_index
from tests.conftest import CORPUS, ROOT
from ui.cli import main as cli
from ui.settings import load_settings

LONG_REVIEW = " ".join(
    f"Sentence number {i} talks about the film and its {word} at some length here."
    for i, word in enumerate(["score", "cast", "light", "editing", "pace"] * 8)
)


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def rows(n: int, film: str = "Test Film", prefix: str = "r") -> list[dict[str, str]]:
    return [
        {
            "id": f"{prefix}{i}",
            "title": film,
            "critic": f"Critic {i % 7}",
            "publication": f"Outlet {i % 5}",
            "quote": f"Review {i}: the film is {'great' if i % 3 else 'dull'} in way {i}.",
            "fresh": "fresh" if i % 3 else "rotten",
            "review_date": "2013-12-18",
        }
        for i in range(n)
    ]


def assert_consistent(settings: Settings) -> None:
    index = open_index(settings)
    try:
        catalog_ids = index.catalog.all_chunk_ids()
        assert index.vectors.all_ids() == catalog_ids
        assert index.catalog.pending() == {}
        db = sqlite3.connect(f"file:{settings.catalog_path}?mode=ro", uri=True)
        (orphans,) = db.execute(
            "SELECT count(*) FROM chunks WHERE review_id NOT IN (SELECT id FROM reviews)"
        ).fetchone()
        db.close()
        assert orphans == 0
    finally:
        index.close()


def test_seed_corpus_is_26_reviews_of_her(store_settings: Settings) -> None:
    report = ingest([CORPUS], store_settings)
    assert [f.film_from for f in report.files] == ["first line"]
    assert (report.added, report.skipped, report.failed) == (26, 0, False)
    index = open_index(store_settings)
    stats = collect_stats(index).to_json()
    index.close()
    assert stats["reviews"] == 26
    assert stats["chunks"] == 26
    assert stats["films"] == 1
    assert stats["per_film"] == {"Her (2013)": {"reviews": 26, "positive": 0, "negative": 0}}
    assert_consistent(store_settings)


def test_reingest_is_idempotent_and_changes_replace_chunks(
    store_settings: Settings, tmp_path: Path
) -> None:
    data = rows(40)
    data[3]["quote"] = LONG_REVIEW
    path = write_csv(tmp_path / "reviews.csv", data)
    first = ingest([path], store_settings)
    assert (first.added, first.updated, first.unchanged) == (40, 0, 0)
    index = open_index(store_settings)
    long_chunks = index.catalog.chunk_ids_of(["r3"])["r3"]
    assert len(long_chunks) >= 3
    index.close()

    again = ingest([path], store_settings)
    assert (again.added, again.updated, again.unchanged, again.chunks_written) == (0, 0, 40, 0)

    data[3]["quote"] = "Now a short review."
    data[5]["fresh"] = "rotten"
    write_csv(path, data)
    changed = ingest([path], store_settings)
    assert (changed.added, changed.updated, changed.unchanged) == (0, 2, 38)
    index = open_index(store_settings)
    assert index.catalog.chunk_ids_of(["r3"]) == {"r3": ["r3#0"]}
    assert index.catalog.chunks(["r3#0"])["r3#0"].text == "Now a short review."
    assert index.vectors.count() == 40
    index.close()
    assert_consistent(store_settings)


def test_long_review_chunks_keep_offsets(settings: Settings, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "long.csv", [{"id": "L", "title": "F", "text": LONG_REVIEW}])
    ingest([path], settings)
    index = open_index(settings)
    ids = index.catalog.chunk_ids_of(["L"])["L"]
    chunks = index.catalog.chunks(ids)
    index.close()
    assert len(chunks) == len(ids) > 1
    for chunk in chunks.values():
        assert LONG_REVIEW[chunk.start : chunk.end] == chunk.text
        assert len(chunk.text) <= settings.chunk_size
        assert chunk.review.film == "F"
    starts = sorted(c.start for c in chunks.values())
    ends = sorted(c.end for c in chunks.values())
    assert starts[0] == 0 and ends[-1] == len(LONG_REVIEW)
    assert all(s < e for s, e in zip(starts[1:], ends[:-1], strict=True)), "chunks overlap"


def test_prune_removes_vanished_reviews_and_files(settings: Settings, tmp_path: Path) -> None:
    """A file given is synced (its removed rows go); --prune also removes the files gone."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    a = write_csv(folder / "a.csv", rows(10, prefix="a"))
    b = write_csv(folder / "b.csv", rows(5, film="Other", prefix="b"))
    ingest([folder], settings)
    write_csv(a, rows(8, prefix="a"))
    b.unlink()
    without_prune = ingest([folder], settings)
    assert (without_prune.removed, without_prune.unchanged) == (2, 8)
    pruned = ingest([folder], settings, prune=True)
    assert pruned.removed == 5
    assert [(f.path, f.gone, f.removed) for f in pruned.files][-1] == (b.resolve(), True, 5)
    index = open_index(settings)
    assert collect_stats(index).reviews == 8
    index.close()
    assert_consistent(settings)


def test_strict_writes_nothing_from_a_file_with_bad_rows(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = rows(5)
    data[2]["quote"] = ""
    path = write_csv(tmp_path / "bad.csv", data)
    assert cli(["ingest", "--strict", str(path)]) == 1
    out = capsys.readouterr().out
    assert "--strict" in out and "nothing from this file was written" in out
    assert not (settings.home / "catalog.sqlite3").exists() or _reviews(settings) == 0

    assert cli(["ingest", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"skipped {path.resolve()}:4: empty review text" in out
    assert "4 added" in out
    assert _reviews(settings) == 4


def test_cli_stats_json(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["ingest", str(CORPUS / "her-2013.txt")]) == 0
    capsys.readouterr()
    assert cli(["stats", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["reviews"] == 26 and data["chunks"] == 26 and data["films"] == 1
    assert data["per_film"]["Her (2013)"]["reviews"] == 26
    assert data["consistent"] is True
    assert data["embedding_model"] == settings.embedding_model
    readme = (ROOT / "README.md").read_text("utf-8")
    said = readme.split("`stats --json` prints", 1)[1].split("\n\n", 1)[0]
    assert set(data) == set(re.findall(r"`(\w+)`", said)) - {"null"}


def test_readme_lists_every_key_of_the_result_schema(settings: Settings) -> None:
    from assistant.service import Assistant

    ingest([CORPUS], settings)
    assistant = Assistant(settings)
    try:
        result = assistant.ask("what do critics say about Phoenix?", engine="extractive").to_json()
    finally:
        assistant.close()
    readme = (ROOT / "README.md").read_text("utf-8")
    block = readme.split("The result schema", 1)[1].split("`answer` is the whole text", 1)[0]
    keys = set(result) | set(result["citations"][0]) | set(result["coverage"])
    keys |= set(result["timings_ms"])
    assert set(re.findall(r'"(\w+)"', block)) == keys
    assert "`session_id`" in readme  # what the HTTP API adds to a result


def test_stats_without_an_index_says_how_to_make_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli(["stats"]) == 2
    assert "run 'reviewqa ingest PATH' first" in capsys.readouterr().err


def _reviews(settings: Settings) -> int:
    db = sqlite3.connect(settings.catalog_path)
    try:
        return int(db.execute("SELECT count(*) FROM reviews").fetchone()[0])
    finally:
        db.close()


@pytest.mark.slow
def test_kill_9_mid_write_then_rerun_ends_exact(
    store_settings: Settings, tmp_path: Path, model_cache: Path
) -> None:
    """kill -9 while a batch is half written (journal open), then the same command again."""
    n = 3000
    path = write_csv(tmp_path / "many.csv", rows(n))
    env = {
        "REVIEWQA_HOME": str(store_settings.home),
        "REVIEWQA_COLLECTION": store_settings.collection,
        "HF_HUB_OFFLINE": "1",
        "REVIEWQA_MODEL_CACHE": str(model_cache),
        "PATH": str(Path(sys.executable).parent),
    }
    if store_settings.chroma_url:
        env["REVIEWQA_CHROMA_URL"] = store_settings.chroma_url
    command = [sys.executable, "-m", "ui.cli", "ingest", str(path)]

    for _attempt in range(2):  # kill twice: once mid-add, once mid-resume
        proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
        _wait_for_open_journal(store_settings.catalog_path, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "recovered from an interrupted run" in done.stdout
    assert _reviews(store_settings) == n
    assert_consistent(store_settings)
    again = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    assert f"0 added, 0 updated, {n} unchanged" in again.stdout


def _wait_for_open_journal(catalog: Path, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, "ingest finished before it could be killed"
        if catalog.exists():
            try:
                db = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=0.05)
                (pending,) = db.execute("SELECT count(*) FROM pending").fetchone()
                db.close()
                if pending:
                    return
            except sqlite3.OperationalError:
                pass
        time.sleep(0.005)
    pytest.fail("ingest never opened its journal")


def test_an_index_refuses_a_backend_whose_vectors_rank_differently(settings: Settings) -> None:
    """float32 vectors (torch, onnx) and int8-quantized ones (onnx-int8) never share an index:
    the catalog records the kind at the first ingest."""
    ingest([CORPUS], settings)  # the default backend, onnx
    for same in ("onnx", "torch"):
        open_index(settings.model_copy(update={"embedding_backend": same})).close()
    int8 = settings.model_copy(update={"embedding_backend": "onnx-int8"})
    with pytest.raises(StoreError, match="REVIEWQA_EMBEDDING_BACKEND=torch or onnx"):
        open_index(int8)
    with pytest.raises(StoreError, match="holds float32 vectors"):
        ingest([CORPUS], int8)


def test_settings_read_reviewqa_toml_and_a_broken_one_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "site.toml"
    config.write_text("top_k = 5\nchunk_size = 700\n[server]\nrate_ip_burst = 3\n")
    monkeypatch.setenv("REVIEWQA_CONFIG", str(config))
    monkeypatch.setenv("REVIEWQA_TOP_K", "6")  # env vars win over the file
    settings = load_settings(home=tmp_path / "home")
    assert (settings.top_k, settings.chunk_size) == (6, 700)
    config.write_text("chunk_size = [\n")
    with pytest.raises(ConfigError, match=r"site\.toml: cannot read it as TOML .*fix the file"):
        load_settings(home=tmp_path / "home")
