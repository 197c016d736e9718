"""Scores a question-answering system against a question set with gold review ids.

A question set is JSONL, one `{"id", "kind", "question", "gold": [review ids]}` a line. A
system is an `Answerer`: question text, k and an optional film scope in, the review ids it
cited (and the quotes it made) out. The `film` field of a line is ignored (a system must find
the film in the question itself) except for the kinds in `SCOPED_KINDS` (`subjqa`), whose
questions ("How good was the music?") name no film: there it is passed as the film scope,
as the widget's `data-film` gives it. Per question:

- recall@k  = gold among the first k cited / min(|gold|, k)   (1.0 when gold is empty)
- precision = gold among all cited / cited   (0.0 when nothing is cited, unless gold is empty)
- syn_recall (lines with a non-empty `syn_gold`: the gold reviews that do not contain the
  asked word) = syn_gold among the first k cited / min(|syn_gold|, k). The same denominator
  as recall, so that 1.0 is reachable at any k: with |syn_gold| > k (half the semantic set
  at k=8), "share of all syn_gold" could not exceed k / |syn_gold| however good the system.
- gold_cited (lines with `answer_spans`, the SubjQA kind) = 1 when a gold review is cited.
- span_covered (same lines) = 1 when one verified quote of a gold review holds at least
  half the distinct words of one human answer span. Words: the text casefolded, split on
  anything that is not a letter or digit (so punctuation never counts and "doesn't" is
  "doesn" "t" on both sides). Quotes of other reviews do not count: short spans of common
  words ("the music") would be matched by chance. n/a for a system that quotes nothing.
- verified  = verified citations / citations   (pooled per kind; n/a for a system that quotes
  nothing, such as the retrieval-only baseline)
- latency   = wall time of the whole answer call, in ms (p50 and p95 per kind)

Each score is averaged over the questions of a kind that have it ("all" covers every
question); a kind whose questions lack one shows n/a, and the tables leave its column out.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from index.errors import ConfigError, CorpusError
from index.settings import Settings

if TYPE_CHECKING:
    from assistant.baseline import BaselineRetriever
    from assistant.service import Assistant

__all__ = [
    "SCOPED_KINDS",
    "Answer",
    "Answerer",
    "EvalReport",
    "KindScore",
    "Question",
    "QuestionScore",
    "assistant_answerer",
    "baseline_answerer",
    "evaluate",
    "load_questions",
    "percentile",
    "run_eval",
    "score_question",
    "span_covered",
    "summarize",
    "syn_recall",
    "words",
]

# Kinds whose `film` is the scope the question is asked in (the question does not name it).
SCOPED_KINDS = frozenset({"subjqa"})


@dataclass(frozen=True, slots=True)
class Question:
    """One question of the set, with the review ids that answer it."""

    id: str
    kind: str
    question: str
    gold: tuple[str, ...]
    film: str | None = None  # the film scope, only for SCOPED_KINDS
    syn_gold: tuple[str, ...] | None = None  # gold reviews only meaning can find
    answer_spans: tuple[str, ...] | None = None  # human answer text(s) in the gold review


@dataclass(frozen=True, slots=True)
class Answer:
    """What a system cited for one question."""

    cited: tuple[str, ...]  # distinct review ids, in the order the system cited them
    citations: int = 0  # quote citations made (several may cite one review)
    verified: int | None = None  # of which verified verbatim; None: the system quotes nothing
    quotes: tuple[tuple[str, str], ...] | None = None  # (review id, verified quote text)


class Answerer(Protocol):
    """A system under evaluation: a question (within a film, when given) to what it cited."""

    def __call__(self, question: str, k: int, film: str | None = None) -> Answer: ...


@dataclass(frozen=True, slots=True)
class QuestionScore:
    """The scores of one answered question (None: the question or system lacks that score)."""

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
    syn_recall: float | None = None
    gold_cited: float | None = None
    span_covered: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "question": self.question,
            "gold": list(self.gold),
            "cited": list(self.cited),
            "recall": self.recall,
            "precision": self.precision,
            "syn_recall": self.syn_recall,
            "gold_cited": self.gold_cited,
            "span_covered": self.span_covered,
            "citations": self.citations,
            "verified": self.verified,
            "latency_ms": round(self.latency_ms, 2),
        }


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


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
    syn_recall: float | None = None  # None: no question of the kind has syn_gold
    gold_cited: float | None = None  # None: no question of the kind has answer spans
    span_covered: float | None = None  # None: as gold_cited, or a system quoting nothing

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "questions": self.questions,
            "recall": round(self.recall, 4),
            "precision": round(self.precision, 4),
            "syn_recall": _round(self.syn_recall),
            "gold_cited": _round(self.gold_cited),
            "span_covered": _round(self.span_covered),
            "verified_rate": _round(self.verified_rate),
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
def _strings(data: dict[str, Any], key: str) -> tuple[str, ...] | None:
    """The list of strings at `key`, None when the key is absent."""
    if key not in data:
        return None
    value = data[key]
    if not isinstance(value, list):
        raise TypeError(f'"{key}" is not a list')
    return tuple(str(v) for v in value)


def _question(data: object, number: int) -> Question:
    if not isinstance(data, dict) or not isinstance(data.get("gold"), list):
        raise TypeError("not an object with a list of gold ids")
    kind = str(data.get("kind", "all"))
    film = None
    if kind in SCOPED_KINDS:
        film = data.get("film")
        if not isinstance(film, str) or not film:
            raise TypeError(f'a "{kind}" question needs its "film" (the scope it is asked in)')
    return Question(
        id=str(data.get("id", f"line-{number}")),
        kind=kind,
        question=str(data["question"]),
        gold=_strings(data, "gold") or (),
        film=film,
        syn_gold=_strings(data, "syn_gold"),
        answer_spans=_strings(data, "answer_spans"),
    )


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
            questions.append(_question(json.loads(line), number))
        except (ValueError, KeyError, TypeError) as exc:
            raise CorpusError(
                path,
                f"not a question ({type(exc).__name__}: {exc}): each line must be a JSON "
                'object with "question" and "gold" (a list of review ids), and optionally '
                '"id", "kind", "syn_gold" and "answer_spans" (lists); "film" is required '
                f"for the kinds {', '.join(sorted(SCOPED_KINDS))}",
                line=number,
            ) from exc
    if not questions:
        raise CorpusError(path, "no questions in the file")
    return questions


# -- scoring ------------------------------------------------------------------------------
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The words of a text: casefolded runs of letters and digits (punctuation separates)."""
    return _WORD.findall(text.casefold())


