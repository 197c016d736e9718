"""Scores a question-answering system against a question set with gold review ids.

A question set is JSONL, one `{"id", "kind", "question", "gold": [review ids]}` a line (other
fields, such as `film`, are ignored: a system must find the film in the question itself).
A system is an `Answerer`: question text and k in, the review ids it cited out. Per question:

- recall@k  = gold among the first k cited / min(|gold|, k)   (1.0 when gold is empty)
- precision = gold among all cited / cited   (0.0 when nothing is cited, unless gold is empty)
- verified  = verified citations / citations   (pooled per kind; n/a for a system that quotes
  nothing, such as the retrieval-only baseline)
- latency   = wall time of the whole answer call, in ms (p50 and p95 per kind)

Recall and precision are averaged over the questions of a kind; "all" covers every question.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.errors import ConfigError, CorpusError
from index.settings import Settings

if TYPE_CHECKING:
    from assistant.service import Assistant

__all__ = [
    "Answer",
    "Answerer",
    "EvalReport",
    "KindScore",
    "Question",
    "QuestionScore",
    "assistant_answerer",
    "evaluate",
    "format_comparison",
    "format_markdown",
    "format_report",
    "load_questions",
    "percentile",
    "run_eval",
    "score_question",
    "summarize",
]


@dataclass(frozen=True, slots=True)
class Question:
    """One question of the set, with the review ids that answer it."""

    id: str
    kind: str
    question: str
    gold: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Answer:
    """What a system cited for one question."""

    cited: tuple[str, ...]  # distinct review ids, in the order the system cited them
    citations: int = 0  # quote citations made (several may cite one review)
    verified: int | None = None  # of which verified verbatim; None: the system quotes nothing


Answerer = Callable[[str, int], Answer]


@dataclass(frozen=True, slots=True)
class QuestionScore:
    """The scores of one answered question."""

    id: str
    kind: str
    question: str
    gold: tuple[str, ...]
    cited: tuple[str, ...]
    recall: float
    precision: float
    citations: int
    verified: int | None
    latency_ms: float

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "question": self.question,
            "gold": list(self.gold),
            "cited": list(self.cited),
            "recall": self.recall,
            "precision": self.precision,
            "citations": self.citations,
            "verified": self.verified,
            "latency_ms": round(self.latency_ms, 2),
        }


@dataclass(frozen=True, slots=True)
class KindScore:
    """The scores of one kind of question (or of all of them)."""

    kind: str
    questions: int
    recall: float
    precision: float
    verified_rate: float | None  # None: no citations, or a system that quotes nothing
    cited_mean: float
    p50_ms: float
    p95_ms: float

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "questions": self.questions,
            "recall": round(self.recall, 4),
            "precision": round(self.precision, 4),
            "verified_rate": None if self.verified_rate is None else round(self.verified_rate, 4),
            "cited_mean": round(self.cited_mean, 2),
            "p50_ms": round(self.p50_ms, 2),
            "p95_ms": round(self.p95_ms, 2),
        }


@dataclass(frozen=True)
class EvalReport:
    """Scores of one system on one question set: per kind (sorted), then "all"."""

    system: str
    k: int
    kinds: list[KindScore]
    overall: KindScore
    questions: list[QuestionScore] = field(default_factory=list)

    def kind(self, name: str) -> KindScore:
        """The scores of one kind, or of "all"."""
        if name == "all":
            return self.overall
        for score in self.kinds:
            if score.kind == name:
                return score
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "k": self.k,
            "kinds": {s.kind: s.to_json() for s in self.kinds},
            "all": self.overall.to_json(),
            "questions": [q.to_json() for q in self.questions],
        }


# -- reading ------------------------------------------------------------------------------
def load_questions(path: Path) -> list[Question]:
    """The questions of a JSONL file; a malformed line raises CorpusError naming it."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CorpusError(path, f"cannot read the question file: {exc.strerror}") from exc
    questions: list[Question] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict) or not isinstance(data.get("gold"), list):
                raise TypeError("not an object with a list of gold ids")
            gold = data["gold"]
            questions.append(
                Question(
                    id=str(data.get("id", f"line-{number}")),
                    kind=str(data.get("kind", "all")),
                    question=str(data["question"]),
                    gold=tuple(str(g) for g in gold),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise CorpusError(
                path,
                f"not a question ({type(exc).__name__}: {exc}): each line must be a JSON "
                'object with "question" and "gold" (a list of review ids), and optionally '
                '"id" and "kind"',
                line=number,
            ) from exc
    if not questions:
        raise CorpusError(path, "no questions in the file")
    return questions


# -- scoring ------------------------------------------------------------------------------
def score_question(question: Question, answer: Answer, k: int, latency_ms: float) -> QuestionScore:
    """Recall@k and precision of one answer (see the module docstring)."""
    gold = set(question.gold)
    cited = tuple(dict.fromkeys(answer.cited))
    recall = len(gold.intersection(cited[:k])) / min(len(gold), k) if gold else 1.0
    empty_precision = 0.0 if gold else 1.0
    precision = len(gold.intersection(cited)) / len(cited) if cited else empty_precision
    return QuestionScore(
        id=question.id,
        kind=question.kind,
        question=question.question,
        gold=question.gold,
        cited=cited,
        recall=recall,
        precision=precision,
        citations=answer.citations,
        verified=answer.verified,
        latency_ms=latency_ms,
    )


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), interpolating linearly between ranks (numpy's default)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _kind_score(kind: str, scores: Sequence[QuestionScore]) -> KindScore:
    n = len(scores)
    latencies = [s.latency_ms for s in scores]
    verified: float | None = None
    citations = sum(s.citations for s in scores)
    if citations and all(s.verified is not None for s in scores):
        verified = sum(s.verified or 0 for s in scores) / citations
    return KindScore(
        kind=kind,
        questions=n,
        recall=sum(s.recall for s in scores) / n if n else 0.0,
        precision=sum(s.precision for s in scores) / n if n else 0.0,
        verified_rate=verified,
        cited_mean=sum(len(s.cited) for s in scores) / n if n else 0.0,
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
    )


def summarize(system: str, k: int, scores: Sequence[QuestionScore]) -> EvalReport:
    """The report of scored questions: one row per kind, then all."""
    kinds = sorted({s.kind for s in scores})
    return EvalReport(
        system=system,
        k=k,
        kinds=[_kind_score(kind, [s for s in scores if s.kind == kind]) for kind in kinds],
        overall=_kind_score("all", scores),
        questions=list(scores),
    )


def run_eval(
    questions: Sequence[Question],
    answer: Answerer,
    k: int,
    *,
    system: str = "reviewqa",
    warmup: bool = True,
    clock: Callable[[], float] = time.perf_counter,
) -> EvalReport:
    """Ask every question, timing each whole call, and score the answers.

    With `warmup`, the first question is asked once unscored first, so that loading models
    and opening stores is not counted as the latency of one question.
    """
    if k < 1:
        raise ConfigError(f"k must be at least 1, not {k}")
    if warmup and questions:
        answer(questions[0].question, k)
    scores: list[QuestionScore] = []
    for question in questions:
        started = clock()
        got = answer(question.question, k)
        latency_ms = (clock() - started) * 1000
        scores.append(score_question(question, got, k, latency_ms))
    return summarize(system, k, scores)


# -- the systems --------------------------------------------------------------------------
def assistant_answerer(assistant: Assistant, engine: str = "extractive") -> Answerer:
    """reviewqa as an Answerer: the distinct review ids of its citations, in order."""

    def answer(question: str, k: int) -> Answer:
        result = assistant.ask(question, k=k, engine=engine)
        return Answer(
            cited=tuple(dict.fromkeys(c.review_id for c in result.citations)),
            citations=len(result.citations),
            verified=sum(1 for c in result.citations if c.verified),
        )

    return answer


def evaluate(settings: Settings, questions: Path, k: int, baseline: bool = False) -> EvalReport:
    """Score reviewqa (extractive engine), or with `baseline` the stock llama-index
    retriever, on a question file over the index that `settings` name."""
    from index.store import open_index

    loaded = load_questions(questions)
    index = open_index(settings, readonly=True)
    try:
        if baseline:
            from assistant.baseline import BaselineRetriever

            with BaselineRetriever(index) as stock:
                return run_eval(loaded, stock.answer, k, system="baseline")
        from assistant.service import Assistant

        return run_eval(loaded, assistant_answerer(Assistant(settings, index)), k)
    finally:
        index.close()


# -- formatting ---------------------------------------------------------------------------
def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


_HEADER = ("kind", "n", "recall@k", "precision", "verified", "cited", "p50 ms", "p95 ms")


def _row(s: KindScore) -> tuple[str, ...]:
    return (
        s.kind,
        str(s.questions),
        _pct(s.recall),
        _pct(s.precision),
        _pct(s.verified_rate),
        f"{s.cited_mean:.1f}",
        f"{s.p50_ms:.0f}",
        f"{s.p95_ms:.0f}",
    )


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    ]
    return "\n".join(line.rstrip() for line in lines)


def format_report(report: EvalReport) -> str:
    """A text table: one row per kind, then all."""
    rows = [_HEADER, *(_row(s) for s in [*report.kinds, report.overall])]
    return f"{report.system} (k={report.k})\n{_table(rows)}"


def _ratio(ours: float | None, theirs: float | None) -> str:
    if ours is None or theirs is None:
        return "n/a"
    if theirs == 0:
        return "inf" if ours else "n/a"
    return f"{ours / theirs:.2f}x"


def _comparison_rows(ours: EvalReport, base: EvalReport) -> list[tuple[str, ...]]:
    kinds = [s.kind for s in ours.kinds] + ["all"]
    rows: list[tuple[str, ...]] = []
    for kind in kinds:
        a, b = ours.kind(kind), base.kind(kind)
        rows.append(
            (
                kind,
                str(a.questions),
                _pct(a.recall),
                _pct(b.recall),
                _ratio(a.recall, b.recall),
                _pct(a.precision),
                _pct(b.precision),
                _ratio(a.precision, b.precision),
                _pct(a.verified_rate),
                f"{a.p50_ms:.0f} / {b.p50_ms:.0f}",
                f"{a.p95_ms:.0f} / {b.p95_ms:.0f}",
            )
        )
    return rows


_COMPARISON_HEADER = (
    "kind",
    "n",
    "recall",
    "base",
    "ratio",
    "precision",
    "base",
    "ratio",
    "verified",
    "p50 ms (ours / base)",
    "p95 ms (ours / base)",
)


def format_comparison(ours: EvalReport, base: EvalReport) -> str:
    """Two systems side by side per kind, with the ratios ours / base."""
    rows = [_COMPARISON_HEADER, *_comparison_rows(ours, base)]
    return f"{ours.system} vs {base.system} (k={ours.k})\n{_table(rows)}"


def format_markdown(ours: EvalReport, base: EvalReport) -> str:
    """The comparison as a Markdown table (for BENCHMARKS.md)."""
    header = [
        "kind",
        "n",
        f"recall@{ours.k} ({ours.system})",
        f"recall@{base.k} ({base.system})",
        "ratio",
        f"precision ({ours.system})",
        f"precision ({base.system})",
        "ratio",
        "verified quotes",
        "p50 ms",
        "p95 ms",
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in _comparison_rows(ours, base):
        cells = list(row)
        cells[0] = f"**{cells[0]}**" if cells[0] == "all" else cells[0]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
