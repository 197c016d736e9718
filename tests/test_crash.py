"""Kill-anywhere: ingest, ingest --prune and repair, each killed with SIGKILL at points spread
over its run and run again, end exactly where an unkilled run ends (counts, `reviewqa check`,
answers). The same driver runs on the 15,563 CS109 quotes as `python -m bench.crash`."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bench.crash import environment, scenarios

pytestmark = pytest.mark.slow

REVIEWS = 1500
KILLS = 11


def write_corpus(path: Path) -> Path:
    words = ["moving", "tedious", "funny", "bleak", "gorgeous", "clumsy", "tender", "shrill"]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "film", "critic", "publication", "date", "fresh", "quote"])
        for i in range(REVIEWS):
            word = words[i % len(words)]
            writer.writerow(
                [f"k{i}", f"Film {i % 40} (20{10 + i % 10})", f"Critic {i % 97}",
                 f"Outlet {i % 13}", f"2015-{1 + i % 12:02d}-{1 + i % 28:02d}",
                 "fresh" if i % 3 else "rotten",
                 f"A {word} picture; the acting in scene {i} is {words[(i * 7) % 8]}."]
            )  # fmt: skip
    return path


def test_killed_anywhere_the_index_ends_as_an_unkilled_run_ends(
    tmp_path: Path, model_cache: Path
) -> None:
    corpus = write_corpus(tmp_path / "corpus.csv")
    env = environment()
    env["REVIEWQA_MODEL_CACHE"] = str(model_cache)
    questions = ("What do critics say about the acting?", "Who disliked Film 3?")
    final, outcomes, differences = scenarios(corpus, tmp_path / "work", KILLS, env, questions)
    assert differences == []
    landed = {o.name: o.landed for o in outcomes}
    # Kill points a run on a loaded machine outran are tried again sooner (bench.crash); at
    # least ten kills stop an ingest mid-run, and some stop --prune and repair.
    assert landed["ingest"] >= 10 and landed["ingest --prune"] >= 2 and landed["repair"] >= 2
    assert final["reviews"] == REVIEWS // 2  # the prune removed the second file
    assert final["check_ok"] is True and all(final["answers"]), final
