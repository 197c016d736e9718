"""Build a SubjQA dev question set and its review corpus, outside the repository.

    python -m bench.build_subjqa_dev [--csv ../shared/data/subjqa-movies/dev.csv] [--out DIR]

Reads the SubjQA movies dev split (Amazon movie reviews, human questions and answer spans)
and writes two files into DIR (default: `reviewqa-subjqa` in the system temp folder; never
into this repository: the data is not ours to copy):

- `subjqa_dev.jsonl`: one question a line for `reviewqa eval`, from the answerable rows
  (`human_ans_spans` is not ANSWERNOTFOUND):
  {"id", "kind": "subjqa", "question", "film": item_id, "gold": [review_id],
   "answer_spans": [the human answer span(s)]}. Rows asking the same question of the same
  film are one question: their reviews are all gold, their spans all answers.
  The film is the scope the question is asked in (the questions name none: "How good was the
  music?"), so the evaluation passes it as the film filter, as the widget's data-film does.
- `subjqa_reviews.csv`: every distinct review of the split (the unanswerable rows' reviews
  too: they are the other reviews of the films), columns id=review_id, film=item_id,
  text=review, for `reviewqa ingest`. The dataset's trailing " ANSWERNOTFOUND" marker is
  removed; HTML entities are left to the loader, which cleans them as for any corpus.
"""

from __future__ import annotations

import argparse
import csv
import html
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.common import ROOT, SHARED_DATA

SOURCE = SHARED_DATA / "subjqa-movies" / "dev.csv"
DEFAULT_OUT = Path(tempfile.gettempdir()) / "reviewqa-subjqa"
QUESTIONS_FILE = "subjqa_dev.jsonl"
CORPUS_FILE = "subjqa_reviews.csv"
NO_ANSWER = "ANSWERNOTFOUND"
KIND = "subjqa"


@dataclass(frozen=True)
class Built:
    """What was written: the two files and their counts."""

    questions_path: Path
    corpus_path: Path
    questions: int
    answerable_rows: int
    reviews: int
    films: int
    single_review_questions: int  # questions whose film has one review: gold cited by any hit


def review_text(review: str) -> str:
    """The review as written: the dataset's trailing ANSWERNOTFOUND marker removed."""
    text = review.rstrip()
    if text.endswith(NO_ANSWER):
        text = text[: -len(NO_ANSWER)]
    return text.rstrip()


def inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def build(source: Path, out: Path) -> Built:
    """Write the question set and the corpus into `out` (created); refuses the repository."""
    if inside(out, ROOT):
        raise ValueError(
            f"{out} is inside the repository: the SubjQA data is not ours to copy; "
            f"write it elsewhere (--out {DEFAULT_OUT})"
        )
    with source.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    reviews: dict[str, tuple[str, str]] = {}  # review id -> (film, text)
    questions: dict[tuple[str, str], dict[str, list[str]]] = {}  # (film, question) -> lists
    answerable = 0
    for row in rows:
        rid, film = row["review_id"], row["item_id"]
        reviews.setdefault(rid, (film, review_text(row["review"])))
        span = row["human_ans_spans"].strip()
        if span == NO_ANSWER or not span:
            continue
        answerable += 1
        entry = questions.setdefault((film, row["question"]), {"gold": [], "spans": []})
        if rid not in entry["gold"]:
            entry["gold"].append(rid)
        if html.unescape(span) not in entry["spans"]:
            entry["spans"].append(html.unescape(span))
    per_film: dict[str, int] = {}
    for film, _ in reviews.values():
        per_film[film] = per_film.get(film, 0) + 1

    out.mkdir(parents=True, exist_ok=True)
    questions_path, corpus_path = out / QUESTIONS_FILE, out / CORPUS_FILE
    with questions_path.open("w", encoding="utf-8") as f:
        for number, ((film, question), entry) in enumerate(questions.items(), start=1):
            line = {
                "id": f"subjqa-{number:03d}",
                "kind": KIND,
                "question": question,
                "film": film,
                "gold": entry["gold"],
                "answer_spans": entry["spans"],
            }
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
    with corpus_path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "film", "text"])
        writer.writerows([rid, film, text] for rid, (film, text) in reviews.items())
    return Built(
        questions_path=questions_path,
        corpus_path=corpus_path,
        questions=len(questions),
        answerable_rows=answerable,
        reviews=len(reviews),
        films=len(per_film),
        single_review_questions=sum(1 for film, _ in questions if per_film[film] == 1),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=SOURCE, help=f"SubjQA CSV (default {SOURCE})")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})"
    )
    args = parser.parse_args()
    if not args.csv.exists():
        sys.exit(f"{args.csv} is absent: pass --csv PATH/TO/subjqa-movies/dev.csv")
    try:
        built = build(args.csv, args.out)
    except ValueError as exc:
        sys.exit(str(exc))
    print(
        f"{built.questions_path}: {built.questions} questions "
        f"(from {built.answerable_rows} answerable rows; {built.single_review_questions} "
        f"ask about a film with a single review)\n"
        f"{built.corpus_path}: {built.reviews} reviews of {built.films} films\n"
        f"next: reviewqa --home HOME ingest {built.corpus_path}\n"
        f"      reviewqa --home HOME eval {built.questions_path} --baseline"
    )


if __name__ == "__main__":
    main()
