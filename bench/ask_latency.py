"""Question latency with the extractive engine, against the floor of the same run.

    python -m bench.ask_latency --home DIR [--questions 200] [--engine auto] [--unscoped]

`--engine auto` is what `make demo` serves: each question checks whether Ollama answers (with
none running, the extractive engine answers), so the check's cost is in the figures.

DIR must hold an index, e.g. from
`reviewqa --home DIR ingest ../shared/data/rt-critics-cs109/critics.csv`.
Questions are generated from the index itself (films, critics, words of reviews), so the
benchmark runs on any corpus. The floor is what every question must pay anyway: embedding
the question and one unfiltered Chroma query. `--unscoped`: questions that name no film, so
their counts run over the whole index (a thing, a name written in reviews, which film critics
liked best or least).
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import time

from assistant.service import Assistant
from ui.settings import load_settings


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def make_questions(assistant: Assistant, n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    named = (s.review for s in assistant.index.catalog.all_reviews() if s.review.critic)
    rows = [(r.film, r.critic, r.text) for r in itertools.islice(named, 20000)]
    questions: list[str] = []
    while len(questions) < n:
        film, critic, text = rng.choice(rows)
        title = film.split(" (")[0]
        words = [w.strip(".,;:!?\"'") for w in text.split() if len(w) > 6]
        kind = len(questions) % 4
        if kind == 0:
            questions.append(f"What do critics say about {title}?")
        elif kind == 1:
            questions.append(f"Who disliked {title}?")
        elif kind == 2:
            questions.append(f"What did {critic} think of {title}?")
        elif words:
            questions.append(f"What do critics say about the {rng.choice(words)} in {title}?")
    return questions


def make_unscoped_questions(assistant: Assistant, n: int, seed: int = 7) -> list[str]:
    """Questions naming no film: about a word of the reviews, a name they write, a ranking."""
    rng = random.Random(seed)
    texts = [s.review.text for s in itertools.islice(assistant.index.catalog.all_reviews(), 20000)]
    questions: list[str] = []
    while len(questions) < n:
        words = [w.strip(".,;:!?\"'()") for w in rng.choice(texts).split()]
        long = [w for w in words if len(w) > 6 and w.isalpha()]
        names = [w for w in words[1:] if w[:1].isupper() and w.isalpha() and len(w) > 3]
        kind = len(questions) % 3
        if kind == 0 and long:
            questions.append(f"What do critics say about the {rng.choice(long).lower()}?")
        elif kind == 1 and names:
            questions.append(f"How many reviews mention {rng.choice(names)}?")
        elif kind == 2:
            side = rng.choice(("best", "least"))
            questions.append(f"Which film did critics like {side}?")
    return questions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--engine", choices=("extractive", "auto"), default="extractive")
    parser.add_argument("--unscoped", action="store_true", help="questions naming no film")
    args = parser.parse_args()
    assistant = Assistant(load_settings(home=args.home, engine=args.engine))
    generate = make_unscoped_questions if args.unscoped else make_questions
    questions = generate(assistant, args.questions)
    assistant.ask(questions[0])  # warm: model, names, caches
    embedder, vectors = assistant.index.embedder, assistant.index.vectors
    floor: list[float] = []
    total: list[float] = []
    for question in questions:
        t0 = time.perf_counter()
        vectors.query(embedder.embed_query(question), 8)
        floor.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        assistant.ask(question)
        total.append((time.perf_counter() - t0) * 1000)
    reviews = assistant.index.catalog.count_reviews()
    kind = "unscoped questions" if args.unscoped else "questions"
    print(f"index: {reviews} reviews; {len(questions)} {kind}, engine {args.engine}, warm")
    for name, values in (("floor (embed + 1 query)", floor), ("reviewqa ask", total)):
        print(
            f"{name:>24}: p50 {percentile(values, 0.5):6.1f} ms  "
            f"p95 {percentile(values, 0.95):6.1f} ms  mean {statistics.fmean(values):6.1f} ms"
        )
    print(
        f"ratio ask/floor: p50 {percentile(total, 0.5) / percentile(floor, 0.5):.2f}x, "
        f"p95 {percentile(total, 0.95) / percentile(floor, 0.95):.2f}x"
    )
    assistant.close()


if __name__ == "__main__":
    main()
