"""Re-ingest is a sync: after each ingest the index holds exactly what each source file holds.

Property tests edit a file at random (add, change, remove, reorder lines; .txt, CSV with and
without ids) and check after every ingest that the catalog, Chroma and the report agree with
the file. The cases of the issue each have a test of their own, through the CLI where the
CLI is what users see.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from index.catalog import Catalog
from index.ingest import IngestReport, ingest
from index.loaders import load_file
from index.names import name_key
from index.settings import Settings
from index.store import open_index
from tests.conftest import CORPUS, ROOT
from tests.test_ingest import _wait_for_open_journal, assert_consistent
from ui.cli import main as cli
from ui.settings import load_settings

FILM = "Sync Film (2020)"
WORDS = ["taut", "warm", "slow", "bright", "odd", "tender", "loud", "wry", "bleak", "deft"]
CRITICS = ["", "Ann Lee", "Bo Chan", "Cy Dunn"]


# -- helpers ------------------------------------------------------------------------------
def write_txt(path: Path, lines: list[str]) -> Path:
    path.write_text(f"# film: {FILM}\n" + "".join(f"{line}\n" for line in lines), "utf-8")
    return path


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(out.getvalue(), "utf-8")
    return path


def film_texts(settings: Settings, film: str = FILM) -> set[str]:
    """The review texts the catalog holds for `film`: what answers can quote."""
    db = sqlite3.connect(f"file:{settings.catalog_path}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT text FROM reviews WHERE film_key = ?", (name_key(film),))
        return {str(text) for (text,) in rows}
    finally:
        db.close()


def assert_index_is_file(
    settings: Settings, path: Path, source: str | None = None, film: str = FILM
) -> int:
    """The index holds exactly the reviews `path` holds (ids, lines, contents), in the catalog
    and in Chroma; returns how many."""
    loaded = load_file(path)
    index = open_index(settings)
    try:
        stored = index.catalog.reviews_of_source(source or str(path.resolve()))
        assert sorted((s.review.id, s.review.line, s.hash) for s in stored) == sorted(
            (r.id, r.line, r.content_hash()) for r in loaded.reviews
        )
    finally:
        index.close()
    assert film_texts(settings, film) == {r.text for r in loaded.reviews}
    assert_consistent(settings)
    return len(loaded.reviews)


def counts(report: IngestReport) -> tuple[int, int, int, int]:
    return (report.added, report.updated, report.unchanged, report.removed)


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# -- property: random edit sequences ------------------------------------------------------
TEXT = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(
    lambda words: "A " + " ".join(words) + " film."
)


def _edit(data: st.DataObject, rows: list[Any], new_row: Callable[[], Any]) -> None:
    """One random edit of `rows` in place: add, change, remove or reorder."""
    kinds = ["add", "change", "remove", "reorder"] if rows else ["add"]
    kind = data.draw(st.sampled_from(kinds))
    if kind == "add":
        rows.insert(data.draw(st.integers(0, len(rows))), new_row())
    elif kind == "change":  # a CSV row keeps its id, or its critic, or neither
        i = data.draw(st.integers(0, len(rows) - 1))
        keep = data.draw(st.booleans()) and isinstance(rows[i], list)
        rows[i] = [rows[i][0], *new_row()[1:]] if keep else new_row()
    elif kind == "remove":
        del rows[data.draw(st.integers(0, len(rows) - 1))]
    else:
        rows[:] = data.draw(st.permutations(rows))


FORMATS = ["txt", "csv-ids", "csv-no-ids"]


@hsettings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
@pytest.mark.parametrize("form", FORMATS)
def test_after_every_ingest_the_index_is_the_file(
    form: str, data: st.DataObject, model_cache: Path
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = load_settings(home=folder / "home", model_cache=model_cache)
        serial = iter(range(10**6))
        rows: list[Any]
        if form == "txt":
            path = folder / "reviews.txt"

            def new_row() -> Any:
                return data.draw(TEXT)

            def write() -> None:
                write_txt(path, rows)

        else:
            path = folder / "reviews.csv"
            with_ids = form == "csv-ids"

            def new_row() -> Any:
                critic, text = data.draw(st.sampled_from(CRITICS)), data.draw(TEXT)
                return [f"j{next(serial)}", critic, text] if with_ids else [critic, text]

            def write() -> None:
                header = ["id", "critic", "quote"] if with_ids else ["critic", "quote"]
                write_rows(path, [*header, "film"], [[*row, FILM] for row in rows])

        rows = [new_row() for _ in range(data.draw(st.integers(0, 4)))]
        write()
        before = 0
        for _step in range(data.draw(st.integers(1, 4))):
            report = ingest([path], settings)
            (file_report,) = report.files
            now = assert_index_is_file(settings, path)
            assert file_report.reviews == now
            assert report.added + report.updated + report.unchanged == now
            assert report.updated + report.removed + report.unchanged == before
            assert report.chunks_written == report.added + report.updated  # one chunk each
            before = now
            for _edit_number in range(data.draw(st.integers(1, 3))):
                _edit(data, rows, new_row)
            write()
        report = ingest([path], settings)
        now = assert_index_is_file(settings, path)
        assert report.added + report.updated + report.unchanged == now
        again = ingest([path], settings)
        assert (counts(again), again.chunks_written) == ((0, 0, now, 0), 0)


# -- the cases of the issue ---------------------------------------------------------------
def test_an_edited_txt_line_replaces_its_review(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The shipped corpus's format: one line edited is one review updated, not one added."""
    path = tmp_path / "her-2013.txt"
    shutil.copy(CORPUS / "her-2013.txt", path)
    assert cli(["ingest", str(path)]) == 0
    lines = path.read_text("utf-8").splitlines()
    old = lines[2]
    lines[2] = "An edited review: the film is warm and strange."
    path.write_text("\n".join(lines) + "\n", "utf-8")
    code, out, _ = run_cli(["ingest", str(path)], capsys)
    assert code == 0
    assert "26 reviews (film from first line): 0 added, 1 updated, 25 unchanged, 0 removed" in out
    assert "total: 0 added, 1 updated, 25 unchanged, 0 removed, 0 skipped, 1 chunks" in out
    texts = film_texts(settings, "Her (2013)")
    assert len(texts) == 26 and lines[2] in texts and old not in texts
    assert_index_is_file(settings, path, film="Her (2013)")