def syn_recall(syn_gold: Sequence[str] | None, cited: Sequence[str], k: int) -> float | None:
    """syn_gold among the first k cited / min(|syn_gold|, k); None when syn_gold is empty."""
    if not syn_gold:
        return None
    wanted = set(syn_gold)
    return len(wanted.intersection(cited[:k])) / min(len(wanted), k)


def span_covered(spans: Sequence[str], quotes: Sequence[str]) -> bool | None:
    """Whether one quote holds at least half the distinct words of one span; None when no
    span has a word."""
    span_words = [set(words(span)) for span in spans]
    span_words = [s for s in span_words if s]
    if not span_words:
        return None
    quote_words = [set(words(quote)) for quote in quotes]
    return any(2 * len(s & q) >= len(s) for s in span_words for q in quote_words)


def score_question(question: Question, answer: Answer, k: int, latency_ms: float) -> QuestionScore:
    """The scores of one answer (see the module docstring)."""
    gold = set(question.gold)
    cited = tuple(dict.fromkeys(answer.cited))
    recall = len(gold.intersection(cited[:k])) / min(len(gold), k) if gold else 1.0
    empty_precision = 0.0 if gold else 1.0
    precision = len(gold.intersection(cited)) / len(cited) if cited else empty_precision
    gold_cited: float | None = None
    covered: float | None = None
    if question.answer_spans is not None:
        gold_cited = 1.0 if gold.intersection(cited) else 0.0
        if answer.quotes is not None:
            quotes = [text for rid, text in answer.quotes if rid in gold]
            found = span_covered(question.answer_spans, quotes)
            covered = None if found is None else float(found)
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
        syn_recall=syn_recall(question.syn_gold, cited, k),
        gold_cited=gold_cited,
        span_covered=covered,
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


def _mean(values: Sequence[float | None]) -> float | None:
    """The mean of the values that are not None; None when there are none."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


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
        syn_recall=_mean([s.syn_recall for s in scores]),
        gold_cited=_mean([s.gold_cited for s in scores]),
        span_covered=_mean([s.span_covered for s in scores]),
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
    """Ask every question (within its film for SCOPED_KINDS), timing each whole call, and
    score the answers.

    With `warmup`, the first question is asked once unscored first, so that loading models
    and opening stores is not counted as the latency of one question.
    """
    if k < 1:
        raise ConfigError(f"k must be at least 1, not {k}")
    if warmup and questions:
        answer(questions[0].question, k, film=questions[0].film)
    scores: list[QuestionScore] = []
    for question in questions:
        started = clock()
        got = answer(question.question, k, film=question.film)
        latency_ms = (clock() - started) * 1000
        scores.append(score_question(question, got, k, latency_ms))
    return summarize(system, k, scores)


# -- the systems --------------------------------------------------------------------------
def assistant_answerer(assistant: Assistant, engine: str = "extractive") -> Answerer:
    """reviewqa as an Answerer: the distinct review ids of its citations, in order; a film
    scope is a film filter, as the widget's `data-film` is."""
    from index.filters import Filters

    def answer(question: str, k: int, film: str | None = None) -> Answer:
        filters = Filters(films=(film,)) if film else None
        result = assistant.ask(question, k=k, engine=engine, filters=filters)
        return Answer(
            cited=tuple(dict.fromkeys(c.review_id for c in result.citations)),
            citations=len(result.citations),
            verified=sum(1 for c in result.citations if c.verified),
            quotes=tuple((c.review_id, c.quote) for c in result.citations if c.verified),
        )

    return answer


def baseline_answerer(stock: BaselineRetriever) -> Answerer:
    """The stock llama-index retriever as an Answerer: it cites what it retrieves, quoting
    nothing."""

    def answer(question: str, k: int, film: str | None = None) -> Answer:
        cited = tuple(dict.fromkeys(stock.retrieve(question, k, film)))
        return Answer(cited=cited, citations=len(cited), verified=None, quotes=None)

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
                return run_eval(loaded, baseline_answerer(stock), k, system="baseline")
        from assistant.service import Assistant

        return run_eval(loaded, assistant_answerer(Assistant(settings, index)), k)
    finally:
        index.close()
