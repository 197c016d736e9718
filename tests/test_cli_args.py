"""Bad command-line values exit 2 naming the option, the value and the fix (as the HTTP API
answers 422); bad values in `ask --batch` lines are reported for their line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.ingest import ingest
from index.settings import Settings
from tests.support.reviews import COLUMNS
from ui.cli import main as cli


def usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The error line argparse prints for `argv`, after checking it exits 2 with no output."""
    with pytest.raises(SystemExit) as exited:
        cli(argv)
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (
            ["ask", "q", "--since", "yesterday"],
            "reviewqa ask: error: argument --since: 'yesterday' is not a date: write "
            "YYYY-MM-DD, e.g. 2013-12-18",
        ),
        (
            ["ask", "q", "--until", "2020-13-45"],
            "reviewqa ask: error: argument --until: '2020-13-45' is not a real date: write "
            "YYYY-MM-DD with a month from 01 to 12 and a day that month has",
        ),
        (
            ["ask", "q", "--since", "2023-02-29"],
            "reviewqa ask: error: argument --since: '2023-02-29' is not a real date: write "
            "YYYY-MM-DD with a month from 01 to 12 and a day that month has",
        ),
        (
            ["ask", "q", "--since", "20200101"],
            "reviewqa ask: error: argument --since: '20200101' is not a date: write "
            "YYYY-MM-DD, e.g. 2013-12-18",
        ),
        (
            ["ask", "q", "--since", "2021-01-01", "--until", "2020-06-30"],
            "reviewqa ask: error: argument --until: 2020-06-30 is before --since 2021-01-01: "
            "no review can match; swap the two dates",
        ),
        (
            ["ask", "q", "--k", "0"],
            "reviewqa ask: error: argument --k: 0 is out of range: give a whole number "
            "from 1 to 50",
        ),
        (
            ["ask", "q", "--k", "51"],
            "reviewqa ask: error: argument --k: 51 is out of range: give a whole number "
            "from 1 to 50",
        ),
        (
            ["ask", "q", "--k", "three"],
            "reviewqa ask: error: argument --k: 'three' is not a whole number: give one "
            "from 1 to 50",
        ),
        (
            ["ask", "q", "--film", " "],
            "reviewqa ask: error: argument --film: ' ' is empty: give a name or leave the "
            "option out",
        ),
        (["ask"], "reviewqa ask: error: give a QUESTION or --batch FILE.jsonl"),
        (
            ["ask", "q", "--batch", "q.jsonl"],
            "reviewqa ask: error: give a QUESTION or --batch FILE.jsonl, not both",
        ),
        (
            ["chat", "--since", "2020-02-30"],
            "reviewqa chat: error: argument --since: '2020-02-30' is not a real date: write "
            "YYYY-MM-DD with a month from 01 to 12 and a day that month has",
        ),
        (
            ["chat", "--since", "2021-01-01", "--until", "2020-01-01"],
            "reviewqa chat: error: argument --until: 2020-01-01 is before --since 2021-01-01: "
            "no review can match; swap the two dates",
        ),
        (
            ["eval", "q.jsonl", "--k", "0"],
            "reviewqa eval: error: argument --k: 0 is out of range: give a whole number "
            "from 1 to 50",
        ),
        (
            ["stats", "--films", "-1"],
            "reviewqa stats: error: argument --films: -1 is out of range: give a whole number "
            "of 0 or more",
        ),
        (
            ["serve", "--port", "0"],
            "reviewqa serve: error: argument --port: 0 is out of range: give a whole number "
            "from 1 to 65535",
        ),
        (
            ["serve", "--port", "70000"],
            "reviewqa serve: error: argument --port: 70000 is out of range: give a whole "
            "number from 1 to 65535",
        ),
        (
            ["ingest", "reviews.csv", "--film", ""],
            "reviewqa ingest: error: argument --film: '' is empty: give a name or leave the "
            "option out",
        ),
    ],
)
def test_bad_values_exit_2_naming_option_value_and_fix(
    argv: list[str], error: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert usage_error(argv, capsys) == error


def test_ingest_wait_is_still_checked(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["ingest", "reviews.csv", "--wait", "-1"]) == 2
    assert "--wait -1.0: give a number of seconds, 0 or more" in capsys.readouterr().err


def test_good_values_pass_the_checks(capsys: pytest.CaptureFixture[str]) -> None:
    """Valid values get as far as the index (none here: exit 2 naming the fix, no model)."""
    code = cli(
        ["ask", "q", "--since", "2024-02-29", "--until", "2024-02-29", "--k", "50", "--json"]
    )
    assert code == 2
    assert "no index at" in capsys.readouterr().err


@pytest.fixture
def small_home(settings: Settings, tmp_path: Path) -> Path:
    """Four reviews of one film, indexed with the real model."""
    path = tmp_path / "up.csv"
    lines = [
        ",".join(COLUMNS),
        "Up (2009),Ann Hornaday,Post,2009-05-29,positive,A lovely balloon adventure.",
        "Up (2009),Kyle Smith,NY Post,2009-05-29,negative,The montage is manipulative.",
        "Up (2009),Roger Ebert,Sun-Times,2009-05-28,positive,A wonderful film about loss.",
        "Up (2009),Manohla Dargis,NY Times,2012-01-01,positive,The adventure soars later on.",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = ingest([path], settings)
    assert report.added == 4
    return settings.home


def test_batch_reports_bad_values_for_their_line(
    small_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = tmp_path / "q.jsonl"
    lines = [
        {"id": "ok", "question": "What about the adventure?", "critic": ["Roger Ebert"]},
        {"id": "date", "question": "What about Up?", "since": "yesterday"},
        {"id": "k", "question": "What about Up?", "k": 0},
        {"id": "film", "question": "What about Up?", "film": 7},
        {"id": "order", "question": "What about Up?", "since": "2009-06-01"},
        {"id": "flag", "question": "What about Up?", "top_critics": "yes"},
    ]
    batch.write_text("".join(json.dumps(line) + "\n" for line in lines) + "{broken\n")
    argv = ["--home", str(small_home), "ask", "--json", "--batch", str(batch)]
    code = cli([*argv, "--engine", "extractive", "--until", "2009-05-31"])
    assert code == 1
    captured = capsys.readouterr()
    out = [json.loads(line) for line in captured.out.splitlines()]
    assert [o.get("id") for o in out] == ["ok", "date", "k", "film", "order", "flag", None]
    assert {c["critic"] for c in out[0]["citations"]} == {"Roger Ebert"}
    assert [o["error"] for o in out[1:]] == [
        f"{batch}:2: \"since\": 'yesterday' is not a date: write YYYY-MM-DD, e.g. 2013-12-18",
        f'{batch}:3: "k": 0 is out of range: give a whole number from 1 to 50',
        f'{batch}:4: "film": 7 is not a name: give it as text',
        f'{batch}:5: "until": 2009-05-31 is before "since" 2009-06-01 (a date the line '
        "leaves out comes from --since/--until): swap the two dates",
        f"{batch}:6: \"top_critics\": 'yes' is not true or false: write true or false (JSON)",
        f"{batch}:7: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
    ]
    assert captured.err.count("error: ") == 6


def test_batch_lines_take_the_command_line_filters(
    small_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--until` applies to every line; a line's own `until` replaces it."""
    batch = tmp_path / "q.jsonl"
    lines = [
        {"id": "cli", "question": "What about the adventure?"},
        {"id": "own", "question": "What about the adventure?", "until": "2013-01-01"},
    ]
    batch.write_text("".join(json.dumps(line) + "\n" for line in lines))
    argv = ["--home", str(small_home), "ask", "--json", "--batch", str(batch)]
    assert cli([*argv, "--engine", "extractive", "--until", "2010-01-01"]) == 0
    cli_only, own = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert "2012-01-01" not in {c["date"] for c in cli_only["citations"]}
    assert "2012-01-01" in {c["date"] for c in own["citations"]}