def test_answers_quote_the_file_as_it_is_now(settings: Settings, tmp_path: Path) -> None:
    from assistant.service import Assistant

    path = write_txt(tmp_path / "sync.txt", ["A luminous, patient film about grief."])
    ingest([path], settings)
    write_txt(path, ["A clumsy, tedious film about grief."])
    ingest([path], settings)
    assistant = Assistant(settings)
    try:
        result = assistant.ask("what do critics say about grief?", engine="extractive")
    finally:
        assistant.close()
    quotes = " ".join(c.quote for c in result.citations)
    assert "tedious" in quotes and "luminous" not in quotes


def test_csv_without_ids_pairs_edits_by_film_and_critic(settings: Settings, tmp_path: Path) -> None:
    header = ["critic", "quote", "film"]
    rows = [["Ann Lee", "Warm.", FILM], ["Bo Chan", "Cold.", FILM], ["", "Odd.", FILM]]
    path = write_rows(tmp_path / "r.csv", header, rows)
    ingest([path], settings)
    ids = {r.text: r.id for r in load_file(path).reviews}
    # Bo Chan's text edited and moved to the end; a line without critic edited in place
    rows = [["Ann Lee", "Warm.", FILM], ["", "Odder.", FILM], ["Bo Chan", "Colder.", FILM]]
    write_rows(path, header, rows)
    report = ingest([path], settings)
    assert counts(report) == (0, 2, 1, 0)
    assert report.chunks_written == 2
    assert_index_is_file(settings, path)
    assert {r.text: r.id for r in load_file(path).reviews}["Warm."] == ids["Warm."]


def test_ids_of_an_unchanged_file_stay_and_a_reorder_embeds_nothing(
    settings: Settings, tmp_path: Path
) -> None:
    lines = ["One fine film.", "Two fine films.", "Three fine films."]
    path = write_txt(tmp_path / "r.txt", lines)
    ingest([path], settings)
    first = {r.text: r.id for r in load_file(path).reviews}
    write_txt(path, list(reversed(lines)))
    report = ingest([path], settings)
    assert (counts(report), report.chunks_written) == ((0, 0, 3, 0), 0)
    index = open_index(settings)
    stored = index.catalog.reviews_of_source(str(path.resolve()))
    index.close()
    assert {s.review.text: (s.review.id, s.review.line) for s in stored} == {
        "Three fine films.": (first["Three fine films."], 2),
        "Two fine films.": (first["Two fine films."], 3),
        "One fine film.": (first["One fine film."], 4),
    }


