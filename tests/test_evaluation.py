"""The evaluation scorer on hand-made answers, then reviewqa and the stock llama-index baseline
scored end to end on a tiny index, then (slow, shared data) on the Pixar dev set."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from llama_index.core.schema import MetadataMode

from assistant.baseline import BaselineRetriever, collection_name, review_nodes
from assistant.evaluation import (
    Answer,
    EvalReport,
    Question,
    evaluate,
    format_comparison,
    format_markdown,
    format_report,
    load_questions,
    percentile,
    run_eval,
    score_question,
    summarize,
)
from index.errors import ConfigError, CorpusError
from index.ingest import ingest
from index.settings import Settings, load_settings
from index.store import open_index
from tests.conftest import SHARED

# -- the scorer on hand-made answers ------------------------------------------------------


def q(kind: str, *gold: str, id: str = "q") -> Question:
    return Question(id=id, kind=kind, question=f"a {kind} question", gold=gold)


def test_recall_counts_gold_among_the_first_k_over_min_of_gold_and_k() -> None:
    s = score_question(q("aspect", "a", "b", "c", "d"), Answer(("a", "x", "c")), 2, 5.0)
    assert (s.recall, s.precision) == (0.5, 2 / 3)  # only "a" is in the first 2; 2 of 3 cited
    s = score_question(q("aspect", "a", "b", "c", "d"), Answer(("a", "x", "c")), 8, 5.0)
    assert (s.recall, s.precision) == (0.5, 2 / 3)  # 2 of min(4, 8)
    s = score_question(q("dissent", *"abcdefghij"), Answer(tuple("abcdefgh")), 8, 5.0)
    assert (s.recall, s.precision) == (1.0, 1.0)  # 8 of min(10, 8)


def test_repeated_citations_of_one_review_count_once() -> None:
    s = score_question(q("critic", "a"), Answer(("a", "a", "b"), citations=3, verified=3), 8, 1.0)
    assert s.cited == ("a", "b")
    assert (s.recall, s.precision) == (1.0, 0.5)


def test_citing_nothing_is_precision_zero_unless_gold_is_empty() -> None:
    s = score_question(q("critic", "a"), Answer(()), 8, 1.0)
    assert (s.recall, s.precision) == (0.0, 0.0)
    s = score_question(q("critic"), Answer(()), 8, 1.0)
    assert (s.recall, s.precision) == (1.0, 1.0)
    s = score_question(q("critic"), Answer(("a",)), 8, 1.0)
    assert (s.recall, s.precision) == (1.0, 0.0)


def test_percentile_interpolates_linearly_between_ranks() -> None:
    values = [50.0, 10.0, 40.0, 20.0, 30.0]
    assert percentile(values, 50) == 30.0
    assert percentile(values, 95) == pytest.approx(48.0)
    assert percentile(values, 0) == 10.0
    assert percentile(values, 100) == 50.0
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) == 0.0


def test_summary_per_kind_and_overall() -> None:
    scores = [
        score_question(q("critic", "a", id="1"), Answer(("a",), 1, 1), 8, 10.0),
        score_question(q("critic", "b", id="2"), Answer(("c",), 2, 1), 8, 30.0),
        score_question(q("aspect", "a", "b", id="3"), Answer(("a", "x"), 4, 4), 8, 20.0),
    ]
    report = summarize("test", 8, scores)
    assert [k.kind for k in report.kinds] == ["aspect", "critic"]
    critic = report.kind("critic")
    assert (critic.questions, critic.recall, critic.precision) == (2, 0.5, 0.5)
    assert critic.verified_rate == 2 / 3  # pooled: 2 verified of 3 citations
    assert critic.p50_ms == 20.0
    assert critic.p95_ms == pytest.approx(29.0)
    assert critic.cited_mean == 1.0
    aspect = report.kind("aspect")
    assert (aspect.recall, aspect.precision, aspect.verified_rate) == (0.5, 0.5, 1.0)
    overall = report.kind("all")
    assert overall.questions == 3
    assert overall.recall == pytest.approx(1.5 / 3)
    assert overall.precision == pytest.approx(1.5 / 3)
    assert overall.verified_rate == 6 / 7
    assert overall.p50_ms == 20.0
    assert overall.p95_ms == pytest.approx(29.0)
    with pytest.raises(KeyError):
        report.kind("dissent")


def test_verified_rate_is_na_for_a_system_that_quotes_nothing() -> None:
    scores = [score_question(q("critic", "a"), Answer(("a", "b"), 2, None), 8, 1.0)]
    report = summarize("baseline", 8, scores)
    assert report.overall.verified_rate is None
    assert "n/a" in format_report(report)
    assert report.to_json()["all"]["verified_rate"] is None


def test_run_eval_times_each_whole_call_after_one_warmup() -> None:
    questions = [q("critic", "a", id="1"), q("critic", "b", id="2"), q("dissent", "c", id="3")]
    ticks = iter([0.0, 0.010, 1.0, 1.030, 2.0, 2.020])
    asked: list[tuple[str, int]] = []

    def answer(question: str, k: int) -> Answer:
        asked.append((question, k))
        return Answer(("a", "b"), 2, 2)

    report = run_eval(questions, answer, 3, system="fake", clock=lambda: next(ticks))
    assert len(asked) == 4  # the warm-up, then each question once
    assert all(k == 3 for _, k in asked)
    assert [s.latency_ms for s in report.questions] == pytest.approx([10.0, 30.0, 20.0])
    critic = report.kind("critic")
    assert (critic.recall, critic.precision) == (1.0, 0.5)
    assert critic.p50_ms == pytest.approx(20.0)
    assert (report.kind("dissent").recall, report.kind("dissent").precision) == (0.0, 0.0)
    data = report.to_json()
    assert data["system"] == "fake"
    assert data["k"] == 3
    assert set(data["kinds"]) == {"critic", "dissent"}
    assert [x["id"] for x in data["questions"]] == ["1", "2", "3"]
    json.dumps(data)  # serializable as is
    with pytest.raises(ConfigError, match="k must be at least 1"):
        run_eval(questions, answer, 0)


def test_tables_show_every_kind_and_the_ratios() -> None:
    ours = summarize("reviewqa", 8, [score_question(q("critic", "a"), Answer(("a",), 1, 1), 8, 5)])
    base = summarize("baseline", 8, [score_question(q("critic", "a"), Answer(("a", "b")), 8, 4)])
    table = format_report(ours).splitlines()
    assert table[0] == "reviewqa (k=8)"
    assert table[1].split() == [
        "kind", "n", "recall@k", "precision", "verified", "cited", "p50", "ms", "p95", "ms"
    ]  # fmt: skip
    assert table[2].split() == ["critic", "1", "1.000", "1.000", "1.000", "1.0", "5", "5"]
    assert table[3].split()[0] == "all"
    side = format_comparison(ours, base)
    assert "2.00x" in side  # precision 1.0 vs 0.5
    markdown = format_markdown(ours, base).splitlines()
    assert markdown[0].startswith("| kind | n | recall@8 (reviewqa) |")
    assert markdown[2].startswith("| critic | 1 | 1.000 | 1.000 | 1.00x | 1.000 | 0.500 | 2.00x |")
    assert markdown[3].startswith("| **all** |")


def test_load_questions_ignores_film_and_names_a_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        '{"id": "x1", "kind": "critic", "question": "Q?", "film": "F", "gold": ["1", 2]}\n\n'
        '{"question": "R?", "gold": []}\n'
    )
    assert load_questions(path) == [
        Question("x1", "critic", "Q?", ("1", "2")),
        Question("line-3", "all", "R?", ()),
    ]
    path.write_text('{"id": "x1", "question": "Q?", "gold": "1"}\n')
    with pytest.raises(CorpusError, match=r"q\.jsonl:1: not a question"):
        load_questions(path)
    path.write_text("")
    with pytest.raises(CorpusError, match="no questions"):
        load_questions(path)
    with pytest.raises(CorpusError, match="cannot read"):
        load_questions(tmp_path / "missing.jsonl")


# -- end to end on a tiny index -----------------------------------------------------------

REVIEWS = [
    ("m1", "Moonlight Harbor", "Ann Hale", "Daily Star", "fresh",
     "A tender story of a lighthouse keeper; the soundtrack swells at every right moment."),
    ("m2", "Moonlight Harbor", "Bo Crane", "City Paper", "fresh",
     "The soundtrack is lovely and the harbor photography glows."),
    ("m3", "Moonlight Harbor", "Cy Dunn", "Film Weekly", "rotten",
     "Slow and shapeless; I was bored long before the final scene."),
    ("m4", "Moonlight Harbor", "Di Ellis", "Metro Times", "rotten",
     "The script drifts and the characters never come alive."),
    ("m5", "Moonlight Harbor", "Ed Ford", "Screen Review", "fresh",
     "Quietly moving, with performances that linger."),
    ("i1", "Iron Orchard", "Ann Hale", "Daily Star", "rotten",
     "A noisy, joyless action picture with nothing on its mind."),
    ("i2", "Iron Orchard", "Fay Gold", "Weekly Globe", "fresh",
     "Thrilling set pieces and a villain worth fearing."),
    ("i3", "Iron Orchard", "Gus Hart", "Night Owl", "fresh",
     "The soundtrack pounds, and the orchard battle is a marvel."),
    ("i4", "Iron Orchard", "Hal Ives", "The Ledger", "fresh",
     "Big, loud, and surprisingly heartfelt."),
    ("i5", "Iron Orchard", "Ida Jones", "Courier", "rotten",
     "Too long by half, and the jokes land with a thud."),
]  # fmt: skip

QUESTIONS = [
    # `film` is deliberately wrong on c1: the scorer must not hand it to the system.
    ("c1", "critic", "What did Ann Hale think of Moonlight Harbor?", ["m1"], "Iron Orchard"),
    ("c2", "critic", "What did Ann Hale think of Iron Orchard?", ["i1"], "Iron Orchard"),
    ("d1", "dissent", "Which critics disliked Moonlight Harbor?", ["m3", "m4"], "Moonlight Harbor"),
    ("a1", "aspect", "What do critics say about the soundtrack in Iron Orchard?", ["i3"], ""),
    ("a2", "aspect", "What do critics say about the soundtrack in Moonlight Harbor?",
     ["m1", "m2"], ""),
]  # fmt: skip


def write_reviews(path: Path, rows: Sequence[tuple[str, ...]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "title", "critic", "publication", "fresh", "quote", "review_date"])
        writer.writerows([*row, "2020-01-10"] for row in rows)
    return path


@pytest.fixture
def tiny(settings: Settings, tmp_path: Path) -> tuple[Settings, Path]:
    """An index of 10 reviews of two films, and 5 questions over it."""
    report = ingest([write_reviews(tmp_path / "reviews.csv", REVIEWS)], settings)
    assert (report.added, report.skipped) == (10, 0)
    questions = tmp_path / "questions.jsonl"
    questions.write_text(
        "".join(
            json.dumps({"id": i, "kind": kind, "question": text, "film": film, "gold": gold}) + "\n"
            for i, kind, text, gold, film in QUESTIONS
        )
    )
    return settings, questions


def assert_in_unit_range(report: EvalReport) -> None:
    for score in [*report.kinds, report.overall]:
        assert 0.0 <= score.recall <= 1.0
        assert 0.0 <= score.precision <= 1.0
        assert score.verified_rate is None or 0.0 <= score.verified_rate <= 1.0
        assert 0.0 < score.p50_ms <= score.p95_ms
    for question in report.questions:
        assert 0.0 <= question.recall <= 1.0
        assert 0.0 <= question.precision <= 1.0


def test_reviewqa_end_to_end_on_a_tiny_index(tiny: tuple[Settings, Path]) -> None:
    settings, questions = tiny
    report = evaluate(settings, questions, k=8, baseline=False)
    assert_in_unit_range(report)
    assert report.system == "reviewqa"
    cited = {s.id: s.cited for s in report.questions}
    assert cited["c1"] == ("m1",)  # the film comes from the question, not the `film` field
    assert cited["c2"] == ("i1",)
    assert set(cited["d1"]) == {"m3", "m4"}
    assert cited["a1"] == ("i3",)
    assert set(cited["a2"]) == {"m1", "m2"}
    for kind in ("critic", "dissent", "aspect", "all"):
        score = report.kind(kind)
        assert (score.recall, score.precision, score.verified_rate) == (1.0, 1.0, 1.0), kind
    assert report.kind("critic").questions == 2


def test_baseline_end_to_end_on_a_tiny_index(tiny: tuple[Settings, Path]) -> None:
    settings, questions = tiny
    report = evaluate(settings, questions, k=3, baseline=True)
    assert_in_unit_range(report)
    assert report.system == "baseline"
    assert report.overall.verified_rate is None
    # Top-k similarity always returns k nodes: precision is gold found / k.
    for score in report.questions:
        assert len(score.cited) == 3
        assert score.precision == pytest.approx(len(set(score.gold) & set(score.cited)) / 3)
    # The critic's name is folded into the embedded text, so the critic's review is found...
    assert report.kind("critic").recall == 1.0
    # ...but it is one review among k: reviewqa is exact where the baseline cannot be.
    assert report.kind("critic").precision == pytest.approx(1 / 3)
    ours = evaluate(settings, questions, k=3, baseline=False)
    assert ours.overall.precision > report.overall.precision
    assert ours.overall.recall >= report.overall.recall
    assert "reviewqa vs baseline (k=3)" in format_comparison(ours, report)


def test_baseline_nodes_fold_metadata_into_the_embedded_text(tiny: tuple[Settings, Path]) -> None:
    settings, _ = tiny
    index = open_index(settings, readonly=True)
    try:
        nodes = {n.node_id: n for n in review_nodes(index)}
        assert sorted(nodes) == sorted(r[0] for r in REVIEWS)
        embedded = nodes["m2"].get_content(metadata_mode=MetadataMode.EMBED)
        assert embedded == (
            "Film: Moonlight Harbor\nCritic: Bo Crane\nPublication: City Paper\n\n"
            "The soundtrack is lovely and the harbor photography glows."
        )
    finally:
        index.close()


def test_baseline_collection_is_built_once_and_kept_in_sync(tiny: tuple[Settings, Path]) -> None:
    settings, _ = tiny
    index = open_index(settings, readonly=True)
    try:
        with BaselineRetriever(index) as first:
            assert first.synced == 10
            assert first.name == collection_name(index)
            assert first.name.startswith("baseline_")
            assert first.name != settings.collection
        with BaselineRetriever(index) as again:
            assert again.synced == 0  # reused as it is
        assert index.vectors.count() == 10  # reviewqa's own collection is untouched
    finally:
        index.close()
    changed = [(*REVIEWS[0][:5], "A new text about the lighthouse."), *REVIEWS[1:-1]]
    csv_path = write_reviews(settings.home.parent / "reviews.csv", changed)
    ingest([csv_path], settings, prune=True)
    index = open_index(settings, readonly=True)
    try:
        with BaselineRetriever(index) as synced:
            assert synced.synced == 1  # m1 changed; i5 was removed
            assert synced.retrieve("lighthouse", 1) == ["m1"]
            assert "i5" not in synced.retrieve("jokes land with a thud", 9)
    finally:
        index.close()


# -- the Pixar dev set (slow, needs ../shared) --------------------------------------------

DEV_QUESTIONS = SHARED / "eval" / "pixar_dev.jsonl"
PIXAR_REVIEWS = SHARED / "data" / "rt-critics-pixar" / "critic_reviews.csv"


@pytest.fixture(scope="module")
def pixar(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """One index of the Pixar reviews for this module (ingest takes about a minute)."""
    if not DEV_QUESTIONS.exists() or not PIXAR_REVIEWS.exists():
        pytest.skip(
            f"{SHARED} is absent (or lacks eval/pixar_dev.jsonl and data/rt-critics-pixar): "
            "the dev-set evaluation uses the shared data beside the repo"
        )
    home = tmp_path_factory.mktemp("pixar") / "home"
    with pytest.MonkeyPatch.context() as mp:
        for var in list(os.environ):
            if var.startswith("REVIEWQA_"):
                mp.delenv(var)
        mp.chdir(home.parent)
        settings = load_settings(home=home)
    report = ingest([PIXAR_REVIEWS], settings)
    assert report.added > 7000
    yield settings


@pytest.mark.slow
@pytest.mark.shared
def test_dev_set_reviewqa_beats_the_baseline_on_every_kind(pixar: Settings) -> None:
    ours = evaluate(pixar, DEV_QUESTIONS, k=8, baseline=False)
    base = evaluate(pixar, DEV_QUESTIONS, k=8, baseline=True)
    assert_in_unit_range(ours)
    assert_in_unit_range(base)
    assert ours.overall.questions == base.overall.questions == 116
    assert [s.kind for s in ours.kinds] == ["aspect", "critic", "dissent"]
    for kind in ("aspect", "critic", "dissent", "all"):
        a, b = ours.kind(kind), base.kind(kind)
        assert a.recall > b.recall, kind
        assert a.precision > b.precision, kind
    # The targets of the answers issue.
    for kind in ("aspect", "critic", "dissent"):
        assert ours.kind(kind).recall >= 0.95, kind
    assert ours.kind("aspect").precision >= 0.8
    assert ours.kind("critic").precision >= 0.8
    assert ours.overall.verified_rate is not None and ours.overall.verified_rate >= 0.99
