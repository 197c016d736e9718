"""Retrieval quality on the Pixar dev set: reviewqa against the stock llama-index pipeline.

    python -m bench.eval_dev [--k 8] [--home DIR] [--json FILE] [--questions FILE.jsonl]

Ingests the RT Pixar critic reviews into a temporary index (or into --home, reused across runs:
ingest is incremental and the baseline collection is cached there), then scores reviewqa
(`Assistant.ask`, extractive engine) and the baseline (`VectorStoreIndex` over Chroma,
`as_retriever(similarity_top_k=k)`) on the same questions, in the same process. Prints both
tables, the two side by side with ratios, the targets, reviewqa's misses, and a Markdown block
for BENCHMARKS.md. Latency is the wall time of each whole call, after one warm-up question.
`--questions ../shared/eval/pixar_semantic_dev.jsonl` scores the semantic set over the same
index (the tables add syn_recall); the SubjQA set has its own corpus: `reviewqa eval`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from assistant.baseline import BaselineRetriever
from assistant.eval_tables import format_comparison, format_markdown, format_report
from assistant.evaluation import (
    EvalReport,
    assistant_answerer,
    baseline_answerer,
    load_questions,
    run_eval,
)
from assistant.service import Assistant
from bench.common import SHARED_DATA, shared
from index.ingest import ingest
from index.store import open_index
from ui.settings import load_settings

QUESTIONS = SHARED_DATA.parent / "eval" / "pixar_dev.jsonl"
TARGET_RECALL = 0.95  # on every kind
TARGET_PRECISION = {"aspect": 0.8, "critic": 0.8}


def targets(report: EvalReport) -> list[str]:
    """One line per target: met or missed, with the number."""
    lines = []
    for score in report.kinds:
        ok = score.recall >= TARGET_RECALL
        lines.append(
            f"  {'met   ' if ok else 'MISSED'} recall {score.kind} "
            f"{score.recall:.3f} >= {TARGET_RECALL}"
        )
        floor = TARGET_PRECISION.get(score.kind)
        if floor is not None:
            ok = score.precision >= floor
            lines.append(
                f"  {'met   ' if ok else 'MISSED'} precision {score.kind} "
                f"{score.precision:.3f} >= {floor}"
            )
    return lines


def misses(report: EvalReport) -> list[str]:
    """reviewqa's questions below the targets: what it cited against the gold."""
    lines = []
    for s in report.questions:
        floor = TARGET_PRECISION.get(s.kind, 0.0)
        if s.recall >= 1.0 and s.precision >= floor:
            continue
        found = len(set(s.gold) & set(s.cited))
        lines.append(
            f"  {s.id} {s.kind:<7} R={s.recall:.2f} P={s.precision:.2f} "
            f"gold={len(s.gold)} cited={len(s.cited)} right={found}  {s.question}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=8, help="citations per answer (default 8)")
    parser.add_argument("--home", type=Path, help="index folder to build or reuse (default: temp)")
    parser.add_argument("--questions", type=Path, default=QUESTIONS, help="question JSONL")
    parser.add_argument("--json", type=Path, help="also write both reports to this file")
    args = parser.parse_args()
    reviews = shared("rt-critics-pixar", "critic_reviews.csv")
    if not args.questions.exists():
        sys.exit(f"{args.questions} is absent: pass --questions FILE.jsonl")
    questions = load_questions(args.questions)
    with tempfile.TemporaryDirectory(prefix="reviewqa-eval-") as tmp:
        settings = load_settings(home=args.home or Path(tmp) / "home")
        print(f"ingesting {reviews} into {settings.home} ...", file=sys.stderr)
        ingested = ingest([reviews], settings)
        index = open_index(settings, readonly=True)
        try:
            started = time.perf_counter()
            print("building the baseline collection ...", file=sys.stderr)
            with BaselineRetriever(index) as baseline:
                built = time.perf_counter() - started
                print("asking reviewqa ...", file=sys.stderr)
                ours = run_eval(questions, assistant_answerer(Assistant(settings, index)), args.k)
                print("asking the baseline ...", file=sys.stderr)
                base = run_eval(questions, baseline_answerer(baseline), args.k, system="baseline")
                embedded = baseline.synced
        finally:
            index.close()
    print(f"questions: {args.questions} ({len(questions)}), k={args.k}")
    print(
        f"index: {ingested.added + ingested.updated + ingested.unchanged} reviews "
        f"(ingest {ingested.seconds:.1f} s); baseline collection: {embedded} nodes embedded "
        f"in {built:.1f} s"
    )
    print()
    print(format_report(ours))
    print()
    print(format_report(base))
    print()
    print(format_comparison(ours, base))
    print()
    print("targets (reviewqa):")
    print("\n".join(targets(ours)))
    print()
    missed = misses(ours)
    print(f"reviewqa questions below target ({len(missed)}):")
    print("\n".join(missed) or "  none")
    print()
    print("Markdown for BENCHMARKS.md:")
    print("-" * 40)
    print(
        f"Pixar dev set ({len(questions)} questions), k={args.k}: reviewqa (extractive engine) "
        "against the stock llama-index pipeline (`VectorStoreIndex` over Chroma, MiniLM, "
        "`as_retriever(similarity_top_k=k)`). Latency: ms per whole call, reviewqa / baseline."
    )
    print()
    print(format_markdown(ours, base))
    print("-" * 40)
    if args.json:
        args.json.write_text(
            json.dumps({"reviewqa": ours.to_json(), "baseline": base.to_json()}, indent=1)
        )


if __name__ == "__main__":
    main()
