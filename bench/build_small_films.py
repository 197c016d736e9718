"""Build the small-film variant of the Pixar semantic dev set, outside the repository.

    python -m bench.build_small_films [--per-film 12] [--seeds 7 8 9] [--out DIR]

The issue's held-out set scored the stock pipeline at recall 0.70 where this dev set scores
it at 0.33, as if its films had far fewer reviews. This writes that case from the public
data: for each seed, every Pixar film cut to `--per-film` of its reviews with a quote (a
seeded sample), and the semantic dev questions with their gold cut to the reviews kept
(questions left without gold are dropped). Beside them, once, the CS109 quotes without the
films the Pixar set also holds ("Toy Story"), so that an index of both has the size of one in
use and no film twice. Into DIR (default: `reviewqa-small-films` in the system temp folder;
never into this repository: the data is not ours to copy):

- `cs109/critics.csv`: the CS109 rows, the Pixar titles left out;
- `seed{N}/pixar/critic_reviews.csv` and `movies.csv`: the cut Pixar reviews;
- `seed{N}.jsonl`: the questions, for `reviewqa eval`.

It prints the commands that index and score each seed (`--baseline` for the stock pipeline in
the same run).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path

from bench.common import ROOT, shared

SEMANTIC_DEV = ROOT.parent / "shared" / "eval" / "pixar_semantic_dev.jsonl"


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def cut_reviews(rows: list[dict[str, str]], per_film: int, seed: int) -> list[dict[str, str]]:
    """At most `per_film` reviews with a quote of each film, sampled with `seed`."""
    by_film: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        if row["quote"].strip():
            by_film[row["movieId"]].append(row)
    rng = random.Random(seed)
    kept: list[dict[str, str]] = []
    for film in sorted(by_film):
        reviews = by_film[film]
        kept += rng.sample(reviews, min(per_film, len(reviews)))
    return kept


def cut_questions(lines: list[str], kept: set[str]) -> list[dict[str, object]]:
    """The questions with their gold (and syn_gold) cut to `kept`; those left without gold
    dropped."""
    questions = []
    for line in lines:
        question = json.loads(line)
        question["gold"] = [g for g in question["gold"] if g in kept]
        question["syn_gold"] = [g for g in question.get("syn_gold", []) if g in kept]
        if question["gold"]:
            questions.append(question)
    return questions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-film", type=int, default=12)
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 8, 9])
    parser.add_argument(
        "--out", type=Path, default=Path(tempfile.gettempdir()) / "reviewqa-small-films"
    )
    args = parser.parse_args(argv)
    pixar = shared("rt-critics-pixar")
    movies = _read(pixar / "movies.csv")
    titles = {row["movieTitle"].casefold() for row in movies}
    cs109 = [
        r
        for r in _read(shared("rt-critics-cs109", "critics.csv"))
        if r["title"].casefold() not in titles
    ]
    _write(args.out / "cs109" / "critics.csv", cs109)
    reviews = _read(pixar / "critic_reviews.csv")
    lines = [line for line in SEMANTIC_DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    print(f"{args.out}/cs109/critics.csv: {len(cs109)} rows (the Pixar titles left out)")
    print("index and score each seed (copy the CS109 home once it is built):")
    print(f"  reviewqa --home {args.out}/cs109-home ingest {args.out}/cs109")
    for seed in args.seeds:
        kept = cut_reviews(reviews, args.per_film, seed)
        folder = args.out / f"seed{seed}" / "pixar"
        _write(folder / "critic_reviews.csv", kept)
        shutil.copy(pixar / "movies.csv", folder / "movies.csv")
        questions = cut_questions(lines, {row["reviewId"] for row in kept})
        path = args.out / f"seed{seed}.jsonl"
        path.write_text("".join(json.dumps(q) + "\n" for q in questions), encoding="utf-8")
        home = args.out / f"home{seed}"
        print(f"  # seed {seed}: {len(kept)} reviews, {len(questions)} questions")
        print(f"  cp -r {args.out}/cs109-home {home}")
        print(f"  reviewqa --home {home} ingest {folder.parent / 'pixar'}")
        print(f"  reviewqa --home {home} eval {path} --k 8 --baseline")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
