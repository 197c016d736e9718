"""Bounded input: a gzip file that expands past the limit is refused as it is read, with the
file, the limit and the setting named, and memory stays near the limit (a gzip bomb)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from index.errors import ConfigError, CorpusError
from index.ingest import ingest
from index.loaders import load_file
from tests.conftest import ROOT
from ui.cli import main as cli
from ui.settings import load_settings

MB = 1 << 20
LINE = b'{"text": "Zero zero zero zero zero zero.", "film": "Bomb (2024)"}\n'


def write_bomb(path: Path, expanded: int) -> Path:
    """A .jsonl.gz of valid rows that expands to `expanded` bytes from a few dozen KB."""
    block = LINE * (MB // len(LINE))
    with gzip.open(path, "wb", compresslevel=9) as f:
        for _ in range(expanded // len(block) + 1):
            f.write(block)
    return path


def write_jsonl_gz(path: Path, film: str, n: int) -> Path:
    lines = (
        json.dumps({"text": f"Review {i} of {film}: fine work.", "film": film}) for i in range(n)
    )
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    return path


def test_a_gzip_bomb_is_refused_and_the_files_beside_it_are_ingested(tmp_path: Path) -> None:
    folder = tmp_path / "upload"
    folder.mkdir()
    bomb = write_bomb(folder / "bomb.jsonl.gz", 50 * MB)
    assert bomb.stat().st_size < MB // 4
    write_jsonl_gz(folder / "good.jsonl.gz", "Good (2020)", 3)
    (folder / "plain.csv").write_text("text,film\nA fine film.,Plain (2021)\n", encoding="utf-8")
    settings = load_settings(home=tmp_path / "home")

    report = ingest([folder], settings, max_decompressed_bytes=MB)  # memory: see below

    by_name = {f.path.name: f for f in report.files}
    assert by_name["bomb.jsonl.gz"].error == (
        f"{bomb}: expands past 1,048,576 bytes when decompressed, the limit "
        "(the limit of this ingest): split the file or raise the limit"
    )
    assert (by_name["good.jsonl.gz"].added, by_name["good.jsonl.gz"].error) == (3, None)
    assert (by_name["plain.csv"].added, by_name["plain.csv"].error) == (1, None)
    assert report.failed

    again = ingest(
        [bomb], settings, max_decompressed_bytes=MB, limit_name="REVIEWQA_MAX_UPLOAD_EXPANDED_BYTES"
    )
    assert again.files[0].error == (
        f"{bomb}: expands past 1,048,576 bytes when decompressed, the limit "
        "(REVIEWQA_MAX_UPLOAD_EXPANDED_BYTES): split the file or raise the limit"
    )


def test_the_setting_caps_an_ingest_and_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bomb = write_bomb(tmp_path / "bomb.csv.gz", 4 * MB)
    monkeypatch.setenv("REVIEWQA_MAX_DECOMPRESSED_BYTES", str(MB))
    assert cli(["ingest", str(bomb)]) == 1
    out = capsys.readouterr().out
    assert (
        f"error: {bomb}: expands past 1,048,576 bytes when decompressed, the limit "
        "(REVIEWQA_MAX_DECOMPRESSED_BYTES): split the file or raise the limit"
    ) in out


def test_a_gzip_file_under_the_limit_loads_whole(tmp_path: Path) -> None:
    path = write_jsonl_gz(tmp_path / "r.jsonl.gz", "Her (2013)", 2000)
    expanded = len(gzip.decompress(path.read_bytes()))
    result = load_file(path, max_decompressed_bytes=expanded)  # exactly at the limit
    assert len(result.reviews) == 2000
    assert {r.film for r in result.reviews} == {"Her (2013)"}
    with pytest.raises(Exception, match="expands past"):
        load_file(path, max_decompressed_bytes=expanded - 1)


def test_the_limit_must_be_positive() -> None:
    with pytest.raises(ConfigError, match="REVIEWQA_MAX_DECOMPRESSED_BYTES: Input should be"):
        load_settings(max_decompressed_bytes=0)
    assert load_settings().max_decompressed_bytes == 2 * 1024**3


PEAK = """
import sys, time, tracemalloc
from pathlib import Path
from index.errors import ConfigError, CorpusError
from index.loaders import load_file

tracemalloc.start()
started = time.perf_counter()
try:
    load_file(Path(sys.argv[1]), max_decompressed_bytes=int(sys.argv[2]))
except CorpusError as exc:
    print(exc)
print(time.perf_counter() - started)
print(tracemalloc.get_traced_memory()[1])
"""


@pytest.mark.slow
@pytest.mark.parametrize("cap_mb", [1, 8])
def test_memory_stays_near_the_limit_whatever_the_bomb_expands_to(
    tmp_path: Path, cap_mb: int
) -> None:
    """A 200 MB bomb read under a cap of 1 or 8 MB: the peak follows the cap, not the bomb."""
    bomb = write_bomb(tmp_path / "bomb.jsonl.gz", 200 * MB)
    done = subprocess.run(
        [sys.executable, "-c", PEAK, str(bomb), str(cap_mb * MB)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    message, _seconds, peak = done.stdout.splitlines()
    assert "expands past" in message  # stopped at the cap: the time is bench material, not a test
    assert int(peak) < cap_mb * MB * 1.15 + MB  # the cap (a bytearray grows by 1/8), a piece


def test_json_nested_without_end_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    """Hostile input: an array nested 100,000 deep raised RecursionError out of the loader."""
    deep = "[" * 100_000 + "]" * 100_000
    array = tmp_path / "deep.json"
    array.write_text(deep, encoding="utf-8")
    with pytest.raises(CorpusError, match="nested too deep"):
        load_file(array)
    lines = tmp_path / "deep.jsonl"
    good = json.dumps({"film": "Up (2009)", "text": "A lovely balloon ride."})
    also = json.dumps({"film": "Up (2009)", "text": "Too sweet by half."})
    lines.write_text(f"{good}\n{deep}\n{also}\n", encoding="utf-8")
    loaded = load_file(lines)
    assert [r.line for r in loaded.reviews] == [1, 3]  # the good rows around it are kept
    assert [(p.line, "nested too deep" in p.reason) for p in loaded.problems] == [(2, True)]


def test_a_review_past_the_length_limit_is_skipped_with_its_line(tmp_path: Path) -> None:
    """Hostile input: a 10 MB single-line review ran past 120 s (embedding ~11k chunks)."""
    path = tmp_path / "huge.txt"
    huge = "A review that never ends. " * 400_000  # 10.4 MB on one line
    path.write_text(f"# film: Up (2009)\nA lovely balloon ride.\n{huge}\nToo sweet.\n")
    loaded = load_file(path)
    assert [r.text for r in loaded.reviews] == ["A lovely balloon ride.", "Too sweet."]
    [problem] = loaded.problems
    assert problem.line == 3
    assert "the limit is 200,000 (REVIEWQA_MAX_REVIEW_CHARS)" in problem.reason
    small = load_file(path, max_review_chars=10)
    assert [r.text for r in small.reviews] == ["Too sweet."]
