"""What leaving out the words reviewers list beside the thing changes (`relevance.LISTED_SHARE`).

    python -m bench.listed_beside --home DIR [--films 40] [--aspects acting,pacing,...]
        [--samples 30]

Asks "How is the ASPECT in FILM?" for a seeded sample of the index's films with 15 reviews
or more, each aspect, with the rule and without it (LISTED_SHARE above 1), and prints for
each aspect how many answers cite other passages, then a sample of the passages the rule
took out of an answer, to read: a passage on another thing of the kind ("the editing" for
the pacing) or on the thing in another word. DIR must hold an index, e.g. of CS109
(`reviewqa --home DIR ingest ../shared/data/rt-critics-cs109/critics.csv`). The aspects are
the benchmark's questions, not the product's: it lists none.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from pathlib import Path

import assistant.relevance as relevance
from assistant.retrieval import Retriever
from assistant.service import Assistant
from index.filters import Filters
from index.settings import Settings

ASPECTS = (
    "acting,cinematography,direction,editing,pacing,score,screenplay,dialogue,violence,"
    "romance,music,ending,special effects,humor,story,suspense"
)
LEAST_REVIEWS = 15
SEED = 11


def cited(retriever: Retriever, question: str, rule: bool) -> list[tuple[str, str]]:
    """(chunk id, text) of the passages an answer to `question` cites, with the rule or not."""
    kept = relevance.LISTED_SHARE
    relevance.LISTED_SHARE = kept if rule else float("inf")
    retriever.meaning._known.clear()  # words are kept per thing: read them again
    try:
        hits = retriever.retrieve(retriever.plan(question))
        return [(hit.chunk.chunk_id, hit.chunk.text) for hit in hits]
    finally:
        relevance.LISTED_SHARE = kept
        retriever.meaning._known.clear()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, required=True, help="an index's home folder")
    parser.add_argument("--films", type=int, default=40, help="films sampled (40)")
    parser.add_argument("--aspects", default=ASPECTS, help="things asked about, a,b,c")
    parser.add_argument("--samples", type=int, default=30, help="removed passages shown (30)")
    args = parser.parse_args(argv)
    assistant = Assistant(Settings(home=args.home, engine="extractive"))
    try:
        retriever = assistant.retriever
        catalog = retriever.index.catalog
        films = [
            film
            for film in sorted(retriever.names.films)
            if len(catalog.scope_chunks(Filters(films=(film,)), 10**6) or {}) >= LEAST_REVIEWS
        ]
        random.Random(SEED).shuffle(films)
        films = films[: args.films]
        aspects = [a.strip() for a in args.aspects.split(",") if a.strip()]
        changed: Counter[str] = Counter()
        removed: list[tuple[str, str, str]] = []
        for aspect in aspects:
            for film in films:
                question = f"How is the {aspect} in {film}?"
                with_rule = cited(retriever, question, rule=True)
                without = cited(retriever, question, rule=False)
                if with_rule != without:
                    changed[aspect] += 1
                    kept = {chunk_id for chunk_id, _ in with_rule}
                    removed += [(aspect, film, t) for c, t in without if c not in kept]
    finally:
        assistant.close()
    print(f"{len(films)} films with {LEAST_REVIEWS}+ reviews, k={Settings().top_k}")
    print("answers citing other passages with the rule, per aspect:")
    for aspect in aspects:
        print(f"  {aspect:16s} {changed[aspect]:3d} of {len(films)}")
    random.Random(SEED).shuffle(removed)
    print(f"passages the rule took out of an answer: {len(removed)}; a sample:")
    for aspect, film, text in removed[: args.samples]:
        print(f"  [{aspect} / {film}] {text[:160]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
