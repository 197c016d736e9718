"""The catalog keeps every vector and Chroma is rebuilt from it: `reviewqa check` finds what is
off (read-only), `reviewqa repair` puts it right without re-embedding, and ingest and serve
repair a broken store when they start. Over the embedded store and a real `chroma run`."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index.catalog import VECTOR_DTYPE
from index.ingest import ingest
from index.repair import check_index, repair_index
from index.settings import Settings
from index.store import open_index
from index.vectors import VectorStore, store_path
from tests.support.reviews import LANTERN_QUESTION, write_lantern_reviews
from ui.cli import main as cli

QUESTION = LANTERN_QUESTION


@pytest.fixture
def built(store_settings: Settings, tmp_path: Path) -> Settings:
    report = ingest([write_lantern_reviews(tmp_path / "reviews.csv")], store_settings)
    assert report.added == 40 and not report.failed
    return store_settings


def check(settings: Settings) -> Any:
    idx = open_index(settings, readonly=True)
    try:
        return check_index(idx)
    finally:
        idx.close()


def repair(settings: Settings) -> Any:
    idx = open_index(settings)
    try:
        return repair_index(idx)
    finally:
        idx.close()


def answer_ids(settings: Settings) -> list[str]:
    from assistant.service import Assistant

    assistant = Assistant(settings.model_copy(update={"engine": "extractive"}))
    try:
        return [c.review_id for c in assistant.ask(QUESTION).citations]
    finally:
        assistant.close()


def empty_the_store(settings: Settings) -> None:
    """Lose every vector Chroma holds: its folder (embedded) or its collection (server)."""
    idx = open_index(settings)
    generation = idx.vector_generation()
    idx.close()
    if settings.chroma_url:
        VectorStore(settings, generation).discard()
    else:
        shutil.rmtree(store_path(settings, generation))


def test_the_catalog_keeps_each_chunks_vector_as_chroma_holds_it(built: Settings) -> None:
    idx = open_index(built, readonly=True)
    try:
        ids = sorted(idx.catalog.all_chunk_ids())
        stored = idx.catalog.vectors_of(ids)
        held = idx.vectors.vectors_of(ids)
    finally:
        idx.close()
    assert len(ids) == 40 and set(stored) == set(held) == set(ids)
    for chunk_id in ids:
        mine = np.frombuffer(stored[chunk_id], dtype=VECTOR_DTYPE)
        assert mine.shape == (384,)
        assert np.allclose(mine, held[chunk_id], atol=1e-6, rtol=0)  # Chroma renormalises
    report = check(built)
    assert report.ok and report.chunks == report.vectors == 40


def test_a_lost_store_is_found_and_rebuilt_without_the_model(
    built: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = answer_ids(built)
    empty_the_store(built)
    found = check(built)
    assert not found.ok and "vector_ids" in found.codes() and found.vectors == 0

    def no_model(*_: Any, **__: Any) -> Any:
        raise AssertionError("a repair from the catalog must not embed")

    monkeypatch.setattr("index.store.load_embedder", no_model)
    report = repair(built)
    assert report.after.ok and report.after.vectors == 40, report.actions
    monkeypatch.undo()
    assert answer_ids(built) == before


def test_vectors_that_differ_are_rebuilt_in_a_new_generation(built: Settings) -> None:
    before = answer_ids(built)
    idx = open_index(built)
    try:
        victim = sorted(idx.catalog.all_chunk_ids())[7]
        wrong = np.ones((1, 384), dtype=np.float32) / np.sqrt(384)
        idx.vectors.upsert([victim], wrong, [{"review_id": "r7"}])
        old_path = store_path(built, idx.vectors.generation)
    finally:
        idx.close()
    found = check(built)
    assert "vector_values" in found.codes() and victim in found.findings[0].message
    report = repair(built)
    assert report.after.ok and report.after.generation == 1
    if not built.chroma_url:
        assert not old_path.exists() and store_path(built, 1).is_dir()
    assert answer_ids(built) == before


def test_a_store_that_cannot_be_opened_is_rebuilt_by_the_next_ingest(
    built: Settings, tmp_path: Path
) -> None:
    if built.chroma_url:
        pytest.skip("a server's store is its own: the embedded one is broken here")
    (built.chroma_path / "chroma.sqlite3").write_bytes(b"not a database " * 1000)
    idx = open_index(built, readonly=True)  # the catalog opens: Chroma, on first use
    try:
        with pytest.raises(Exception, match="reviewqa repair"):
            idx.vectors.count()
        with pytest.raises(Exception, match="reviewqa repair"):  # and at every later use
            idx.vectors.count()
    finally:
        idx.close()
    assert "vector_store" in check(built).codes()
    report = ingest([tmp_path / "reviews.csv"], built)
    assert report.unchanged == 40 and report.repaired, report
    assert any("rebuilt Chroma" in line for line in report.repaired)
    assert check(built).ok


def test_a_server_that_did_not_answer_at_first_use_is_opened_by_a_later_one(
    built: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chroma opens on first use: a server that did not answer then (a serving process whose
    first question came during a restart of Chroma) is opened by the next use, not reported
    down until the process restarts."""
    if not built.chroma_url:
        pytest.skip("an embedded store that cannot be opened stays so until it is repaired")
    import index.vectors

    real, calls = index.vectors._client, []

    def refused_once(settings: Settings, path: Path) -> Any:
        calls.append(path)
        if len(calls) == 1:
            raise ConnectionRefusedError("connection refused")
        return real(settings, path)

    monkeypatch.setattr(index.vectors, "_client", refused_once)
    idx = open_index(built, readonly=True)
    try:
        with pytest.raises(Exception, match="Chroma does not answer"):
            idx.vectors.count()
        assert idx.vectors.count() == 40 and idx.vectors.open_failure is None
    finally:
        idx.close()
    assert len(calls) == 2


