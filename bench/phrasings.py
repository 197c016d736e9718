"""How much an answer depends on how its question is put: the semantic dev set's questions
asked again in other frames a reader writes ("Thoughts on the music in Coco?", "What do
critics think of Coco's music?", all in lower case ...), each scored as `reviewqa eval` scores
the set, in one run over one index.

    python -m bench.phrasings --home PIXAR_HOME [--questions FILE.jsonl] [--k 8]

PIXAR_HOME is an index of the RT Pixar reviews (`reviewqa --home PIXAR_HOME ingest
../shared/data/rt-critics-pixar/critic_reviews.csv`). A line needs its "aspect" and "film"
(the semantic set has both); the frames name the thing and the film, nothing else, so they
change the words around the question, not what it asks. Prints recall, precision and
syn_recall per frame, and each against the set as written.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from assistant.evaluation import (
    EvalReport,
    Question,
    assistant_answerer,
    load_questions,
    run_eval,
)
from assistant.service import Assistant
from bench.common import SHARED_DATA
from index.fts import other_numbers
from ui.settings import load_settings

QUESTIONS = SHARED_DATA.parent / "eval" / "pixar_semantic_dev.jsonl"
AS_WRITTEN = "as written"
# {thing}, {film}; {film_lower}, {thing_upper}, {film_upper}: in lower case, or in capitals;
# {thing_other}: its last word in the other number ("the joke", "the villains"; by the spelling
# rule alone, so a mass noun reads oddly: "the musics")
FRAMES = {
    "lower case": "what do critics say about the {thing} in {film_lower}",
    "thoughts on": "Thoughts on the {thing} in {film}?",
    "how good is": "How good is the {thing} of {film}?",
    "critical take": "What's the critical take on the {thing} of {film}?",
    "possessive": "What do critics think of {film}'s {thing}?",
    "did it work": "Did the {thing} in {film} work for critics?",
    "any good": "Was the {thing} of {film} any good?",
    "tell me": "Tell me about the {thing} in {film}.",
    "in capitals": "WHAT DO CRITICS SAY ABOUT THE {thing_upper} IN {film_upper}?",
    "other number": "What do critics say about the {thing_other} in {film}?",
}


def framed(path: Path, frame: str) -> list[Question]:
    """The questions of `path` asked in `frame` (lines without "aspect" and "film" left out)."""
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    things = {line["id"]: (line["aspect"], line["film"]) for line in lines if "aspect" in line}
    return [
        replace(
            q,
            question=frame.format(
                thing=things[q.id][0],
                film=things[q.id][1],
                film_lower=things[q.id][1].lower(),
                thing_upper=things[q.id][0].upper(),
                thing_other=other_number(things[q.id][0]),
                film_upper=things[q.id][1].upper(),
            ),
        )
        for q in load_questions(path)
        if q.id in things
    ]


def other_number(thing: str) -> str:
    """`thing` with its last word in the other number: "jokes" -> "joke", "voice cast" ->
    "voice casts"."""
    *head, last = thing.split()
    return " ".join([*head, other_numbers(last)[0]])


def row(name: str, report: EvalReport, written: EvalReport | None) -> str:
    score = report.overall
    text = f"  {name:<14} {score.recall:6.3f} {score.precision:9.3f} {score.syn_recall or 0:10.3f}"
    if written is not None and written.overall.recall:
        text += f"   {score.recall / written.overall.recall:5.2f}x"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="an index of the Pixar reviews")
    parser.add_argument("--questions", type=Path, default=QUESTIONS, help="semantic JSONL")
    parser.add_argument("--k", type=int, default=8, help="citations per answer (default 8)")
    args = parser.parse_args()
    if not args.questions.exists():
        sys.exit(f"{args.questions} is absent: pass --questions FILE.jsonl")
    assistant = Assistant(load_settings(home=args.home, engine="extractive"))
    answer = assistant_answerer(assistant)
    try:
        written = run_eval(
            [q for q in load_questions(args.questions) if q.kind == "semantic"], answer, args.k
        )
        reports = {name: run_eval(framed(args.questions, f), answer, args.k) for name, f in
                   FRAMES.items()}  # fmt: skip
    finally:
        assistant.close()
    print(f"questions: {args.questions} ({len(written.questions)}), k={args.k}")
    print(
        f"  {'frame':<14} {'recall':>6} {'precision':>9} {'syn_recall':>10}   recall / as written"
    )
    print(row(AS_WRITTEN, written, None))
    for name, report in reports.items():
        print(row(name, report, written))


if __name__ == "__main__":
    main()