def test_a_vanished_file_named_on_the_command_line(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reviews = tmp_path / "reviews"
    reviews.mkdir()
    keep = write_txt(reviews / "alpha.txt", ["Alpha is fine."])
    gamma = write_txt(reviews / "gamma.txt", ["Gamma is fine.", "Gamma again."])
    assert cli(["ingest", str(reviews)]) == 0
    gamma.unlink()
    code, _, err = run_cli(["ingest", str(gamma)], capsys)
    assert code == 2
    assert err == (
        f"error: {gamma}: no such file or folder, but the index holds 2 reviews from it: "
        "pass --prune to remove them, or check the path\n"
    )
    code, out, _ = run_cli(["ingest", "--prune", str(gamma)], capsys)
    assert code == 0
    assert f"{gamma}: gone: 2 removed (--prune)" in out
    assert "total: 0 added, 0 updated, 0 unchanged, 2 removed" in out
    assert film_texts(settings) == {"Alpha is fine."}
    code, _, err = run_cli(["ingest", "--prune", str(gamma)], capsys)  # no longer a source
    assert (code, err) == (2, f"error: {gamma}: no such file or folder: check the path\n")
    shutil.rmtree(reviews)
    code, out, _ = run_cli(["ingest", "--prune", str(reviews)], capsys)  # a vanished folder
    assert code == 0 and f"{keep.resolve()}: gone: 1 removed (--prune)" in out
    assert film_texts(settings) == set()


def test_the_same_id_in_two_files_is_refused_naming_both_never_flips(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header = ["id", "quote", "film"]
    a = write_rows(tmp_path / "a.csv", header, [["j1", "Text of a.", FILM]])
    b = write_rows(
        tmp_path / "b.csv", header, [["j0", "B zero.", FILM], ["j1", "Text of b.", FILM]]
    )
    assert cli(["ingest", str(a)]) == 0
    for _ in range(2):
        code, out, _ = run_cli(["ingest", str(b)], capsys)
        assert code == 0
        assert (
            f"skipped {b.resolve()}:3: review id j1 is already in the index from "
            f"{a.resolve()}:2: ids must be unique across sources; pass --global-ids if the "
            "same id means the same review"
        ) in out
        assert film_texts(settings) == {"Text of a.", "B zero."}
    for _ in range(2):  # both files in one run, in either order: a keeps j1
        for order in ([a, b], [b, a]):
            report = ingest(order, settings)
            assert (report.updated, report.skipped) == (0, 1)
            (problem,) = [p for f in report.files for p in f.problems]
            assert (problem.source, problem.line) == (str(b.resolve()), 3)
            assert f"also at {a.resolve()}:2, which keeps it" in problem.reason
            assert film_texts(settings) == {"Text of a.", "B zero."}
    code, out, _ = run_cli(["ingest", "--global-ids", str(b)], capsys)
    assert code == 0
    assert "0 added, 1 updated, 1 unchanged, 0 removed, 0 skipped" in out
    assert (
        f"1 review(s) taken over from other sources (--global-ids), e.g. id j1 from {a.resolve()}:2"
        in out
    )
    assert film_texts(settings) == {"Text of b.", "B zero."}
    report = ingest([a], settings)  # a no longer holds j1: refused, and nothing removed
    assert (counts(report), report.skipped) == ((0, 0, 0, 0), 1)
    assert film_texts(settings) == {"Text of b.", "B zero."}
    assert_consistent(settings)


def test_rows_naming_the_text_differently_are_all_read(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    items = [
        {"review": "One.", "film": FILM},
        {"Content": "Two.", "film": FILM},
        {"review": "Three.", "film": FILM},
        {"Content": "Four.", "film": FILM, "review": ""},
    ]
    path.write_text("".join(json.dumps(item) + "\n" for item in items), "utf-8")
    report = ingest([path], settings)
    (file_report,) = report.files
    assert (report.added, report.skipped) == (4, 0)
    assert file_report.notes == [
        "rows name the text in different columns: 'review' in 2 rows, 'Content' in 2 rows"
    ]
    assert film_texts(settings) == {"One.", "Two.", "Three.", "Four."}


def test_bad_quoting_is_skipped_not_repaired(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "q.csv"
    path.write_text(
        'quote,film\nBefore.,F\n"Broken "quote" row,F\n"Fine, quoted",F\nAfter.,F\n', "utf-8"
    )
    code, out, _ = run_cli(["ingest", str(path)], capsys)
    assert code == 0
    assert (
        f"skipped {path.resolve()}:3: broken CSV row: a quote inside a quoted field is not "
        'doubled ("") — check quoting'
    ) in out
    assert film_texts(settings, "F") == {"Before.", "Fine, quoted", "After."}


def test_every_skipped_row_is_written_with_skipped(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "many.csv"
    rows = [["", FILM] if i % 2 else [f"Fine {i}.", FILM] for i in range(130)]
    write_rows(path, ["quote", "film"], rows)
    code, out, _ = run_cli(["ingest", str(path)], capsys)
    assert code == 0
    assert "  ... and 15 more skipped rows" in out
    assert "skipped rows: 15 not listed above; --skipped FILE writes every one" in out
    out_file = tmp_path / "skipped.jsonl"
    code, out, _ = run_cli(["ingest", str(path), "--skipped", str(out_file)], capsys)
    assert code == 0
    assert f"skipped rows: all 65 written to {out_file}" in out
    lines = [json.loads(line) for line in out_file.read_text("utf-8").splitlines()]
    assert len(lines) == 65
    assert lines[0] == {
        "file": str(path.resolve()),
        "line": 3,
        "reason": "empty review text",
        "raw": f",{FILM}",
    }
    assert [line["line"] for line in lines] == list(range(3, 132, 2))


def test_skipped_raw_rows_of_every_kind(tmp_path: Path) -> None:
    csv_path = tmp_path / "r.csv"
    csv_path.write_text('quote,film\n"two\nlines",\nok,F\n"bad "q",F\n', "utf-8")
    assert [(p.line, p.raw) for p in load_file(csv_path).problems] == [
        (2, '"two\nlines",'),
        (5, '"bad "q",F'),
    ]
    json_path = tmp_path / "r.json"
    json_path.write_text(json.dumps([{"quote": "ok", "film": "F"}, {"quote": ""}, 3]), "utf-8")
    assert [(p.line, p.raw) for p in load_file(json_path).problems] == [
        (2, '{"quote": ""}'),
        (3, "3"),
    ]
    txt_path = tmp_path / "r.txt"
    txt_path.write_text("Same.\nSame.\n", "utf-8")
    assert [(p.line, p.raw) for p in load_file(txt_path).problems] == [(2, "Same.")]


def test_exit_codes_of_paths_and_files(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write_txt(tmp_path / "good.txt", ["Good."])
    missing = tmp_path / "missing.csv"
    code, out, err = run_cli(["ingest", str(good), str(missing)], capsys)
    assert (code, out) == (2, "")
    assert err == f"error: {missing}: no such file or folder: check the path\n"
    sheet = tmp_path / "reviews.xlsx"
    sheet.write_bytes(b"x")
    code, _, err = run_cli(["ingest", str(good), str(sheet)], capsys)
    assert code == 2 and err.startswith(f"error: {sheet}: unsupported file type")
    assert not settings.catalog_path.exists() or film_texts(settings) == set()
    empty = tmp_path / "empty.csv"
    empty.write_text("", "utf-8")
    code, out, _ = run_cli(["ingest", str(good), str(empty)], capsys)
    assert code == 1
    assert f"error: {empty}: file is empty" in out
    assert film_texts(settings) == {"Good."}
    good.write_text("", "utf-8")  # a file that cannot be used keeps what the index holds
    code, out, _ = run_cli(["ingest", "--prune", str(good)], capsys)
    assert code == 1 and "total: 0 added, 0 updated, 0 unchanged, 0 removed" in out
    assert film_texts(settings) == {"Good."}
    code, _, err = run_cli(["ingest", str(tmp_path / "nowhere")], capsys)
    assert (code, err) == (
        2,
        f"error: {tmp_path / 'nowhere'}: no such file or folder: check the path\n",
    )


def test_serve_on_a_busy_port_is_one_line_and_exit_2(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, out, err = run_cli(["serve", "--port", str(port)], capsys)
    assert (code, out) == (2, "")
    assert err == (
        f"error: port {port} on 127.0.0.1 is in use (another server?): stop it, or pass "
        "--port with a free port\n"
    )


def test_batch_errors_are_reported_per_line_and_exit_1(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ingest([CORPUS], settings)
    batch = tmp_path / "q.jsonl"
    batch.write_text('{"question": "who liked Her?", "id": "a"}\n{"question": "x", "k": 0}\n')
    code, out, err = run_cli(
        ["ask", "--json", "--batch", str(batch), "--engine", "extractive"], capsys
    )
    assert code == 1
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["id"] == "a" and first["citations"]
    assert second["id"] is None and second["error"].startswith(f"{batch}:2: ")
    assert err.startswith(f"error: {batch}:2: ")
    code, _, err = run_cli(["ask", "--json", "--batch", str(tmp_path / "none.jsonl")], capsys)
    assert code == 2 and err.startswith("error: cannot read")


def test_a_named_source_syncs_one_source_across_private_copies(
    settings: Settings, tmp_path: Path
) -> None:
    """An upload arrives at a new private path each time; its name makes it one source."""
    header = ["id", "quote", "film"]
    (tmp_path / "u1").mkdir()
    first = write_rows(tmp_path / "u1" / "reviews.csv", header, [["1", "One.", FILM]])
    report = ingest([first], settings, source_names={first: "upload:reviews.csv"})
    assert counts(report) == (1, 0, 0, 0)
    assert report.files[0].source == "upload:reviews.csv"
    (tmp_path / "u2").mkdir()
    second = write_rows(tmp_path / "u2" / "reviews.csv", header, [["2", "Two.", FILM]])
    report = ingest([second], settings, source_names={second: "upload:reviews.csv"})
    assert counts(report) == (1, 0, 0, 1)
    assert film_texts(settings) == {"Two."}
    assert_index_is_file(settings, second, source="upload:reviews.csv")
    index = open_index(settings)
    assert index.catalog.sources_at("upload:reviews.csv") == {"upload:reviews.csv": 1}
    index.close()


def test_an_index_from_before_sources_is_migrated_on_open(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Schema 1 had no `sources` table: opening it for writing adds one from the reviews, so
    syncing and pruning work on indexes users already have (drifted ones included)."""
    folder = tmp_path / "reviews"
    folder.mkdir()
    her = write_txt(folder / "her.txt", ["Kept.", "Old text."])
    gone = write_txt(folder / "gone.txt", ["Gone soon."])
    ingest([folder], settings)
    db = sqlite3.connect(settings.catalog_path)
    with db:  # back to schema 1, with the drift the old ingest left: an edited line added
        db.execute("DROP TABLE sources")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    db.close()
    write_txt(her, ["Kept.", "Old text."])
    catalog = Catalog(settings.catalog_path, readonly=True)  # readers need no migration
    assert catalog.get_meta("schema_version") == "1"
    catalog.close()
    write_txt(her, ["Kept.", "New text."])
    gone.unlink()
    code, out, _ = run_cli(["ingest", "--prune", str(her), str(gone)], capsys)
    assert code == 0
    assert "0 added, 1 updated, 1 unchanged, 0 removed" in out
    assert f"{gone.resolve()}: gone: 1 removed (--prune)" in out
    catalog = Catalog(settings.catalog_path, readonly=True)
    assert catalog.get_meta("schema_version") == "3"  # schema 1 is brought up to the current one
    catalog.close()
    assert film_texts(settings) == {"Kept.", "New text."}
    assert_index_is_file(settings, her)


@pytest.mark.slow
def _pending(catalog: Path) -> int:
    """Rows of the ingest journal left in the catalog (0: no run was cut off mid-batch)."""
    db = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)
    try:
        return int(db.execute("SELECT count(*) FROM pending").fetchone()[0])
    finally:
        db.close()


def test_kill_9_mid_sync_then_rerun_ends_exact(
    settings: Settings, tmp_path: Path, model_cache: Path
) -> None:
    """Every review of a file without ids edited (each edit drops the old review in the same
    commit), killed -9 twice mid-write, then run again: the index is the file."""
    n = 3000
    path = tmp_path / "many.csv"
    header = ["critic", "quote", "film"]
    write_rows(path, header, [[f"C{i}", f"First take {i}.", FILM] for i in range(n)])
    ingest([path], settings)
    write_rows(path, header, [[f"C{i}", f"Second take {i}, longer.", FILM] for i in range(n)])
    env = {
        "REVIEWQA_HOME": str(settings.home),
        "HF_HUB_OFFLINE": "1",
        "REVIEWQA_MODEL_CACHE": str(model_cache),
        "PATH": str(Path(sys.executable).parent),
    }
    command = [sys.executable, "-m", "ui.cli", "ingest", str(path)]
    for _attempt in range(2):
        proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
        _wait_for_open_journal(settings.catalog_path, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    # the kill lands on an open journal, or just after the batch it saw open committed (a
    # loaded machine): the run again says it recovered exactly when a journal was left open,
    # by the journal ("recovered from an interrupted run") or, when the check found the
    # half-written rows first, by repairing them ("a killed run left half-written")
    interrupted = _pending(settings.catalog_path) > 0
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    said = any(
        note in done.stdout
        for note in ("recovered from an interrupted run", "a killed run left half-written")
    )
    assert said == interrupted, done.stdout
    assert assert_index_is_file(settings, path) == n
    again = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    assert f"0 added, 0 updated, {n} unchanged, 0 removed" in again.stdout
