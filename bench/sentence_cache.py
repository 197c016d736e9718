"""Question latency over long reviews, with and without the remembered sentence vectors.

    python -m bench.sentence_cache --home SUBJQA --questions SUBJQA_DEV [--rounds 2]

SUBJQA is an index of the SubjQA movie reviews and SUBJQA_DEV its dev set (both written by
`python -m bench.build_subjqa_dev`; see BENCHMARKS.md). Each question is asked within its film,
as the widget's `data-film` asks it. Two assistants over the same index answer the same
questions, interleaved: one forgetting every sentence vector (`CachedEmbedder` of size 0, as
before it existed) and one remembering them (`Assistant.sentence_embedder`). The set is asked
`--rounds` times, so later rounds show a film asked again. Prints p50 / p95 per round and the
ratios; answers must be the same.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from assistant.evaluation import load_questions
from assistant.service import Assistant
from index.embedders.cached import CachedEmbedder
from index.filters import Filters
from index.store import open_index
from ui.settings import load_settings


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="an index of the reviews")
    parser.add_argument("--questions", type=Path, required=True, help="SubjQA dev JSONL")
    parser.add_argument("--rounds", type=int, default=2, help="times the set is asked")
    args = parser.parse_args()
    settings = load_settings(home=args.home)
    index = open_index(settings, readonly=True)
    remembering = Assistant(settings, index)
    forgetting = Assistant(settings, index)
    forgetting.sentence_embedder = CachedEmbedder(index.embedder, size=0)
    questions = load_questions(args.questions)
    for assistant in (forgetting, remembering):  # load the models before timing
        assistant.ask(questions[0].question, k=8)
    remembering.sentence_embedder = CachedEmbedder(index.embedder)  # nothing remembered yet
    print(f"{len(questions)} questions, each within its film, {args.rounds} rounds")
    for round_ in range(1, args.rounds + 1):
        times: dict[str, list[float]] = {"forgetting": [], "remembering": []}
        for question in questions:
            scope = Filters(films=(question.film,)) if question.film else None
            answers = []
            for name, assistant in (("forgetting", forgetting), ("remembering", remembering)):
                started = time.perf_counter()
                answers.append(assistant.ask(question.question, k=8, filters=scope).answer)
                times[name].append((time.perf_counter() - started) * 1000)
            if answers[0] != answers[1]:
                raise SystemExit(f"answers differ for {question.id}: {answers}")
        base, ours = times["forgetting"], times["remembering"]
        p50 = (statistics.median(base), statistics.median(ours))
        p95 = (_p95(base), _p95(ours))
        print(
            f"round {round_}: forgetting p50 {p50[0]:7.1f} ms p95 {p95[0]:7.1f} ms | "
            f"remembering p50 {p50[1]:7.1f} ms p95 {p95[1]:7.1f} ms | "
            f"ratio p50 {p50[0] / p50[1]:.2f}x p95 {p95[0] / p95[1]:.2f}x"
        )
    index.close()


if __name__ == "__main__":
    main()
