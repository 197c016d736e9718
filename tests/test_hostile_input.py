"""Hostile input to the loaders (and `reviewqa ingest`): every file gives a one-line error
naming it, or a skipped row naming file:line, never a traceback, in bounded time and memory.

The JSON nested without end and the 10 MB review are in tests/security/test_bounded_input.py,
as are the gzip bomb's message and memory; this file covers the rest of issue 13.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from index.errors import CorpusError, ReviewQAError
from index.ingest import _find, _Plan
from index.loaders import LoadResult, discover, load_file
from index.loaders.jsonarray import elements
from index.loaders.lines import TextFile
from index.records import FileReport, IngestReport
from tests.conftest import ROOT

MB = 1 << 20
NUL = "holds a NUL character (\\0): remove it; a review is text"
NOT_UTF8 = "not valid UTF-8: re-save the file as UTF-8"
HALF_PAIR = "holds half of a UTF-16 pair (a lone \\ud800-\\udfff escape): fix the escape"
TOO_LONG = (
    "row is longer than 16,777,216 characters, the most a row may hold: split it "
    "(raising REVIEWQA_MAX_REVIEW_CHARS raises this limit too)"
)


def write(path: Path, content: str | bytes) -> Path:
    data = content.encode() if isinstance(content, str) else content
    path.write_bytes(gzip.compress(data, 1) if path.name.endswith(".gz") else data)
    return path


def skipped(result: LoadResult) -> list[tuple[int, str]]:
    return [(p.line, p.reason) for p in result.problems]


def kept(result: LoadResult) -> list[tuple[int, str]]:
    return [(r.line, r.text) for r in result.reviews]


def table(kind: str, rows: list[dict[str, Any]]) -> str:
    """`rows` as .txt (their text, a line each), CSV, JSON Lines or a JSON array."""
    if kind == ".txt":
        return "# film: Up (2009)\n" + "".join(f"{row['text']}\n" for row in rows)
    if kind == ".csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue()
    if kind == ".jsonl":
        return "".join(json.dumps(row) + "\n" for row in rows)
    return json.dumps(rows)


def one_line_naming(exc: CorpusError, path: Path) -> str:
    message = str(exc)
    assert "\n" not in message
    assert message.startswith(str(path))
    return message


# --- a file of many GB -----------------------------------------------------------------------


def test_a_file_past_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """A 3 GB file (sparse: no disk used) is refused at once, naming the setting."""
    path = tmp_path / "huge.csv"
    with path.open("wb") as f:
        f.truncate(3 * 1024**3)
    started = time.process_time()
    with pytest.raises(CorpusError) as err:
        load_file(path)
    assert time.process_time() - started < 1
    assert one_line_naming(err.value, path) == (
        f"{path}: holds more than 2,147,483,648 bytes, the limit "
        "(REVIEWQA_MAX_DECOMPRESSED_BYTES): split the file or raise the limit"
    )


@pytest.mark.parametrize("name", ["bomb.csv.gz", "bomb.jsonl.gz", "bomb.json.gz"])
def test_a_gzip_bomb_is_refused_before_any_row_is_read(tmp_path: Path, name: str) -> None:
    line = json.dumps({"text": "Zero zero zero.", "film": "Bomb (2024)"}) + ",\n"
    path = tmp_path / name
    with gzip.open(path, "wb") as f:
        f.write(b"text,film\n[" if name.startswith("bomb.csv") else b"[")
        for _ in range(8):
            f.write(line.encode() * (MB // len(line)))
    tracemalloc.start()
    try:
        with pytest.raises(CorpusError) as err:
            load_file(path, max_decompressed_bytes=MB)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "expands past 1,048,576 bytes when decompressed" in one_line_naming(err.value, path)
    assert peak < 2 * MB  # buffers, not the 8 MB nor the rows read so far


def test_lines_and_elements_come_before_the_end_is_read(tmp_path: Path) -> None:
    """The readers stream: the first rows of a file that expands past the limit come out
    before the limit is reached (a reader holding the whole file would get none)."""
    rows = "".join(f'{{"text": "Review {i}.", "film": "Up"}}\n' for i in range(300_000))
    jsonl = write(tmp_path / "r.jsonl.gz", rows)
    array = write(tmp_path / "r.json.gz", "[" + rows.replace("}\n", "},\n") + "1]")
    for path in (jsonl, array):
        assert len(gzip.decompress(path.read_bytes())) > 8 * MB
    file = TextFile(jsonl, max_bytes=MB)
    with file.lines() as lines:
        assert next(lines).text == '{"text": "Review 0.", "film": "Up"}\n'
        with pytest.raises(CorpusError, match="expands past 1,048,576 bytes"):
            list(lines)
    file = TextFile(array, max_bytes=MB)
    with file.blocks() as blocks:
        found = elements(array, blocks, file.max_row_chars)
        assert next(found).value == {"text": "Review 0.", "film": "Up"}
        with pytest.raises(CorpusError, match="expands past 1,048,576 bytes"):
            list(found)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["r.txt", "r.csv", "r.jsonl", "r.json", "r.csv.gz", "r.json.gz"])
def test_memory_beyond_the_reviews_kept_stays_small(tmp_path: Path, name: str) -> None:
    """A 16 MB file of 400 long reviews: what loading holds beyond what it returns (the
    reviews, their rows compressed) is buffers, not the file (before: 1 to 4 times it)."""
    words = ["the", "film", "moving", "dull", "bright", "actor", "scene", "score", "plot"]
    rows = [
        {"text": f"Review {i}: " + " ".join(words[(i * j) % 9] for j in range(7000)), "film": "F"}
        for i in range(400)
    ]
    kind = name.removeprefix("r").removesuffix(".gz")
    path = write(tmp_path / name, table(kind, rows))
    size = len(gzip.decompress(path.read_bytes())) if name.endswith(".gz") else path.stat().st_size
    assert size > 12 * MB
    tracemalloc.start()
    try:
        result = load_file(path)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(result.reviews) == 400
    assert peak - held < size / 2, f"{(peak - held) / MB:.1f} MB held while loading"


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".txt", ".csv", ".jsonl"])
def test_a_row_past_the_row_limit_is_skipped_as_it_is_read(tmp_path: Path, suffix: str) -> None:
    """A 17 MB line: skipped with its line, never held whole, the rows around kept."""
    rows = [{"text": "Before.", "film": "Up"}, {"text": "x" * (17 * MB), "film": "Up"}]
    rows.append({"text": "After.", "film": "Up"})
    path = write(tmp_path / f"r{suffix}", table(suffix, rows))
    result = load_file(path)
    first = 2 if suffix != ".jsonl" else 1
    assert kept(result) == [(first, "Before."), (first + 2, "After.")]
    assert skipped(result) == [(first + 1, TOO_LONG)]
    assert result.problems[0].raw == ""


@pytest.mark.slow
def test_a_json_element_past_the_row_limit_is_an_error_naming_it(tmp_path: Path) -> None:
    rows = [{"text": "Before.", "film": "Up"}, {"text": "x" * (17 * MB), "film": "Up"}]
    path = write(tmp_path / "r.json", json.dumps(rows, indent=1))
    with pytest.raises(CorpusError) as err:
        load_file(path)
    assert one_line_naming(err.value, path) == (
        f"{path}: array element 2 (from line 6) is too long: {TOO_LONG}; or write one object "
        "a line as .jsonl"
    )


# --- NUL bytes, bytes that are not UTF-8, JSON escapes of both ------------------------------

GOOD = b'{"text": "Good.", "film": "Up"}'
ALSO = b'{"text": "Also good.", "film": "Up"}'


@pytest.mark.parametrize(
    ("name", "content", "lines"),
    [
        ("r.txt", b"# film: Up\nGood.\nA NUL \x00 here.\nCaf\xe9.\nAlso good.\n", (2, 5)),
        ("r.csv", b"text,film\nGood.,Up\nA NUL \x00,Up\nCaf\xe9,Up\nAlso good.,Up\n", (2, 5)),
        ("r.csv.gz", b"text,film\nGood.,Up\n\x00,Up\nCaf\xe9,Up\nAlso good.,Up\n", (2, 5)),
        ("r.jsonl", GOOD + b'\n{"text": "\x00"}\n{"text": "Caf\xe9"}\n' + ALSO, (1, 4)),
        (
            "r.json",
            b"[" + GOOD + b',\n{"text": "\x00"},\n{"text": "Caf\xe9"},\n' + ALSO + b"]",
            (1, 4),
        ),
    ],
)
def test_nul_and_bad_utf8_rows_are_skipped_with_their_line(
    tmp_path: Path, name: str, content: bytes, lines: tuple[int, int]
) -> None:
    path = write(tmp_path / name, content)
    result = load_file(path)
    first, last = lines
    assert [line for line, _ in kept(result)] == [first, last]
    element = "array element {}: " if name.endswith(".json") else ""
    assert skipped(result) == [
        (first + 1, element.format(first + 1) + NUL),
        (first + 2, element.format(first + 2) + NOT_UTF8),
    ]
    assert "Caf\ufffd" in result.problems[1].raw  # shown, not the surrogate it was read as
    report = IngestReport(files=[FileReport(path=path, problems=result.problems)])
    assert report.write_skipped(tmp_path / "skipped.jsonl") == 2  # the rows written as UTF-8


@pytest.mark.parametrize("name", ["r.jsonl", "r.json"])
def test_json_escapes_of_nul_and_half_a_pair_are_skipped(tmp_path: Path, name: str) -> None:
    rows = [
        {"text": "Good.", "film": "Up"},
        {"text": "Escaped \u0000 NUL.", "film": "Up"},
        {"text": "Half \ud83d a pair.", "film": "Up"},
        {"text": "Whole \U0001f600 pair.", "film": "Up"},
    ]
    path = write(tmp_path / name, table(name[1:], rows))
    result = load_file(path)
    assert [line for line, _ in kept(result)] == [1, 4]
    element = "array element {}: " if name.endswith(".json") else ""
    assert skipped(result) == [(2, element.format(2) + NUL), (3, element.format(3) + HALF_PAIR)]


def test_a_file_of_many_nul_bytes_is_not_text(tmp_path: Path) -> None:
    path = write(tmp_path / "utf16.csv", "text,film\nGood.,Up\n".encode("utf-16"))
    with pytest.raises(CorpusError) as err:
        load_file(path)
    assert one_line_naming(err.value, path) == (
        f"{path}: not a text file (it holds NUL bytes): save the reviews as UTF-8 text "
        "(.txt, .csv, .jsonl, .json, .csv.gz, .jsonl.gz, .json.gz)"
    )


def test_a_number_too_long_to_read_is_a_row_error_not_a_traceback(tmp_path: Path) -> None:
    digits = "9" * 5000
    lines = write(tmp_path / "r.jsonl", f'{GOOD.decode()}\n{{"rating": {digits}}}\n')
    assert skipped(load_file(lines)) == [
        (
            2,
            "not valid JSON (Exceeds the limit (4300 digits) for integer string conversion: "
            "value has 5000 digits)",
        )
    ]
    array = write(tmp_path / "r.json", f"[{GOOD.decode()}, {digits}]")
    with pytest.raises(CorpusError) as err:
        load_file(array)
    assert one_line_naming(err.value, array).startswith(
        f"{array}:1: not valid JSON (Exceeds the limit (4300 digits)"
    )


def test_a_broken_row_read_again_never_swallows_the_rows_after_it(tmp_path: Path) -> None:
    """Found by the generated files: row 2 (3 fields, one a quoted CR) is broken; its second
    line, read again, opens a quote that once swallowed rows 4 and 5 into a kept review."""
    path = write(tmp_path / "r.csv", b'text,film\r\nA fine film.,Up,"\r"\r\nB.,Up\r\nC.,",0"\r\n')
    result = load_file(path)
    assert [(r.line, r.text, r.film) for r in result.reviews] == [(4, "B.", "Up"), (5, "C.", ",0")]
    assert [(p.line, p.reason, p.raw) for p in result.problems] == [
        (2, "broken CSV row: 3 fields, header has 2 — check quoting", 'A fine film.,Up,"'),
        (3, "broken CSV row: a quoted field is not closed on its line — check quoting", '"'),
    ]


def test_line_ends_in_column_names_and_ids_stay_on_one_line(tmp_path: Path) -> None:
    names = write(tmp_path / "names.csv", '"two\nlines",b\nx,y\n')
    with pytest.raises(CorpusError) as err:
        load_file(names)
    assert one_line_naming(err.value, names).startswith(
        f"{names}: no review text column: found columns [two\\nlines, b];"
    )
    ids = write(tmp_path / "ids.csv", 'id,text,film\n"a\nb",One.,Up\n"a\nb",Two.,Up\n')
    assert skipped(load_file(ids)) == [(4, "duplicate id a\\nb (first at line 2)")]


# --- 5,000 columns -------------------------------------------------------------------------


def test_5000_columns_keep_the_rows(tmp_path: Path) -> None:
    header = [f"c{i}" for i in range(5000)]
    rows = "".join(",".join(["v"] * 5000) + f",Review {i},Up\n" for i in range(50))
    path = write(tmp_path / "wide.csv", ",".join([*header, "text", "film"]) + "\n" + rows)
    assert len(load_file(path).reviews) == 50
    wide = {**dict.fromkeys(header, "v"), "film": "Up"}
    objects = [{**wide, "text": f"Review {i}"} for i in range(50)]
    for name in ("wide.jsonl", "wide.json"):
        assert len(load_file(write(tmp_path / name, table(name[4:], objects))).reviews) == 50


def test_5000_columns_without_a_text_column_is_one_short_line(tmp_path: Path) -> None:
    header = ",".join(f"c{i}" for i in range(5000))
    path = write(tmp_path / "wide.csv", f"{header}\n{','.join(['v'] * 5000)}\n")
    with pytest.raises(CorpusError) as err:
        load_file(path)
    shown = ", ".join(f"c{i}" for i in range(20))
    assert one_line_naming(err.value, path) == (
        f"{path}: no review text column: found columns [{shown}, ... and 4,980 more]; name "
        "one of text|quote|review|content|body or pass --map text=COLUMN"
    )


# --- symlink loops, unreadable files, odd entries ----------------------------------------------


def test_symlink_loops_in_a_folder_are_reported_not_followed(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    (folder / "sub").mkdir(parents=True)
    write(folder / "good.csv", "text,film\nFine.,Up\n")
    (folder / "loop.csv").symlink_to("loop.csv")
    (folder / "a.jsonl").symlink_to("b.jsonl")
    (folder / "b.jsonl").symlink_to("a.jsonl")
    (folder / "gone.txt").symlink_to("nowhere.txt")
    (folder / "sub" / "up").symlink_to("..")
    (folder / "self").symlink_to(".")
    started = time.process_time()
    found = discover([folder])
    assert time.process_time() - started < 1
    assert [p.relative_to(folder).as_posix() for p in found] == [
        "a.jsonl",
        "b.jsonl",
        "gone.txt",
        "good.csv",
        "loop.csv",
        "self",
        "sub/up",
    ]
    messages = {}
    for path in found:
        try:
            load_file(path)
        except CorpusError as exc:
            messages[path.relative_to(folder).as_posix()] = one_line_naming(exc, path)
    loop = "symlink loop: fix or remove the link"
    assert messages == {
        "a.jsonl": f"{folder}/a.jsonl: {loop}",
        "b.jsonl": f"{folder}/b.jsonl: {loop}",
        "gone.txt": f"{folder}/gone.txt: symlink to a missing file (nowhere.txt): fix or "
        "remove the link",
        "loop.csv": f"{folder}/loop.csv: {loop}",
        "self": f"{folder}/self: symlink loop: it leads back to {folder}, a folder holding it; "
        "not followed (remove the link or point it elsewhere)",
        "sub/up": f"{folder}/sub/up: symlink loop: it leads back to {folder}, a folder "
        "holding it; not followed (remove the link or point it elsewhere)",
    }
    with pytest.raises(CorpusError) as err:
        discover([folder / "loop.csv"])
    assert str(err.value) == f"{folder}/loop.csv: {loop}"


def test_ingest_finds_the_loops_and_names_a_loop_given_as_a_path(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    write(folder / "good.csv", "text,film\nFine.,Up\n")
    (folder / "loop.csv").symlink_to("loop.csv")
    (folder / "self").symlink_to(".")
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to("..")
    index: Any = SimpleNamespace(catalog=SimpleNamespace(sources_at=lambda path: {}))
    found = _find(index, [folder], _Plan(), {}, prune=False)
    assert [(p.relative_to(folder).as_posix(), s) for p, s in found] == [
        ("good.csv", str((folder / "good.csv").resolve())),
        ("loop.csv", str(folder / "loop.csv")),
        ("self", str(folder / "self")),  # each loop its own source: each is reported
        ("sub/up", str(folder / "sub" / "up")),
    ]
    with pytest.raises(CorpusError, match=r"loop\.csv: symlink loop: fix or remove the link"):
        _find(index, [folder / "loop.csv"], _Plan(), {}, prune=True)


def test_a_pipe_named_like_a_corpus_file_is_reported_not_opened(tmp_path: Path) -> None:
    """Opening a FIFO would wait for a writer for ever."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    write(folder / "good.csv", "text,film\nFine.,Up\n")
    os.mkfifo(folder / "pipe.csv")
    found = discover([folder])
    assert [p.name for p in found] == ["good.csv", "pipe.csv"]
    with pytest.raises(CorpusError) as err:
        load_file(folder / "pipe.csv")
    assert str(err.value) == (
        f"{folder}/pipe.csv: not a regular file (a pipe, socket or device): save the reviews "
        "in a file"
    )