def test_an_index_from_before_the_vector_copy_gets_it_from_chroma(built: Settings) -> None:
    with sqlite3.connect(built.catalog_path) as db:
        db.execute("DELETE FROM chunk_vectors")
    found = check(built)
    assert found.codes() == {"catalog_vectors"}
    report = repair(built)
    assert report.after.ok
    assert report.actions == ["kept 40 vectors in the catalog (0 embedded)"]


def test_vectors_lost_from_both_are_embedded_again(built: Settings) -> None:
    before = answer_ids(built)
    with sqlite3.connect(built.catalog_path) as db:
        db.execute("DELETE FROM chunk_vectors WHERE chunk % 4 = 0")
    empty_the_store(built)
    report = repair(built)
    assert report.after.ok, report.after.findings
    assert "(10 embedded)" in report.actions[0]
    assert answer_ids(built) == before


def test_the_lexical_index_out_of_step_is_rebuilt(built: Settings) -> None:
    with sqlite3.connect(built.catalog_path) as db:
        rowid, text = db.execute("SELECT rowid, text FROM chunks LIMIT 1").fetchone()
        db.execute(
            "INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', ?, ?)",
            (rowid, text),
        )
    assert check(built).codes() == {"lexical_index"}
    report = repair(built)
    assert report.after.ok and report.actions == ["rebuilt the lexical index"]


