"""Do a film's reception report's themes find what critics are asked about?

    python -m bench.report_themes [--home DIR] [--questions FILE.jsonl] [--timing-film TITLE]

Over the Pixar semantic dev set (`../shared/eval/pixar_semantic_dev.jsonl`: a film, a thing
asked about, and the film's reviews that talk about it), for each distinct (film, thing) pair:
the film's report is built (`assistant.reception.reception_report`) and the theme whose
quotes hold the most gold reviews is the match. Reported:

- covered: share of pairs with a theme whose quotes include a gold review;
- covered, half the quotes gold: share of pairs whose matched theme's quotes are at least
  half gold reviews;
- quote precision: gold share of the matched theme's quotes (pairs covered);
- review precision / recall: gold share of the matched theme's reviews, and share of the
  gold that theme holds (pairs covered);
- chance: the same figures when each theme's quotes are drawn at random from the film's
  reviews (same number of quotes; `CHANCE_DRAWS` draws a pair, every figure their mean):
  what matching alone gives.

Then the time of one report for a film of about 300 reviews: cold (the clause vectors
embedded; the model already loaded) and warm (median of `WARM_RUNS`, clause table cached).
The index is built from the RT Pixar reviews into --home (reused: ingest is incremental) or a
temporary folder.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.film_clauses import forget_cached
from assistant.reception import Report, reception_report
from assistant.service import Assistant
from bench.common import SHARED_DATA, shared
from index.ingest import ingest
from ui.settings import load_settings

QUESTIONS = SHARED_DATA.parent / "eval" / "pixar_semantic_dev.jsonl"
TIMING_FILM = "Toy Story 3"  # 313 reviews
CHANCE_DRAWS = 20
WARM_RUNS = 5
FIGURES = ("covered", "half", "quote_precision", "review_precision", "review_recall")
BIG_GOLD = 10  # pairs whose thing at least this many reviews talk about, reported apart


@dataclass
class Pair:
    film: str
    thing: str
    gold: set[str]


@dataclass
class Score:
    covered: bool
    quote_precision: float
    review_precision: float
    review_recall: float
    label: str


def load_pairs(path: Path) -> list[Pair]:
    pairs: dict[tuple[str, str], Pair] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            key = (row["film"], row["aspect"])
            pairs.setdefault(key, Pair(row["film"], row["aspect"], set()))
            pairs[key].gold.update(row["gold"])
    return list(pairs.values())


def score(themes: Sequence[tuple[str, list[str], list[str]]], gold: set[str]) -> Score:
    """`themes`: (label, quoted review ids, review ids). The match: most gold quotes, then most
    gold reviews."""
    best = max(
        themes,
        key=lambda t: (len(set(t[1]) & gold), len(set(t[2]) & gold)),
        default=("", [], []),
    )
    label, quoted, reviews = best
    hits = len(set(quoted) & gold)
    if not hits:
        return Score(False, 0.0, 0.0, 0.0, "")
    held = len(set(reviews) & gold)
    return Score(True, hits / len(quoted), held / len(reviews), held / len(gold), label)


def theme_rows(report: Report) -> list[tuple[str, list[str], list[str]]]:
    rows = []
    for t in report.themes:
        quoted = [q.citation.review_id for qs in t.quotes.values() for q in qs]
        reviews = [i for ids in t.review_ids.values() for i in ids]
        rows.append((t.label, quoted, reviews))
    return rows


def chance_rows(
    report: Report, review_ids: list[str], rng: random.Random
) -> list[tuple[str, list[str], list[str]]]:
    rows = []
    for label, quoted, reviews in theme_rows(report):
        rows.append(
            (label, rng.sample(review_ids, len(quoted)), rng.sample(review_ids, len(reviews)))
        )
    return rows


def summary(scores: Sequence[Score]) -> dict[str, float]:
    if not scores:
        return dict.fromkeys(FIGURES, 0.0)
    covered = [s for s in scores if s.covered]
    mean = statistics.fmean
    return {
        "covered": len(covered) / len(scores),
        "half": sum(s.quote_precision >= 0.5 for s in covered) / len(scores),
        "quote_precision": mean(s.quote_precision for s in covered) if covered else 0.0,
        "review_precision": mean(s.review_precision for s in covered) if covered else 0.0,
        "review_recall": mean(s.review_recall for s in covered) if covered else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="index folder to build or reuse (default: temp)")
    parser.add_argument("--questions", type=Path, default=QUESTIONS, help="semantic dev JSONL")
    parser.add_argument("--timing-film", default=TIMING_FILM, help="film timed (~300 reviews)")
    parser.add_argument("--verbose", action="store_true", help="print every pair's match")
    args = parser.parse_args()
    reviews = shared("rt-critics-pixar", "critic_reviews.csv")
    pairs = load_pairs(args.questions)
    with tempfile.TemporaryDirectory(prefix="reviewqa-report-") as tmp:
        settings = load_settings(home=args.home or Path(tmp) / "home")
        print(f"ingesting {reviews} into {settings.home} ...", file=sys.stderr)
        ingest([reviews], settings)
        assistant = Assistant(settings)
        try:
            run(assistant, pairs, args)
        finally:
            assistant.close()


def run(assistant: Assistant, pairs: list[Pair], args: argparse.Namespace) -> None:
    reports: dict[str, Report] = {}
    started = time.perf_counter()
    for film in sorted({p.film for p in pairs}):
        reports[film] = reception_report(assistant, film)
    built = time.perf_counter() - started
    ours: list[Score] = []
    chance: list[list[Score]] = []  # CHANCE_DRAWS a pair
    rng = random.Random(20240601)
    for pair in pairs:
        report = reports[pair.film]
        found = score(theme_rows(report), pair.gold)
        ours.append(found)
        all_ids = _film_review_ids(assistant, report.film)
        chance.append(
            [score(chance_rows(report, all_ids, rng), pair.gold) for _ in range(CHANCE_DRAWS)]
        )
        if args.verbose:
            print(
                f"  {pair.film} / {pair.thing}: gold {len(pair.gold)} -> "
                f"{found.label or '(none)'} qp={found.quote_precision:.2f} "
                f"rp={found.review_precision:.2f} rr={found.review_recall:.2f}"
            )
    themes = [len(r.themes) for r in reports.values()]
    timing = time_reports(assistant, args.timing_film)
    a, c = summary(ours), summary([d for draws in chance for d in draws])
    print(f"pairs: {len(pairs)} (film, thing) over {len(reports)} films; {built:.1f} s to build")
    mean = statistics.fmean(themes)
    print(f"themes per film: mean {mean:.1f}, min {min(themes)}, max {max(themes)}")
    print()
    big = [i for i, p in enumerate(pairs) if len(p.gold) >= BIG_GOLD]
    rows = [
        (f"report themes, all {len(pairs)} pairs", a),
        ("chance (random quotes), all pairs", c),
        (
            f"report themes, {len(big)} pairs with >= {BIG_GOLD} gold reviews",
            summary([ours[i] for i in big]),
        ),
        ("chance, the same pairs", summary([d for i in big for d in chance[i]])),
    ]
    print(
        "| | covered | covered, half the quotes gold | quote precision | review precision "
        "| review recall |"
    )
    print("|---|---|---|---|---|---|")
    for name, s in rows:
        print(
            f"| {name} | {s['covered']:.3f} | {s['half']:.3f} | {s['quote_precision']:.3f} | "
            f"{s['review_precision']:.3f} | {s['review_recall']:.3f} |"
        )
    print()
    print(
        f"time per report, {timing['film']} ({timing['reviews']} reviews, "
        f"{timing['clauses']} clauses): cold {timing['cold_ms']:.0f} ms "
        f"({timing['embedded']} clauses embedded), warm {timing['warm_ms']:.0f} ms "
        f"(median of {WARM_RUNS})"
    )


def _film_review_ids(assistant: Assistant, film: str) -> list[str]:
    from index.filters import Filters

    return assistant.index.catalog.review_ids_where(Filters(films=(film,)), 100_000)


def time_reports(assistant: Assistant, film: str) -> dict[str, object]:
    """Cold (clause table not cached; the model loaded) and warm ms of one report."""
    forget_cached()
    assistant.index.embedder.embed(["warm the model up"])
    started = time.perf_counter()
    report = reception_report(assistant, film)
    cold = (time.perf_counter() - started) * 1000
    warm = []
    for _ in range(WARM_RUNS):
        started = time.perf_counter()
        reception_report(assistant, film)
        warm.append((time.perf_counter() - started) * 1000)
    return {
        "film": report.film,
        "reviews": report.counts.reviews,
        "clauses": report.clauses,
        "embedded": report.vectors.get("embedded", 0),
        "cold_ms": cold,
        "warm_ms": statistics.median(warm),
    }


if __name__ == "__main__":
    main()