UNREADABLE = """
import sys
from pathlib import Path
from index.errors import CorpusError
from index.loaders import discover, load_file
for path in discover([Path(sys.argv[1])]):
    try:
        load_file(path)
    except CorpusError as exc:
        print(exc)
"""
# root, less the capabilities that let it read and list whatever the file modes say
WITHOUT_OVERRIDE = ["--bounding-set", "-dac_override,-dac_read_search"]
WITHOUT_OVERRIDE += ["--inh-caps", "-dac_override,-dac_read_search"]


def _load_as_file_modes_allow(folder: Path) -> list[str]:
    """The errors of loading every file of `folder` where chmod 000 holds: here unless root,
    else in a child process of root without the capabilities that override file modes."""
    if os.geteuid() != 0:
        return [str(exc) for exc in _errors_of(discover([folder]))]
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv (util-linux): chmod 000 cannot hold")
    done = subprocess.run(
        [setpriv, *WITHOUT_OVERRIDE, sys.executable, "-c", UNREADABLE, str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if done.returncode != 0 and "setpriv" in done.stderr:
        pytest.skip(f"root cannot drop its capabilities here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def _errors_of(paths: list[Path]) -> list[CorpusError]:
    errors = []
    for path in paths:
        try:
            load_file(path)
        except CorpusError as exc:
            errors.append(exc)
    return errors


@pytest.mark.slow
def test_an_unreadable_file_and_folder_are_reported(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    (folder / "locked").mkdir(parents=True)
    write(folder / "good.csv", "text,film\nFine.,Up\n")
    write(folder / "locked" / "hidden.csv", "text,film\nFine.,Up\n")
    write(folder / "secret.csv", "text,film\nFine.,Up\n").chmod(0)
    (folder / "locked").chmod(0)
    try:
        messages = _load_as_file_modes_allow(folder)
    finally:
        (folder / "locked").chmod(0o755)
    assert messages == [
        f"{folder}/locked: folder cannot be read (Permission denied): check its permissions",
        f"{folder}/secret.csv: cannot be read (Permission denied): check its permissions",
    ]


@pytest.mark.slow
def test_10000_tiny_files_in_bounded_time_one_line_per_bad_file(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    kinds = [
        ("txt", "# film: Up\nFine {}.\n"),
        ("csv", "text,film\nFine {},Up\n"),
        ("jsonl", '{{"text": "Fine {}", "film": "Up"}}\n'),
        ("json", '[{{"text": "Fine {}", "film": "Up"}}]'),
        ("csv", "a,b\n{},2\n"),  # no text column: a bad file
    ]
    for i in range(10_000):
        sub = folder / f"d{i % 50:02}"
        sub.mkdir(parents=True, exist_ok=True)
        suffix, content = kinds[i % len(kinds)]
        (sub / f"f{i:05}.{suffix}").write_text(content.format(i))
    started = time.process_time()
    files = discover([folder])
    reviews, errors = 0, []
    for path in files:
        try:
            reviews += len(load_file(path).reviews)
        except CorpusError as exc:
            errors.append(one_line_naming(exc, path))
    seconds = time.process_time() - started
    assert (len(files), reviews, len(errors)) == (10_000, 8_000, 2_000)
    assert seconds < 60, f"10,000 files took {seconds:.1f}s of CPU"


# --- every loader, generated files -------------------------------------------------------------

ODD = ["\x00", "\r", "\n", "\r\n", "\u2028", "\ufeff", '"', ",", "#", "\\", "{", "[", "é", " "]
ODD += ["\t", "<br />", "&amp;", "\x1b", "\x85", "\U0001f600", "1999-99-99", "2013-12-18"]
ODD_VALUES = st.one_of(
    st.text(max_size=12),
    st.sampled_from(ODD),
    st.lists(st.sampled_from([*ODD, "a", "Up", "b"]), max_size=6).map("".join),
)
PLAIN = st.sampled_from(["A fine film.", "Dull.", "Up (2009)", "Her", "Ann Lee", "r1", "", "x"])
VALUES = st.one_of(PLAIN, PLAIN, PLAIN, ODD_VALUES)  # mostly plausible, often odd
BAD_BYTES = [b"\x00", b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\x00\x00\x00"]
FIELDS = ["id", "text", "film", "date", "critic"]
OBJECTS = st.one_of(
    st.fixed_dictionaries(
        {"text": VALUES, "film": VALUES},
        optional={"id": VALUES, "date": VALUES, "critic": VALUES},
    ),
    st.dictionaries(st.sampled_from(FIELDS), VALUES),
)


def _splice(data: bytes, draw: Any) -> bytes:
    """`data` with a few bad bytes put in (never a line end, so no row moves)."""
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(data)))
        if data[at - 1 : at] == b"\r":  # between CR and LF it would make a line end
            at -= 1
        data = data[:at] + draw(st.sampled_from(BAD_BYTES)) + data[at:]
    return data


def _line_rows(data: bytes, comments: bool) -> list[int]:
    """The line numbers of the rows of a line-per-row file (what must be kept or skipped)."""
    rows = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        text = line.decode("utf-8", "surrogateescape")
        if number == 1:
            text = text.removeprefix("\ufeff")
        stripped = text.strip()
        if stripped and not (comments and stripped.startswith("#")):
            rows.append(number)
    return rows


def _csv_rows(draw: Any) -> tuple[bytes, list[int]]:
    extra = draw(st.lists(st.sampled_from(["id", "date", "critic"]), max_size=3, unique=True))
    header = draw(st.permutations(["text", "film", *extra]))
    # a lone CR is quoted only when it is in the line end, or with every field quoted
    end, quoting = draw(st.sampled_from([("\r\n", csv.QUOTE_MINIMAL), ("\n", csv.QUOTE_ALL)]))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=end, quoting=quoting)
    writer.writerow(header)
    starts, line = [], 2
    for _ in range(draw(st.integers(0, 12))):
        width = len(header) + draw(st.sampled_from([0, 0, 0, 1, -1]))
        row = [draw(VALUES) for _ in range(max(width, 2))]
        record = io.StringIO()
        csv.writer(record, lineterminator=end, quoting=quoting).writerow(row)
        text = record.getvalue()
        writer.writerow(row)
        starts.append(line)
        line += len(io.StringIO(text, newline="").readlines())
    return _splice(out.getvalue().encode(), draw), starts


@st.composite
def corpus_files(draw: Any, suffix: str) -> tuple[bytes, list[int]]:
    """A file of `suffix` with odd values and bad bytes, and the rows it holds."""
    kind = suffix.removesuffix(".gz")
    if kind == ".csv":
        return _csv_rows(draw)
    objects = draw(st.lists(OBJECTS, max_size=12))
    if kind == ".txt":
        lines = [str(obj.get("text", "")).replace("\n", " ").replace("\r", " ") for obj in objects]
        first = draw(st.sampled_from(["# film: Up (2009)\n", "", "\ufeff"]))
        data = _splice((first + "".join(f"{line}\n" for line in lines)).encode(), draw)
        return data, _line_rows(data, comments=True)
    if kind == ".jsonl":
        ascii_only = draw(st.booleans())
        items: list[Any] = [*objects, *draw(st.lists(st.sampled_from([1, "x", [], None])))]
        items = draw(st.permutations(items))
        text = "".join(json.dumps(item, ensure_ascii=ascii_only) + "\n" for item in items)
        data = _splice(text.encode(), draw)
        return data, _line_rows(data, comments=False)
    items = [*objects, *draw(st.lists(st.sampled_from([1, "x", [], None]), max_size=3))]
    text = json.dumps(draw(st.permutations(items)), indent=draw(st.sampled_from([None, 1])))
    return _splice(text.encode(), draw), list(range(1, len(items) + 1))


def _load_and_account(path: Path, rows: list[int]) -> None:
    """Only reviewqa's errors escape; when the file loads, every row is kept or skipped
    with its line, none both, and what is kept is text that can be stored."""
    try:
        result = load_file(path)
    except ReviewQAError as exc:
        assert "\n" not in str(exc) and str(path) in str(exc)
        return
    kept_lines = [r.line for r in result.reviews]
    skipped_lines = [p.line for p in result.problems]
    assert len(set(kept_lines)) == len(kept_lines)
    assert len(set(skipped_lines)) == len(skipped_lines)
    assert not set(kept_lines) & set(skipped_lines)
    assert set(rows) <= set(kept_lines) | set(skipped_lines)
    for review in result.reviews:
        for value in (review.text, review.film, review.critic, review.id):
            assert "\x00" not in value
            value.encode("utf-8")
    for problem in result.problems:
        assert "\n" not in str(problem)
        json.dumps(problem.to_json(), ensure_ascii=False).encode("utf-8")


SUFFIXES = [".txt", ".csv", ".jsonl", ".json", ".csv.gz", ".jsonl.gz", ".json.gz"]


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_every_generated_file_loads_or_fails_cleanly(tmp_path: Path, suffix: str) -> None:
    """80 generated files of each of 7 kinds (560): rows with NULs, bad bytes, odd quotes,
    line ends and escapes are kept or skipped with their line; nothing else escapes."""
    path = tmp_path / f"generated{suffix}"

    @hsettings(
        max_examples=80,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(generated=corpus_files(suffix))
    def check(generated: tuple[bytes, list[int]]) -> None:
        data, rows = generated
        path.write_bytes(gzip.compress(data, 1) if suffix.endswith(".gz") else data)
        _load_and_account(path, rows)

    check()


@hsettings(max_examples=100, deadline=None, database=None)
@given(data=st.binary(max_size=400), suffix=st.sampled_from(SUFFIXES), cut=st.integers(0, 60))
def test_any_bytes_load_or_fail_cleanly(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, suffix: str, cut: int
) -> None:
    """Arbitrary bytes (and, for .gz, a gzip stream cut short) under every suffix."""
    path = tmp_path_factory.mktemp("bytes") / f"soup{suffix}"
    if suffix.endswith(".gz"):
        data = gzip.compress(data)
        data = data[: len(data) - cut] if cut < len(data) else data
    path.write_bytes(data)
    _load_and_account(path, [])