def test_cli_check_and_repair_say_what_and_exit_by_state(
    built: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if built.chroma_url:  # the CLI reads the store's settings from the environment
        monkeypatch.setenv("REVIEWQA_CHROMA_URL", built.chroma_url)
        monkeypatch.setenv("REVIEWQA_COLLECTION", built.collection)
    home = ["--home", str(built.home)]
    capsys.readouterr()
    assert cli([*home, "check"]) == 0
    assert "ok: the catalog, the lexical index and Chroma agree" in capsys.readouterr().out
    empty_the_store(built)
    assert cli([*home, "check", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["findings"][0]["code"] == "vector_ids"
    assert "reviewqa repair" in report["findings"][0]["fix"]
    assert cli([*home, "repair"]) == 0
    out = capsys.readouterr().out
    assert "repaired: added 40 vectors to Chroma and removed 0" in out
    assert cli([*home, "repair", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["actions"] == []


def test_check_of_a_corrupt_catalog_names_the_file_and_the_fix(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ingest([write_lantern_reviews(tmp_path / "reviews.csv", 400)], settings)
    with sqlite3.connect(settings.catalog_path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (page_size,) = db.execute("PRAGMA page_size").fetchone()
        (root,) = db.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'reviews_critic'"
        ).fetchone()
    with settings.catalog_path.open("r+b") as f:  # scribble over one index page
        f.seek((root - 1) * page_size)
        f.write(b"\xff" * page_size)
    capsys.readouterr()
    assert cli(["--home", str(settings.home), "check"]) in (1, 2)
    out = capsys.readouterr()
    text = out.out + out.err
    assert str(settings.catalog_path) in text
    assert "backup" in text or "ingest the sources again" in text


def test_serve_repairs_a_lost_store_before_it_answers(
    settings: Settings, tmp_path: Path, model_cache: Path
) -> None:
    import httpx

    from tests.support.servers import served

    ingest([write_lantern_reviews(tmp_path / "reviews.csv")], settings)
    empty_the_store(settings)
    with served(settings.home, tmp_path, {"REVIEWQA_MODEL_CACHE": str(model_cache)}) as (url, _):
        health = httpx.get(f"{url}/healthz", timeout=30).json()
        asked = httpx.post(f"{url}/api/ask", json={"question": QUESTION}, timeout=60)
        with sqlite3.connect(settings.catalog_path) as db:  # as a killed writer leaves it
            db.execute("INSERT INTO pending VALUES ('r3', 'r3:0')")
        later = httpx.get(f"{url}/healthz", timeout=30).json()
    assert later["status"] == "degraded" and later["store"]["consistent"] is False
    assert [f["code"] for f in later["store"]["check"]["findings"]] == ["journal"]
    assert health["store"]["consistent"] is True and health["store"]["vectors"] == 40
    assert health["store"]["check"] == {"ok": True, "findings": []}
    assert asked.status_code == 200 and asked.json()["citations"]
    log = "".join(p.read_text() for p in tmp_path.glob("serve-*.log"))
    assert "repaired the index: added 40 vectors to Chroma" in log


def test_serve_refuses_a_corrupt_catalog_saying_why(settings: Settings, tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.conftest import ROOT
    from tests.support.servers import free_port

    ingest([write_lantern_reviews(tmp_path / "reviews.csv", 400)], settings)
    with settings.catalog_path.open("r+b") as f:
        f.seek(4096 * 3)
        f.write(b"\xff" * 4096 * 4)
    port = str(free_port())
    done = subprocess.run(
        [sys.executable, "-m", "ui.cli", "--home", str(settings.home), "serve", "--port", port],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert str(settings.catalog_path) in done.stderr and "Traceback" not in done.stderr


def test_a_scope_is_ranked_from_the_catalogs_vectors_as_chroma_ranks_it(built: Settings) -> None:
    """Exact search over a scope's chunks reads the vectors the catalog keeps (a scoped
    question needs no Chroma), and Chroma supplies those an older catalog lacks: either way,
    the order and scores of Chroma's own search."""
    idx = open_index(built, readonly=True)
    try:
        ids = sorted(idx.catalog.all_chunk_ids())
        vector = idx.embedder.embed_query(QUESTION)
        from_catalog = idx.rank_among(ids, vector, 10)
        assert idx.vectors.open_failure is None and not idx.vectors.opened
        from_chroma = idx.vectors.query(vector, 10)
    finally:
        idx.close()
    assert [c for c, _ in from_catalog] == [c for c, _ in from_chroma]
    assert [s for _, s in from_catalog] == pytest.approx([s for _, s in from_chroma], abs=1e-5)

    with sqlite3.connect(built.catalog_path) as db:
        db.execute("DELETE FROM chunk_vectors WHERE chunk % 2 = 0")  # as before schema 3
    idx = open_index(built, readonly=True)
    try:
        again = idx.rank_among(ids, vector, 10)
        assert [c for c, _ in again] == [c for c, _ in from_catalog]
        assert [s for _, s in again] == pytest.approx([s for _, s in from_catalog], abs=1e-6)
        assert idx.vectors.opened
    finally:
        idx.close()
