"""The quotes an answer groups against their review's label, to read by hand.

    python -m bench.thing_stance_sample --home DIR --questions FILE.jsonl
    python -m bench.thing_stance_sample --home DIR --generate 400 [--seed 11]

Asks each question (a `question` field per line of FILE, e.g. `../shared/eval/
pixar_semantic_dev.jsonl`; or N questions about a thing in random films of the index,
"What do critics say about the acting in X?") with the extractive engine and prints every
quote read otherwise than its label (`assistant.thing_stance`), then how many quotes the
answers cited and how many were regrouped. Whether each is right is for a reader to judge:
BENCHMARKS.md records what was read.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from pathlib import Path

from assistant.service import Assistant
from ui.settings import load_settings

THINGS = (
    "acting",
    "story",
    "ending",
    "script",
    "performances",
    "direction",
    "humor",
    "plot",
    "characters",
    "cinematography",
    "dialogue",
    "action",
)


def questions_of(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield str(json.loads(line)["question"])


def generated(assistant: Assistant, n: int, seed: int) -> Iterator[str]:
    rng = random.Random(seed)
    films = assistant.films()
    for film in rng.sample(films, min(n, len(films))):
        yield f"What do critics say about the {rng.choice(THINGS)} in {film}?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True)
    parser.add_argument("--questions", type=Path)
    parser.add_argument("--generate", type=int, default=0)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    if not args.questions and not args.generate:
        parser.error("give --questions FILE or --generate N")
    assistant = Assistant(load_settings(home=args.home, engine="extractive"))
    asked = (
        questions_of(args.questions)
        if args.questions
        else generated(assistant, args.generate, args.seed)
    )
    cited = regrouped = 0
    try:
        for question in asked:
            result = assistant.ask(question)
            cited += len(result.citations)
            for c in result.citations:
                if c.side and c.side != c.sentiment:
                    regrouped += 1
                    print(f"{question}\n  [{c.sentiment} review, {c.side} here] {c.quote}\n")
    finally:
        assistant.close()
    print(f"quotes cited: {cited}; read otherwise than their label: {regrouped}")


if __name__ == "__main__":
    main()
