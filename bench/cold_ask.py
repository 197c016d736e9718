"""A cold `reviewqa ask` (a new process: imports, model, index opened, one answer), against the
floor of the same run: the same process answering nothing (`reviewqa --help`).

    python -m bench.cold_ask --home DIR [--runs 3] [--film "Fargo"]

DIR must hold an index, e.g. from
`reviewqa --home DIR ingest ../shared/data/rt-critics-cs109/critics.csv`. The questions are
the kinds a reader asks first: a thing in one film, who disliked one film, a name written in
reviews of one film, and a name asked of every film (the one kind that searches Chroma's
vectors; the others rank one film's passages by the vectors the catalog keeps). Runs of the
kinds are interleaved, so that a busier moment of the machine weighs on all alike.
"""

from __future__ import annotations

import argparse
import statistics
import sys

from bench.common import run_command

TARGET_SECONDS = 3.0


def questions(film: str) -> list[tuple[str, str]]:
    return [
        ("a thing in one film", f"How is the acting in {film}?"),
        ("who disliked one film", f"Who disliked {film}?"),
        ("a name in one film", f"What do critics say about McDormand in {film}?"),
        ("a name in every film (Chroma)", "What do critics say about McDormand?"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", required=True, help="a folder holding an index")
    parser.add_argument("--runs", type=int, default=3, help="cold runs of each (default 3)")
    parser.add_argument("--film", default="Fargo", help="the film asked about (default Fargo)")
    args = parser.parse_args(argv)

    cli = [sys.executable, "-m", "ui.cli"]
    asked = questions(args.film)
    commands = [("floor: reviewqa --help", [*cli, "--help"])]
    commands += [(kind, [*cli, "--home", args.home, "ask", q]) for kind, q in asked]
    seconds: dict[str, list[float]] = {label: [] for label, _ in commands}
    for _ in range(args.runs):
        for label, command in commands:
            seconds[label].append(run_command(command).seconds)

    floor = statistics.median(seconds[commands[0][0]])
    print(f"cold runs: {args.runs} each, interleaved; target < {TARGET_SECONDS:.0f} s\n")
    print("| question | min / median / max | median vs floor |")
    print("|---|---|---|")
    for label, _ in commands:
        runs = seconds[label]
        spread = f"{min(runs):.2f} / {statistics.median(runs):.2f} / {max(runs):.2f} s"
        print(f"| {label} | {spread} | {statistics.median(runs) / floor:.1f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
