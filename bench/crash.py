"""Kill-anywhere: a command killed with SIGKILL at points spread over its run, run again each
time, must leave an index that is exact (review, chunk and vector counts), `reviewqa check`
clean, and answering as an unkilled run answers.

    python -m bench.crash [FILE] [--kills 10]

FILE defaults to the 15,563 CS109 quotes in ../shared/data (as JSON Lines, written to a
temporary folder). Prints, per scenario, the kills that landed, the time each rerun took to
recover, and whether the end state matches the reference run. The test suite runs the same
driver (`tests/test_crash.py`) on a few thousand generated reviews.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MAX_ATTEMPTS = 5  # copies tried per kill point before giving up on landing it
QUESTIONS = ("What do critics say about the acting?", "Who disliked Fargo?")


@dataclass
class Outcome:
    """What one scenario did: when each kill landed, how long each rerun took."""

    name: str
    kill_seconds: list[float] = field(default_factory=list)
    landed: int = 0  # kills that stopped a run before it finished
    rerun_seconds: list[float] = field(default_factory=list)
    homes: list[Path] = field(default_factory=list)


def reviewqa(home: Path, *args: str) -> list[str]:
    """The argv of `reviewqa --home HOME ARGS` in this interpreter."""
    return [sys.executable, "-m", "ui.cli", "--home", str(home), *args]


def run(argv: Sequence[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, done


def kill_after(argv: Sequence[str], env: dict[str, str], seconds: float) -> bool:
    """Start `argv`, SIGKILL it after `seconds`; True when the kill landed (it still ran)."""
    proc = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        proc.wait(timeout=seconds)
        return False
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return True


def kill_during(
    name: str,
    argv_for: Callable[[Path], list[str]],
    env: dict[str, str],
    duration: float,
    kills: int,
    template: Path | None,
    work: Path,
) -> Outcome:
    """Run `argv_for(home)` in fresh copies of `template` (or empty homes), killing the i-th
    at (i / (kills + 1)) of `duration` into its run, then run it again to the end in that
    home. A run that ends before its kill (the machine was faster than for `duration`) is
    tried again, sooner, in a new copy, until `kills` kills have landed."""
    outcome = Outcome(name)
    for i in range(1, kills + 1):
        at = duration * i / (kills + 1)
        for attempt in range(MAX_ATTEMPTS):
            home = work / f"{name.replace(' ', '')}-{i}-{attempt}"
            if template is not None:
                shutil.copytree(template, home)
            landed = kill_after(argv_for(home), env, at)
            seconds, done = run(argv_for(home), env)
            if done.returncode != 0:
                raise AssertionError(f"{name}: the run after kill {i} failed:\n{done.stderr}")
            outcome.homes.append(home)
            if landed:
                outcome.landed += 1
                outcome.kill_seconds.append(round(at, 2))
                outcome.rerun_seconds.append(round(seconds, 2))
                break
            at *= 0.6
    return outcome


def command(args: Sequence[str], home: Path) -> list[str]:
    return reviewqa(home, *args)


def checked(home: Path, env: dict[str, str]) -> dict[str, object]:
    """`reviewqa check --json` of `home`: its counts and whether it is clean."""
    _, done = run(reviewqa(home, "check", "--json"), env)
    report = json.loads(done.stdout) if done.stdout else {}
    keys = ("reviews", "chunks", "vectors", "ok")
    return {key: report.get(key) for key in keys}


def state(
    home: Path, env: dict[str, str], questions: Sequence[str] = QUESTIONS
) -> dict[str, object]:
    """Counts, `check` and answers: what must match between a killed and an unkilled run."""
    _, stats = run(reviewqa(home, "stats", "--json"), env)
    counts = json.loads(stats.stdout)
    answers: list[list[str]] = []
    for question in questions:
        _, asked = run(reviewqa(home, "ask", question, "--json", "--engine", "extractive"), env)
        result: dict[str, Any] = json.loads(asked.stdout) if asked.returncode == 0 else {}
        answers.append([str(c["review_id"]) for c in result.get("citations", [])])
    return {
        "reviews": counts["reviews"],
        "chunks": counts["chunks"],
        "vectors": counts["vectors"],
        "check_ok": checked(home, env)["ok"],
        "answers": answers,
    }


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEWQA_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    if os.environ.get("REVIEWQA_MODEL_CACHE"):
        env["REVIEWQA_MODEL_CACHE"] = os.environ["REVIEWQA_MODEL_CACHE"]
    return env


def split_corpus(corpus: Path, folder: Path) -> tuple[Path, Path]:
    """`corpus`'s rows as two files in `folder` (a.EXT, b.EXT), so that a prune has a whole
    file to remove. A CSV's header goes into both."""
    lines = corpus.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[:1] if corpus.suffix == ".csv" else []
    body = lines[len(header) :]
    folder.mkdir(parents=True, exist_ok=True)
    first, second = folder / f"a{corpus.suffix}", folder / f"b{corpus.suffix}"
    first.write_text("".join(header + body[: len(body) // 2]), encoding="utf-8")
    second.write_text("".join(header + body[len(body) // 2 :]), encoding="utf-8")
    return first, second


def scenarios(
    corpus: Path,
    work: Path,
    kills: int,
    env: dict[str, str],
    questions: Sequence[str] = QUESTIONS,
) -> tuple[dict[str, object], list[Outcome], list[str]]:
    """An unkilled reference run of ingest, ingest --prune (of a deleted file) and repair (of
    a lost vector store), copied at each step; then each step killed in copies of the
    reference's home before it (ingest `kills` times, the others kills // 3 times). Returns
    the reference's end state, the outcomes, and every way a killed home differs from the
    reference after the same step ([] when none does)."""
    source = work / "source"
    _, second = split_corpus(corpus, source)
    reference = work / "reference"
    ingest = ["ingest", str(source)]
    prune = ["ingest", "--prune", str(source)]
    steps: list[tuple[str, list[str], int]] = [
        ("ingest", ingest, kills),
        ("ingest --prune", prune, max(1, kills // 3)),
        ("repair", ["repair"], max(1, kills // 3)),
    ]
    outcomes, differences = [], []
    for name, args, times in steps:
        if name == "ingest --prune":
            second.unlink()
        if name == "repair":
            lose_store(reference)
        before = work / f"before-{name.replace(' ', '')}"
        if reference.exists():
            shutil.copytree(reference, before)
        seconds, done = run(reviewqa(reference, *args), env)
        if done.returncode != 0:
            raise AssertionError(f"the reference {name} failed:\n{done.stderr}")
        expected = checked(reference, env)
        outcome = kill_during(
            name,
            partial(command, args),
            env,
            seconds,
            times,
            before if before.exists() else None,
            work,
        )
        outcomes.append(outcome)
        for home in outcome.homes:
            got = checked(home, env)
            if got != expected:
                differences.append(f"{home.name}: {got} != {expected}")
    final = state(reference, env, questions)
    last = state(outcomes[-1].homes[-1], env, questions)
    if last != final:
        differences.append(f"answers after the killed repair: {last} != {final}")
    return final, outcomes, differences


def lose_store(home: Path) -> None:
    """Delete every generation of the embedded vector store: all vectors are gone."""
    for folder in home.glob("chroma*"):
        shutil.rmtree(folder)


def cs109_jsonl(folder: Path) -> Path:
    """The CS109 quotes of ../shared/data as JSON Lines (one review a line)."""
    import csv

    source = ROOT.parent / "shared" / "data" / "rt-critics-cs109" / "critics.csv"
    if not source.exists():
        raise SystemExit(f"{source} is absent: give a corpus file (JSON Lines or CSV)")
    target = folder / "cs109.jsonl"
    with source.open(newline="", encoding="utf-8") as f, target.open("w") as out:
        for row in csv.DictReader(f):
            out.write(json.dumps(row) + "\n")
    return target


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", help="a JSON Lines or CSV corpus (default: CS109)")
    parser.add_argument("--kills", type=int, default=10, help="kills of the ingest (10)")
    args = parser.parse_args(argv)
    env = environment()
    with tempfile.TemporaryDirectory(prefix="reviewqa-crash-") as tmp:
        work = Path(tmp)
        corpus = Path(args.corpus).resolve() if args.corpus else cs109_jsonl(work)
        final, outcomes, differences = scenarios(corpus, work, args.kills, env)
    for o in outcomes:
        recover = sorted(o.rerun_seconds)
        print(
            f"{o.name}: {o.landed} of {len(o.kill_seconds)} kills landed (at {o.kill_seconds} s); "
            f"the run after a kill took {recover[0]}-{recover[-1]} s "
            f"(median {recover[len(recover) // 2]} s)"
        )
    print(f"end state: {final}")
    for line in differences:
        print(f"DIFFERS: {line}")
    print("every killed run ended as the unkilled one" if not differences else "FAILED")
    return 0 if not differences else 1


if __name__ == "__main__":
    sys.exit(main())
