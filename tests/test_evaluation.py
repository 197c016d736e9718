"""The evaluation scorer on hand-made answers (recall, precision, syn_recall, gold cited, span
covered), then reviewqa and the stock llama-index baseline scored end to end on a tiny index
(a tiny semantic set and a tiny SubjQA-like set among them), the SubjQA dev set builder, then
(slow, shared data) the Pixar dev set."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from llama_index.core.schema import MetadataMode

from assistant.baseline import BaselineRetriever, collection_name, review_nodes
from assistant.eval_tables import format_comparison, format_markdown, format_report
from assistant.evaluation import (
    Answer,
    EvalReport,
    Question,
    evaluate,
    load_questions,
    percentile,
    run_eval,
    score_question,
    span_covered,
    summarize,
    syn_recall,
    words,
)
from bench import build_subjqa_dev
from index.errors import ConfigError, CorpusError
from index.ingest import ingest
from index.settings import Settings
from index.store import open_index
from tests.conftest import ROOT, SHARED, needs_shared
from ui.cli import main as cli
from ui.settings import load_settings

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

    def answer(question: str, k: int, film: str | None = None) -> Answer:
        asked.append((question, k))
        assert film is None  # no kind here is asked within a film
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


# -- syn_recall, gold cited, span covered -------------------------------------------------


def test_words_casefold_and_split_on_anything_but_letters_and_digits() -> None:
    assert words("That said ... the MUSIC, isn't it?") == [
        "that", "said", "the", "music", "isn", "t", "it"
    ]  # fmt: skip
    assert words("Straße — 3D_effects!") == ["strasse", "3d", "effects"]
    assert words(" ... ") == []


def test_syn_recall_is_syn_gold_among_the_first_k_over_min_of_syn_gold_and_k() -> None:
    assert syn_recall(["a", "b"], ("a", "x", "y"), 8) == 0.5
    assert syn_recall(["a", "b", "c", "d"], ("a", "b", "c"), 2) == 1.0  # 2 of min(4, 2)
    assert syn_recall(["a", "b", "c", "d"], ("x", "a", "b"), 2) == 0.5  # "b" is past k
    assert syn_recall(list("abcdefghij"), tuple("abcdxyzw"), 8) == 0.5  # 4 of min(10, 8)
    assert syn_recall(["a"], (), 8) == 0.0
    # No syn_gold (a set without it, or a question whose gold all holds the asked word):
    # no score, rather than a free 1.0 that would lift the average.
    assert syn_recall(None, ("a",), 8) is None
    assert syn_recall([], ("a",), 8) is None


def test_syn_recall_per_question_and_averaged_over_the_questions_that_have_it() -> None:
    semantic = [
        Question("s1", "semantic", "Q1?", ("a", "b", "c"), syn_gold=("b", "c")),
        Question("s2", "semantic", "Q2?", ("d",), syn_gold=()),  # the asked word in all gold
        Question("s3", "semantic", "Q3?", ("e", "f"), syn_gold=("f",)),
    ]
    answers = [Answer(("a", "b", "b", "x")), Answer(("d",)), Answer(("f", "e"))]
    scores = [score_question(q, a, 8, 1.0) for q, a in zip(semantic, answers, strict=True)]
    assert [s.syn_recall for s in scores] == [0.5, None, 1.0]
    assert [s.recall for s in scores] == [2 / 3, 1.0, 1.0]
    report = summarize("test", 8, scores)
    assert report.kind("semantic").syn_recall == 0.75  # (0.5 + 1.0) / 2: s2 has none
    assert report.to_json()["all"]["syn_recall"] == 0.75
    assert report.to_json()["questions"][1]["syn_recall"] is None
    plain = summarize("test", 8, [score_question(q("critic", "a"), Answer(("a",)), 8, 1.0)])
    assert plain.overall.syn_recall is None


def test_span_covered_needs_half_the_distinct_words_of_a_span_in_one_quote() -> None:
    span = ["That said ... the music"]  # that, said, the, music
    assert span_covered(span, ["THAT SAID, the Music and animation are outstanding."])
    assert span_covered(span, ["the music, animation, and so on"])  # 2 of 4: half is enough
    assert not span_covered(span, ["the animation is fine"])  # 1 of 4
    assert not span_covered(span, ["That was it.", "Music soared."])  # quotes are not pooled
    assert span_covered(["the the the music"], ["The score, not the music..."])  # distinct words
    assert span_covered(["A bold -- no, BOLD! -- film", "x y z"], ["a bold film"])  # any span
    assert not span_covered(span, [])
    assert span_covered(["...", "?!"], ["anything"]) is None  # no span has a word


def subjqa(*gold: str, spans: tuple[str, ...] = ("the music soars",)) -> Question:
    return Question("j", "subjqa", "How is the music?", gold, film="F", answer_spans=spans)


def test_gold_cited_and_span_covered_count_only_the_gold_reviews_quotes() -> None:
    quoted = Answer(("r2", "r1"), 2, 2, quotes=(("r2", "The music soars."), ("r1", "Dull.")))
    s = score_question(subjqa("r1"), quoted, 8, 1.0)
    assert (s.gold_cited, s.span_covered) == (1.0, 0.0)  # r2's quote holds the words, r1's not
    s = score_question(subjqa("r2"), quoted, 8, 1.0)
    assert (s.gold_cited, s.span_covered, s.precision) == (1.0, 1.0, 0.5)
    s = score_question(subjqa("r3"), quoted, 8, 1.0)
    assert (s.gold_cited, s.span_covered, s.recall) == (0.0, 0.0, 0.0)
    s = score_question(subjqa("r3", "r2"), quoted, 8, 1.0)  # two gold reviews: one is enough
    assert (s.gold_cited, s.span_covered) == (1.0, 1.0)
    # A system that quotes nothing (the retrieval-only baseline): span covered is n/a.
    s = score_question(subjqa("r2"), Answer(("r2",), 1, None), 8, 1.0)
    assert (s.gold_cited, s.span_covered) == (1.0, None)
    s = score_question(subjqa("r2", spans=("--",)), quoted, 8, 1.0)
    assert (s.gold_cited, s.span_covered) == (1.0, None)
    # Other kinds have neither score.
    s = score_question(q("critic", "r2"), quoted, 8, 1.0)
    assert (s.gold_cited, s.span_covered, s.syn_recall) == (None, None, None)


def test_subjqa_scores_averaged_and_n_a_for_a_system_that_quotes_nothing() -> None:
    ours = summarize(
        "reviewqa",
        8,
        [
            score_question(subjqa("r1"), Answer(("r1",), 1, 1, (("r1", "the music soars"),)), 8, 1),
            score_question(subjqa("r2"), Answer(("r1",), 1, 1, (("r1", "the music soars"),)), 8, 1),
        ],
    )
    assert (ours.overall.gold_cited, ours.overall.span_covered) == (0.5, 0.5)
    base = summarize("baseline", 8, [score_question(subjqa("r1"), Answer(("r1", "r2")), 8, 1)])
    assert (base.overall.gold_cited, base.overall.span_covered) == (1.0, None)
    assert base.to_json()["kinds"]["subjqa"]["span_covered"] is None


def test_run_eval_passes_the_film_as_scope_only_for_scoped_kinds() -> None:
    questions = [
        Question("c1", "critic", "What did Ann Hale think of Iron Orchard?", ("i1",)),
        Question("j1", "subjqa", "How is the music?", ("m2",), film="Moonlight Harbor",
                 answer_spans=("lovely",)),
    ]  # fmt: skip
    asked: list[tuple[str, str | None]] = []

    def answer(question: str, k: int, film: str | None = None) -> Answer:
        asked.append((question, film))
        return Answer(())

    run_eval(questions, answer, 8, warmup=False)
    assert asked == [
        ("What did Ann Hale think of Iron Orchard?", None),
        ("How is the music?", "Moonlight Harbor"),
    ]


def test_tables_add_the_columns_a_set_scores() -> None:
    sem = Question("s", "semantic", "Q?", ("a", "b"), syn_gold=("b",))
    ours = summarize("reviewqa", 8, [score_question(sem, Answer(("a", "b"), 2, 2), 8, 5)])
    base = summarize("baseline", 8, [score_question(sem, Answer(("a", "x")), 8, 4)])
    header = format_report(ours).splitlines()[1].split()
    assert header[:5] == ["kind", "n", "recall@k", "precision", "syn_recall"]
    assert "gold" not in header
    side = format_comparison(ours, base).splitlines()
    assert side[1].split()[:11] == [
        "kind", "n", "recall", "base", "ratio", "precision", "base", "ratio",
        "syn_recall", "base", "ratio",
    ]  # fmt: skip
    assert side[2].split()[8:11] == ["1.000", "0.000", "inf"]
    markdown = format_markdown(ours, base).splitlines()
    assert "| syn_recall (reviewqa) | syn_recall (baseline) | ratio |" in markdown[0]
    assert markdown[2].startswith(
        "| semantic | 1 | 1.000 | 0.500 | 2.00x | 1.000 | 0.500 | 2.00x | 1.000 | 0.000 | inf |"
    )

    quoted = Answer(("r1",), 1, 1, (("r1", "the music soars"),))
    ours = summarize("reviewqa", 8, [score_question(subjqa("r1"), quoted, 8, 5)])
    base = summarize("baseline", 8, [score_question(subjqa("r1"), Answer(("r2", "r1")), 8, 4)])
    header = format_report(base).splitlines()[1].split()
    assert header[4:8] == ["gold", "cited", "span", "covered"]
    assert "syn_recall" not in header
    assert format_report(base).splitlines()[2].split()[4:6] == ["1.000", "n/a"]
    markdown = format_markdown(ours, base).splitlines()
    assert (
        "| gold cited (reviewqa) | gold cited (baseline) | ratio | span covered (reviewqa) "
        "| span covered (baseline) | ratio |"
    ) in markdown[0]
    assert "| 1.000 | 1.000 | 1.00x | 1.000 | n/a | n/a |" in markdown[2]


def test_load_questions_reads_syn_gold_and_the_subjqa_scope(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        '{"id": "s1", "kind": "semantic", "question": "Q?", "film": "F", "aspect": "music", '
        '"gold": ["1", "2"], "syn_gold": ["2"]}\n'
        '{"id": "j1", "kind": "subjqa", "question": "R?", "film": "B00X", "gold": ["r"], '
        '"answer_spans": ["the music"]}\n'
    )
    assert load_questions(path) == [
        Question("s1", "semantic", "Q?", ("1", "2"), syn_gold=("2",)),  # film: not the scope
        Question("j1", "subjqa", "R?", ("r",), film="B00X", answer_spans=("the music",)),
    ]
    path.write_text('{"kind": "subjqa", "question": "R?", "gold": ["r"]}\n')
    with pytest.raises(CorpusError, match=r'q\.jsonl:1: .*a "subjqa" question needs its "film"'):
        load_questions(path)
    path.write_text('{"question": "R?", "gold": ["r"], "syn_gold": "r"}\n')
    with pytest.raises(CorpusError, match=r'"syn_gold" is not a list'):
        load_questions(path)


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


def write_jsonl(path: Path, lines: Sequence[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


SEMANTIC = [
    # Gold speaks of the music without the word: only meaning can find m1 and m2.
    {"id": "s1", "kind": "semantic", "aspect": "music", "film": "Moonlight Harbor",
     "question": "What did reviewers think of the music in Moonlight Harbor?",
     "gold": ["m1", "m2"], "syn_gold": ["m1", "m2"]},
    # Every gold review holds the asked word: no syn_gold, no syn_recall.
    {"id": "s2", "kind": "semantic", "aspect": "jokes", "film": "Iron Orchard",
     "question": "What did reviewers think of the jokes in Iron Orchard?",
     "gold": ["i5"], "syn_gold": []},
]  # fmt: skip

SUBJQA = [
    # The questions name no film: the scope does, as a widget's data-film.
    {"id": "j1", "kind": "subjqa", "question": "How was the soundtrack?", "film": "Iron Orchard",
     "gold": ["i3"], "answer_spans": ["The soundtrack pounds"]},
    {"id": "j2", "kind": "subjqa", "question": "How was the soundtrack?",
     "film": "Moonlight Harbor", "gold": ["m2"], "answer_spans": ["the soundtrack is lovely"]},
]  # fmt: skip


def film_of(review_id: str) -> str:
    return {"m": "Moonlight Harbor", "i": "Iron Orchard"}[review_id[0]]


def test_a_tiny_semantic_set_scores_syn_recall(tiny: tuple[Settings, Path]) -> None:
    settings, _ = tiny
    path = write_jsonl(settings.home.parent / "semantic.jsonl", SEMANTIC)
    for baseline in (False, True):
        report = evaluate(settings, path, k=3, baseline=baseline)
        assert_in_unit_range(report)
        s1, s2 = report.questions
        assert s1.syn_recall == len({"m1", "m2"} & set(s1.cited[:3])) / 2
        assert s2.syn_recall is None
        assert report.kind("semantic").syn_recall == s1.syn_recall  # s2 has none to average
        assert (report.overall.gold_cited, report.overall.span_covered) == (None, None)
        assert "syn_recall" in format_report(report)


def test_a_tiny_subjqa_set_is_asked_within_its_film(tiny: tuple[Settings, Path]) -> None:
    settings, _ = tiny
    path = write_jsonl(settings.home.parent / "subjqa.jsonl", SUBJQA)
    ours = evaluate(settings, path, k=3, baseline=False)
    base = evaluate(settings, path, k=3, baseline=True)
    for report in (ours, base):
        assert_in_unit_range(report)
        for score, line in zip(report.questions, SUBJQA, strict=True):
            assert score.cited, report.system
            assert {film_of(r) for r in score.cited} == {line["film"]}, report.system
    # Both soundtrack reviews of Moonlight Harbor (m1, m2) answer j2; its gold is m2 alone.
    j1, j2 = ours.questions
    assert (j1.gold_cited, j1.span_covered) == (1.0, 1.0)
    assert j2.gold_cited == 1.0
    assert ours.overall.verified_rate == 1.0
    # The baseline retrieves k nodes of the film, quoting nothing.
    assert [len(s.cited) for s in base.questions] == [3, 3]
    assert base.overall.gold_cited is not None
    assert base.overall.span_covered is None
    side = format_comparison(ours, base)
    assert "gold cited" in side and "span covered" in side


def test_cli_eval_prints_the_new_scores_as_text_markdown_and_json(
    tiny: tuple[Settings, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    settings, _ = tiny
    path = write_jsonl(settings.home.parent / "subjqa.jsonl", SUBJQA)
    home = ["--home", str(settings.home)]
    assert cli([*home, "eval", str(path), "--k", "3", "--baseline", "--markdown"]) == 0
    markdown = capsys.readouterr().out.splitlines()
    assert markdown[0].startswith("| kind | n | recall@3 (reviewqa) | recall@3 (baseline) |")
    assert "| span covered (reviewqa) | span covered (baseline) |" in markdown[0]
    assert markdown[2].startswith("| subjqa | 2 |")
    assert cli([*home, "eval", str(path), "--k", "3", "--baseline", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"reviewqa", "baseline"}
    assert data["reviewqa"]["all"]["gold_cited"] == 1.0
    assert data["baseline"]["all"]["span_covered"] is None
    assert data["reviewqa"]["questions"][0]["span_covered"] == 1.0
    with pytest.raises(SystemExit) as exited:
        cli([*home, "eval", str(path), "--markdown"])
    assert exited.value.code == 2
    assert "--markdown prints the comparison: add --baseline" in capsys.readouterr().err


# -- the SubjQA dev set builder -----------------------------------------------------------

SUBJQA_HEADER = ["item_id", "question", "review_id", "review", "human_ans_spans", "domain"]


def test_build_subjqa_dev_set_merges_questions_and_cleans_the_marker(tmp_path: Path) -> None:
    source = tmp_path / "dev.csv"
    with source.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(SUBJQA_HEADER)
        writer.writerows(
            [
                ["F1", "How is the music?", "r1", "&quot;Great&quot; music. ANSWERNOTFOUND",
                 "&quot;Great&quot; music", "movies"],
                ["F1", "How is the music?", "r1", "&quot;Great&quot; music. ANSWERNOTFOUND",
                 "Great", "movies"],  # a second annotator: one question, two spans
                ["F1", "How is the music?", "r2", "Music? Fine. ANSWERNOTFOUND", "Fine",
                 "movies"],  # another review of the film answers it too
                ["F1", "Is it scary?", "r2", "Music? Fine. ANSWERNOTFOUND", "ANSWERNOTFOUND",
                 "movies"],
                ["F2", "Is it long?", "r3", "Too long. ANSWERNOTFOUND", "ANSWERNOTFOUND", "movies"],
            ]
        )  # fmt: skip
    built = build_subjqa_dev.build(source, tmp_path / "out")
    assert (built.questions, built.answerable_rows, built.reviews, built.films) == (1, 3, 3, 2)
    assert built.single_review_questions == 0
    lines = [json.loads(x) for x in built.questions_path.read_text().splitlines()]
    assert lines == [
        {"id": "subjqa-001", "kind": "subjqa", "question": "How is the music?", "film": "F1",
         "gold": ["r1", "r2"], "answer_spans": ['"Great" music', "Great", "Fine"]},
    ]  # fmt: skip
    with built.corpus_path.open(newline="", encoding="utf-8") as f:
        corpus = list(csv.DictReader(f))
    assert corpus == [
        {"id": "r1", "film": "F1", "text": "&quot;Great&quot; music."},
        {"id": "r2", "film": "F1", "text": "Music? Fine."},
        {"id": "r3", "film": "F2", "text": "Too long."},
    ]
    assert load_questions(built.questions_path)[0].film == "F1"


def test_build_subjqa_dev_set_refuses_to_write_into_the_repository(tmp_path: Path) -> None:
    source = tmp_path / "dev.csv"
    source.write_text(",".join(SUBJQA_HEADER) + "\n")
    with pytest.raises(ValueError, match="inside the repository"):
        build_subjqa_dev.build(source, ROOT / "bench" / "subjqa")
    assert not (ROOT / "bench" / "subjqa").exists()


@pytest.mark.shared
def test_build_subjqa_dev_set_from_the_shared_data(tmp_path: Path) -> None:
    source = needs_shared("data", "subjqa-movies", "dev.csv")
    built = build_subjqa_dev.build(source, tmp_path)
    # 104 answerable rows; 3 repeat a (film, question, review) and 1 asks a film's question
    # of a second review: 100 questions. Every review of the split is in the corpus.
    assert (built.answerable_rows, built.questions, built.reviews, built.films) == (
        104, 100, 259, 171
    )  # fmt: skip
    lines = [json.loads(x) for x in built.questions_path.read_text().splitlines()]
    assert len(lines) == 100
    with built.corpus_path.open(newline="", encoding="utf-8") as f:
        corpus = {row["id"]: row for row in csv.DictReader(f)}
    assert len(corpus) == 259
    assert all(set(row) == {"id", "film", "text"} for row in corpus.values())
    assert not any(row["text"].endswith("ANSWERNOTFOUND") for row in corpus.values())
    for line in lines:
        assert set(line) == {"id", "kind", "question", "film", "gold", "answer_spans"}
        assert line["kind"] == "subjqa"
        assert line["gold"] and line["answer_spans"] and line["question"]
        assert all(corpus[rid]["film"] == line["film"] for rid in line["gold"])
        assert all(span.strip() for span in line["answer_spans"])
    assert len({line["id"] for line in lines}) == 100
    questions = load_questions(built.questions_path)
    assert all(q.film and q.answer_spans for q in questions)


# -- the Pixar dev set (slow, needs ../shared) --------------------------------------------

DEV_QUESTIONS = SHARED / "eval" / "pixar_dev.jsonl"
SEMANTIC_DEV_QUESTIONS = SHARED / "eval" / "pixar_semantic_dev.jsonl"
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


@pytest.mark.slow
@pytest.mark.shared
def test_semantic_dev_set_meets_the_targets_of_the_meaning_issue(pixar: Settings) -> None:
    """Questions about things (`pixar_semantic_dev.jsonl`): the targets of issue 11, and the
    stock pipeline beaten by the margin it names, in one run over one index."""
    if not SEMANTIC_DEV_QUESTIONS.exists():
        pytest.skip(f"{SEMANTIC_DEV_QUESTIONS} is absent: the targets are measured on it")
    ours = evaluate(pixar, SEMANTIC_DEV_QUESTIONS, k=8, baseline=False)
    base = evaluate(pixar, SEMANTIC_DEV_QUESTIONS, k=8, baseline=True)
    assert ours.overall.questions == base.overall.questions == 70
    score = ours.kind("semantic")
    assert score.recall >= 0.85 and score.precision >= 0.70, score
    assert score.syn_recall is not None and score.syn_recall >= 0.70, score
    assert score.recall >= 1.25 * base.kind("semantic").recall, (score, base.kind("semantic"))
    assert score.verified_rate == 1.0, score
