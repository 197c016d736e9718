"""Relevance by meaning: a question about a thing finds the reviews that speak of it in other
words (the index's own vocabulary, embedded), and cites no review that does not."""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from assistant.relevance import (
    AGREED_EACH,
    AGREED_MEAN,
    MAX_NEIGHBOURS,
    MORE_WRITTEN,
    NEIGHBOUR_FLOOR,
    REVIEW_AGREEMENT,
    REVIEW_NEIGHBOURS,
    REVIEW_WEIGHT,
    UNCROWDED,
    USED_ALIKE,
    WRITTEN_ALIKE,
    ThingMatcher,
    read_in_written_number,
)
from assistant.result import Result
from assistant.review_words import load_review_words, word_ranks
from assistant.service import Assistant
from index.filters import Filters
from index.ingest import ingest
from index.nearest import top_rows
from index.settings import Settings
from index.store import open_index
from index.vocabulary import VocabularyStore
from tests.conftest import needs_shared
from tests.support.results import unmarked
from tests.support.reviews import answers, write_quotes

FILM = "Moonbeam Parade (2021)"
HUMOUR = [  # none says "jokes"
    ("Ada Quill", "fresh", "Hilarious from start to finish; the gags never stop."),
    ("Ben Ink", "fresh", "I laughed harder than at any comedy this year."),
    ("Cal Nib", "rotten", "The humor is juvenile and it wears thin fast."),
    ("Dee Pen", "fresh", "Funny, warm and quick on its feet."),
]
OTHER = [
    ("Eve Page", "fresh", "The colours glow and every frame looks painted by hand."),
    ("Fay Leaf", "rotten", "The plot wanders and the ending arrives from nowhere."),
    ("Gus Line", "fresh", "A gorgeous score that swells at all the right moments."),
    ("Hal Word", "fresh", "The lead performance carries the whole picture."),
    ("Ivy Text", "rotten", "Visually drab, with muddy lighting in every scene."),
    ("Jo Type", "fresh", "The pacing is brisk and nothing outstays its welcome."),
]


def write(path: Path, rows: list[tuple[str, str, str]], film: str = FILM) -> Path:
    return write_quotes(path, rows, film)


@contextmanager
def assistant_over(tmp_path: Path, rows: list[tuple[str, str, str]]) -> Iterator[Assistant]:
    """An assistant over an index of `rows` (as FILM) alone, closed on leaving."""
    settings = Settings(home=tmp_path / "home", engine="extractive")
    ingest([write(tmp_path / "a.csv", rows)], settings)
    assistant = Assistant(settings)
    try:
        yield assistant
    finally:
        assistant.close()


def answered_over(tmp_path: Path, rows: list[tuple[str, str, str]], question: str) -> Result:
    """`question` answered over an index of `rows` (as FILM) and the same rows as another film,
    so that each word is seen in two passages."""
    (result,) = all_answered_over(tmp_path, rows, question)
    return result


def all_answered_over(
    tmp_path: Path, rows: list[tuple[str, str, str]], *questions: str
) -> list[Result]:
    """`questions` answered over one index, as `answered_over` builds it."""
    echo = [(c + " Jr.", f, t) for c, f, t in rows]
    files = [write(tmp_path / "a.csv", rows), write(tmp_path / "b.csv", echo, "Echo")]
    return answers(tmp_path / "home", files, *questions)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("relevance")
    # the same words elsewhere in the index, so each is seen in two passages
    echo = [(c + " Jr.", f, t) for c, f, t in HUMOUR + OTHER]
    settings = Settings(home=folder / "home", engine="extractive")
    ingest(
        [write(folder / "a.csv", HUMOUR + OTHER), write(folder / "b.csv", echo, "Echo")], settings
    )
    return settings.home


def test_a_thing_is_found_in_other_words_and_nothing_else_is_cited(home: Path) -> None:
    assistant = Assistant(Settings(home=home, engine="extractive"))
    try:
        result = assistant.ask(f"What do critics say about the jokes in {FILM}?")
    finally:
        assistant.close()
    cited = {c.critic for c in result.citations}
    humour = {critic for critic, _, _ in HUMOUR}
    assert len(cited & humour) >= 3, result.answer
    assert not cited - humour, f"cited reviews that do not speak of it: {cited - humour}"


def test_the_vocabulary_is_built_once_and_extended_with_new_words_only(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(home=home, engine="extractive")
    index = open_index(settings, readonly=True)
    try:
        store = VocabularyStore(index)
        vocabulary = store.get()
        assert {"hilarious", "laughed", "humor"} <= set(vocabulary.words)
        assert store.path.exists()
        embedded: list[list[str]] = []
        real = index.embedder.embed

        def counting(texts: Any) -> Any:
            embedded.append(list(texts))
            return real(texts)

        monkeypatch.setattr(index.embedder, "embed", counting)
        assert VocabularyStore(index).get().words == vocabulary.words  # from the file
        assert embedded == []
        more = [
            ("Kit Ray", "fresh", "Zany slapstick throughout."),
            ("Lu Ray", "fresh", "Zany slapstick."),
        ]
        ingest([write(tmp_path / "more.csv", more, "Zany (2020)")], settings)
        grown = VocabularyStore(index).get()
        assert {"zany", "slapstick"} <= set(grown.words)
        assert embedded and set(embedded[-1]) == {"zany", "slapstick"}  # the new words only
    finally:
        index.close()


def test_an_ingest_finishes_a_vocabulary_a_killed_run_left_unwritten(tmp_path: Path) -> None:
    """A run killed while the vocabulary was embedded leaves every review in and no vocabulary
    file; the same ingest run again changes no review and writes the vocabulary."""
    settings = Settings(home=tmp_path / "home", engine="extractive")
    source = write(tmp_path / "a.csv", HUMOUR)
    ingest([source], settings)
    index = open_index(settings, readonly=True)
    try:
        path = VocabularyStore(index).path
    finally:
        index.close()
    path.unlink()  # as a kill -9 during its embedding leaves it
    again = ingest([source], settings)
    assert (again.added, again.updated, again.unchanged) == (0, 0, len(HUMOUR))
    assert path.exists()


def test_a_long_passage_is_narrowed_to_the_sentences_nearest_the_question(home: Path) -> None:
    from assistant.passages import focused
    from assistant.result import Source
    from index.records import Review

    text = (
        "I bought this for my nephew last winter. Shipping took two weeks. "
        "The case was cracked when it came. The show itself is wonderfully acted and "
        "often hilarious. I watched every episode in two nights. My cat ignored it entirely. "
        "The seller answered my email about the box politely, and refunded the postage."
    )
    assert len(text) > 300  # long enough to be narrowed
    review = Review(id="r1", film="Some Series", text=text)
    long = Source(1, review, text, 0, len(text))
    short = Source(2, Review(id="r2", film="Some Series", text="Great show."), "Great show.", 0, 11)
    index = open_index(Settings(home=home), readonly=True)
    try:
        narrowed, kept = focused([long, short], "How was the series?", index.embedder)
    finally:
        index.close()
    assert "The show itself is wonderfully acted" in narrowed.text
    assert "Shipping took two weeks" not in narrowed.text
    assert text[narrowed.start : narrowed.end] == narrowed.text  # offsets into the review
    assert kept == short  # a short passage stays whole


def test_a_thing_no_review_names_is_said_so_with_the_catalog_count(home: Path) -> None:
    assistant = Assistant(Settings(home=home, engine="extractive"))
    try:
        result = assistant.ask(f"What do critics say about the subtitles in {FILM}?")
        reviews = assistant.index.catalog.count_reviews(Filters(films=(FILM,)))
    finally:
        assistant.close()
    assert reviews == len(HUMOUR + OTHER)
    expected = f"None of the {reviews} reviews of {FILM} names the subtitles or a word near it"
    assert result.answer.startswith(expected), result.answer
    # a thing the reviews do name keeps the usual lead
    assistant = Assistant(Settings(home=home, engine="extractive"))
    try:
        named = assistant.ask(f"What do critics say about the jokes in {FILM}?")
    finally:
        assistant.close()
    assert "names the" not in named.answer.split("\n", 1)[0]


def test_a_thing_no_review_names_is_answered_by_the_passages_nearest_the_thing(
    tmp_path: Path,
) -> None:
    # No passage says "acting" or a word the model puts near it ("performance" is not, for
    # MiniLM alone), so none is counted as speaking of it; the passages shown are the nearest
    # to the acting, not to the question's frame ("what do critics say about ... in FILM").
    rows = [
        ("Hal Word", "fresh", "The lead performance carries the whole picture."),
        ("Kay Frame", "fresh", f"What critics say about {FILM} matters less than what kids say."),
        ("Lem Frame", "rotten", f"Critics will say plenty about {FILM}; I will say little."),
        ("Max Plot", "rotten", "The plot wanders and the ending arrives from nowhere."),
    ]
    with assistant_over(tmp_path, rows) as assistant:
        result = assistant.ask(f"What do critics say about the acting in {FILM}?")
    assert result.answer.startswith(f"None of the 4 reviews of {FILM} names the acting"), (
        result.answer
    )
    assert result.citations, result.answer
    assert result.citations[0].critic == "Hal Word", result.answer


def test_a_neighbour_common_to_every_review_is_no_evidence(tmp_path: Path) -> None:
    # "movie" sits near "soundtrack" for MiniLM, but an index where it is in most passages
    # and far more common than the asked word learns nothing from it.
    rows = [(f"Critic {i}", "fresh", f"A fine movie, number {i} on my list.") for i in range(30)]
    rows.append(("Sol Tune", "fresh", "The soundtrack hums along nicely."))
    rows.append(("Tia Tune", "fresh", "Another soundtrack I keep humming."))
    settings = Settings(home=tmp_path / "home", engine="extractive")
    ingest([write(tmp_path / "c.csv", rows)], settings)
    assistant = Assistant(settings)
    try:
        matcher = assistant.retriever.meaning
        vector = assistant.index.embedder.embed_query("soundtrack")
        raw = matcher.vocabulary.get().neighbours(vector, NEIGHBOUR_FLOOR, MAX_NEIGHBOURS)
        words, _ = matcher.words_for(["soundtrack"])
        result = assistant.ask(f"What do critics say about the soundtrack in {FILM}?")
    finally:
        assistant.close()
    assert "movie" in raw  # the model does find it near
    assert "movie" not in words and "soundtrack" in words
    assert {c.critic for c in result.citations} == {"Sol Tune", "Tia Tune"}


def test_the_lead_counts_the_reviews_that_speak_of_the_thing_as_the_catalog_does(
    home: Path, tmp_path: Path
) -> None:
    import re

    assistant = Assistant(Settings(home=home, engine="extractive"))
    try:
        result = assistant.ask(f"What do critics say about the jokes in {FILM}?")
        words, _ = assistant.retriever.meaning.words_for(["jokes"])
    finally:
        assistant.close()
    rows = HUMOUR + OTHER
    speaking = [
        (critic, fresh)
        for critic, fresh, text in rows
        if set(re.findall(r"[a-z]+", text.lower())) & set(words)
    ]
    positive = sum(fresh == "fresh" for _, fresh in speaking)
    negative = len(speaking) - positive
    assert speaking, "the fixture's humour reviews use words near 'jokes'"
    # a passage counted for a word reviewers write in its place alone is said so
    own = {w for w, weight in words.items() if weight >= NEIGHBOUR_FLOOR}
    alike = sorted(
        {
            w
            for _, _, text in rows
            for w in set(re.findall(r"[a-z]+", text.lower())) & (set(words) - own)
            if not set(re.findall(r"[a-z]+", text.lower())) & own
        }
    )
    listed = ", ".join(f'"{w}"' for w in alike)
    note = f" (or in a word reviewers write in its place: {listed})" if alike else ""
    # each label is followed by the markers of the quotes shown under it
    shown: dict[str, list[int]] = {}
    for citation in result.citations:
        under = shown.setdefault(citation.side or citation.sentiment, [])
        under += [] if citation.n in under else [citation.n]
    assert shown.get("positive") and shown.get("negative"), result.answer

    def markers(label: str) -> str:
        return " " + "".join(f"[{n}]" for n in shown[label])

    # the labels in the order their quotes come, so that the markers read 1, 2, 3
    labels = sorted(
        [("positive", positive), ("negative", negative)], key=lambda part: shown[part[0]]
    )
    counted = ", ".join(f"{n} {label}{markers(label)}" for label, n in labels)
    expected = (
        f"{len(speaking)} of the {len(rows)} reviews of {FILM} speak of the jokes, in that word "
        f"or a near one{note}: {counted}."
    )
    assert result.answer.startswith(expected), result.answer
    # the finding's markers add no citation of their own: each source is cited by its quote
    assert len(result.citations) == len({c.n for c in result.citations}), result.citations
    assert not result.problems, result.problems
    quoted = len({c.review_id for c in result.citations})
    assert f"Quoted below: {quoted} of them." in result.answer or quoted == len(speaking)
    # naming no film, the question counts over the whole index: two films of the same rows
    settings = Settings(home=tmp_path / "home", engine="extractive")
    ingest([write(tmp_path / "a.csv", rows), write(tmp_path / "b.csv", rows, "Echo")], settings)
    assistant = Assistant(settings)
    try:
        anywhere = assistant.ask("What do critics say about the jokes?")
    finally:
        assistant.close()
    assert re.sub(r" (\[\d+\])+", "", anywhere.lead).startswith(
        f"{2 * len(speaking)} of the {2 * len(rows)} reviews in the index speak of the jokes, "
        f"in that word or a near one{note}: "
        f"{2 * positive} positive, {2 * negative} negative."
    ), anywhere.lead


def test_the_thing_lead_words_its_counts() -> None:
    from assistant.findings import Thing, thing_lead
    from assistant.scope import ScopeFacts

    MUSIC = Thing(("music",), phrase=True)
    scope = "reviews of Coco (2017)"
    whole = ScopeFacts(10, 7, 3)
    assert thing_lead(scope, whole, MUSIC, ScopeFacts(0, 0, 0), 0) == ""
    assert thing_lead(scope, whole, MUSIC, ScopeFacts(1, 1, 0), 1) == (
        "1 of the 10 reviews of Coco (2017) speaks of the music, in that word or a near one: "
        "1 positive, 0 negative. All are quoted below."
    )
    assert thing_lead(scope, whole, MUSIC, ScopeFacts(4, 2, 1), 1, "negative") == (
        "4 of the 10 reviews of Coco (2017) speak of the music, in that word or a near one: "
        "2 positive, 1 negative, 1 unlabelled. Quoted below: the 1 negative."
    )
    assert thing_lead(scope, whole, MUSIC, ScopeFacts(5, 3, 2), 1, "negative").endswith(
        "Quoted below: 1 of the 2 negative."
    )
    # none of the side asked: the other side's quotes, said to be so
    assert thing_lead(scope, whole, MUSIC, ScopeFacts(4, 4, 0), 3, "negative").endswith(
        ": 4 positive, 0 negative. None of them is negative; quoted below: 3 of the 4 positive."
    )
    assert thing_lead(scope, whole, MUSIC, ScopeFacts(2, 0, 2), 2, "positive").endswith(
        "None of them is positive; quoted below: the 2 negative."
    )
    assert thing_lead(scope, whole, MUSIC, ScopeFacts(4, 4, 0), 0, "negative").endswith(
        "0 negative. None of them is negative."
    )
    assert thing_lead(scope, whole, MUSIC, ScopeFacts(8, 6, 2), 8, count=True) == (
        "8 (80%) of the 10 reviews of Coco (2017) speak of the music, in that word or a near "
        "one: 6 positive (75%), 2 negative (25%). All are quoted below."
    )
    assert thing_lead(scope, whole, MUSIC, ScopeFacts(10, 7, 3), 8).startswith(
        "All 10 reviews of Coco (2017) speak of the music"
    )
    alike = Thing(("music",), phrase=True, alike=("score", "songs"))
    assert thing_lead(scope, whole, alike, ScopeFacts(3, 3, 0), 3) == (
        "3 of the 10 reviews of Coco (2017) speak of the music, in that word or a near one (or "
        'in a word reviewers write in its place: "score", "songs"): 3 positive, 0 negative. '
        "All are quoted below."
    )
    funny = Thing(("funny",), phrase=False, alike=("gags",))
    assert thing_lead(scope, whole, funny, ScopeFacts(1, 1, 0), 1).startswith(
        '1 of the 10 reviews of Coco (2017) says "funny" or a word near it (or in a word '
        'reviewers write in its place: "gags"): '
    )
    assert thing_lead(scope, ScopeFacts(1, 1, 0), MUSIC, ScopeFacts(1, 1, 0), 1).startswith(
        "The one review of Coco (2017) speaks of the music"
    )
    unlabelled = ScopeFacts(26, 0, 0)  # a corpus without labels: no "0 positive, 0 negative"
    assert thing_lead(scope, unlabelled, MUSIC, ScopeFacts(4, 0, 0), 4) == (
        "4 of the 26 reviews of Coco (2017) speak of the music, in that word or a near one: "
        "none is labelled positive or negative. All are quoted below."
    )


def test_each_label_of_the_thing_lead_cites_the_quotes_shown_under_it() -> None:
    from assistant.findings import Thing, thing_lead, turned_note
    from assistant.scope import ScopeFacts

    music = Thing(("music",), phrase=True)
    scope, whole = "reviews of Coco (2017)", ScopeFacts(10, 7, 3)
    shown = {"positive": [1, 2, 3], "negative": [4]}
    assert thing_lead(scope, whole, music, ScopeFacts(6, 4, 2), 4, refs=shown) == (
        "6 of the 10 reviews of Coco (2017) speak of the music, in that word or a near one: "
        "4 positive [1][2][3], 2 negative [4]. Quoted below: 4 of them."
    )
    # in the order the quotes come (the negative first when they are quoted first), and a
    # label none of whose quotes is shown has no marker
    first = {"negative": [1, 2], "unknown": [3]}
    assert thing_lead(scope, whole, music, ScopeFacts(5, 1, 2), 3, refs=first).endswith(
        ": 1 positive, 2 negative [1][2], 2 unlabelled [3]. Quoted below: 3 of them."
    )
    both = {"negative": [1], "positive": [2, 3]}
    assert thing_lead(scope, whole, music, ScopeFacts(5, 3, 2), 3, refs=both).endswith(
        ": 2 negative [1], 3 positive [2][3]. Quoted below: 3 of them."
    )
    unlabelled = {"unknown": [2, 1]}
    assert "none is labelled positive or negative [1][2]." in thing_lead(
        scope, ScopeFacts(26, 0, 0), music, ScopeFacts(4, 0, 0), 2, refs=unlabelled
    )
    turned = {("positive", "negative"): 2}
    assert turned_note(turned, music, {("positive", "negative"): [3, 5]}) == (
        " Read clause by clause, 2 quoted from positive reviews are negative [3][5] on the music."
    )


def test_a_thing_is_named_as_the_question_names_it() -> None:
    """A phrase after "the" (or "its", "Up's") names one thing; other words are quoted, as
    any of them makes a passage count ("speak of the plot predictable", "the funny" read as
    nonsense)."""
    from assistant.findings import Thing, thing_lead, unnamed_thing_lead
    from assistant.scope import ScopeFacts

    assert str(Thing.asked("How is the voice cast of Up?", ["voice", "cast"])) == "the voice cast"
    assert str(Thing.asked("What about the MUSIC?", ["music"])) == "the music"
    assert str(Thing.asked("How was Up's animation?", ["animation"])) == "the animation"
    funny = Thing.asked("Is Fargo funny?", ["funny"])
    assert str(funny) == '"funny"'
    apart = Thing.asked("Was the plot of Brave too predictable?", ["plot", "predictable"])
    assert str(apart) == '"plot" or "predictable"'
    # ending a yes/no question, the last word is what is asked of the thing, not a phrase
    slow = Thing.asked("Is The Godfather's pacing slow?", ["pacing", "slow"])
    assert str(slow) == '"pacing" or "slow"'  # was: "the pacing slow"
    beats = Thing.asked("Did the emotional beats of Up land?", ["emotional", "beats"])
    assert str(beats) == "the emotional beats"
    scope, whole = "reviews of Brave (2012)", ScopeFacts(10, 8, 2)
    assert thing_lead(scope, whole, apart, ScopeFacts(3, 2, 1), 3) == (
        '3 of the 10 reviews of Brave (2012) say "plot" or "predictable" or a word near one: '
        "2 positive, 1 negative. All are quoted below."
    )
    assert thing_lead(scope, whole, funny, ScopeFacts(1, 1, 0), 1).startswith(
        '1 of the 10 reviews of Brave (2012) says "funny" or a word near it: 1 positive'
    )
    cast = Thing(("voice", "cast"), phrase=True)
    assert thing_lead(scope, whole, cast, ScopeFacts(2, 2, 0), 2).startswith(
        "2 of the 10 reviews of Brave (2012) speak of the voice cast, in one of those words or "
        "a near one: 2 positive, 0 negative."
    )
    assert unnamed_thing_lead(scope, whole, apart, quoted=False) == (
        'None of the 10 reviews of Brave (2012) says "plot" or "predictable" or a word near one.'
    )
    assert unnamed_thing_lead("reviews of Up", ScopeFacts(1, 1, 0), cast, quoted=True) == (
        "The one review of Up never names the voice cast or a word near one; the passages "
        "nearest it in meaning follow, and may be about something else."
    )
    # was "" (the answer then read "No review in the index speaks to this question.")
    dated = "reviews of Up dated 2011-01-01 to 2011-12-31"
    assert unnamed_thing_lead(dated, ScopeFacts(0, 0, 0), cast, quoted=False) == (
        f"The index holds no {dated}."
    )


def test_whether_critics_liked_a_thing_is_answered_with_both_sides(home: Path) -> None:
    assistant = Assistant(Settings(home=home, engine="extractive"))
    try:
        whether = assistant.ask(f"Did critics like the jokes in {FILM}?")
        who = assistant.ask(f"Which critics liked the jokes in {FILM}?")
    finally:
        assistant.close()
    both = {c.critic for c in whether.citations}
    assert "Cal Nib" in both, whether.answer  # the rotten review that finds the humor juvenile
    assert both & {"Ada Quill", "Ben Ink", "Dee Pen"}
    # the stance asked comes first
    assert whether.citations[0].sentiment == "positive", whether.answer
    # "which critics liked" asks for one side
    assert {c.sentiment for c in who.citations} == {"positive"}, who.answer


def test_a_yes_no_question_is_told_from_a_who_question() -> None:
    from assistant.intent import analyse

    assert analyse("Did critics like the jokes in Up?").whether
    assert analyse("Was the music any good?").whether
    assert not analyse("Which critics liked the jokes in Up?").whether
    assert not analyse("Who disliked the ending?").whether


def test_a_words_usage_is_the_centroid_of_the_passages_that_hold_it() -> None:
    import numpy as np

    from index.vocabulary import MIN_USES, usage_vectors

    rng = np.random.default_rng(3)
    texts = ["a lesson here", "the lesson and the theme", "lesson learned", "a theme", "none"]
    vectors = rng.normal(size=(len(texts), 8)).astype(np.float32)
    passages = [(t, v.tobytes()) for t, v in zip(texts, vectors, strict=True)]
    usage = usage_vectors(["lesson", "theme"], passages, 8)
    centred = vectors - vectors.mean(axis=0)
    expected = centred[[0, 1, 2]].sum(axis=0)
    assert np.allclose(usage[0], expected / np.linalg.norm(expected), atol=1e-5)
    assert MIN_USES > 2 and not usage[1].any()  # "theme" is in 2 sampled passages: no usage


def test_usage_keeps_the_sense_the_index_uses_a_word_in() -> None:
    import numpy as np

    from index.vocabulary import Vocabulary

    def unit(*values: float) -> list[float]:
        v = np.array(values, dtype=np.float32)
        return list(v / np.linalg.norm(v))

    # by the model alone "send" is nearest "message"; in the index "lesson" is used like it
    words = ["message", "send", "lesson"]
    model = np.array([unit(1, 0, 0), unit(0.8, 0.6, 0), unit(0.6, 0, 0.8)], dtype=np.float32)
    usage = np.array([unit(0, 1, 0), unit(0, 0, 1), unit(0, 0.95, 0.3)], dtype=np.float32)
    vocabulary = Vocabulary(words, model, usage)
    plain = vocabulary.neighbours(model[0], 0.0, 3)
    assert list(plain) == ["message", "send", "lesson"]
    used = vocabulary.used_like(["message"])
    assert used is not None
    mixed = vocabulary.neighbours(model[0], 0.0, 3, used)
    assert list(mixed) == ["message", "lesson", "send"]


def test_a_vocabulary_saved_without_usage_learns_it_without_the_model(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import numpy as np

    settings = Settings(home=home, engine="extractive")
    index = open_index(settings, readonly=True)
    try:
        store = VocabularyStore(index)
        full = store.get()
        assert full.usage is not None and full.usage.any()
        with np.load(store.path) as data:
            words, vectors = data["words"], data["vectors"]
        np.savez(store.path, words=words, vectors=vectors)  # as an older version saved it

        def no_model(texts: Any) -> Any:
            raise AssertionError(f"embedded {list(texts)[:3]}")

        monkeypatch.setattr(index.embedder, "embed", no_model)
        again = VocabularyStore(index).get()
        assert again.words == full.words and again.usage is not None
        assert np.allclose(again.usage, full.usage, atol=1e-2)
    finally:
        index.close()


def test_usage_needs_stored_vectors_and_does_without_them(home: Path, tmp_path: Path) -> None:
    import shutil
    import sqlite3

    from index.catalog import Catalog

    copy = tmp_path / "catalog.sqlite3"
    shutil.copy(home / "catalog.sqlite3", copy)
    catalog = Catalog(copy, readonly=True)
    try:
        sample = catalog.passages_with_vectors(5)
        assert 0 < len(sample) <= 5 and all(len(vector) == 384 * 4 for _, vector in sample)
    finally:
        catalog.close()
    with sqlite3.connect(copy) as db:  # as a catalog from before vectors were kept
        db.execute("DROP TABLE chunk_vectors")
    catalog = Catalog(copy, readonly=True)
    try:
        assert catalog.passages_with_vectors(5) == []
    finally:
        catalog.close()


def test_a_thing_named_only_by_the_other_side_is_quoted_under_its_label(home: Path) -> None:
    assistant = Assistant(Settings(home=home, engine="extractive"))
    try:
        result = assistant.ask(f"What did critics dislike about the pacing in {FILM}?")
    finally:
        assistant.close()
    # only Jo Type (fresh) speaks of the pacing: no negative review passed off as being about
    # it; what the positive one says of it is quoted as positive (was: nothing quoted)
    assert result.answer.startswith(
        f"1 of the 10 reviews of {FILM} speaks of the pacing, in that word or a near one: "
        "1 positive [1], 0 negative. None of them is negative; quoted below: the 1 positive."
    ), result.answer
    assert [(c.critic, c.sentiment) for c in result.citations] == [("Jo Type", "positive")]
    assert "**Positive** (1)" in result.answer and "**Negative**" not in result.answer


@pytest.mark.parametrize(
    ("question", "spans", "stance", "terms"),
    [
        ("Who didn't like Toy Story 2?", [(4, 7)], "negative", ()),
        ("Who did not like Her?", [(4, 5)], "negative", ()),
        ("What do critics say about Arlo in The Good Dinosaur?", [(7, 10)], None, ("arlo",)),
        ("Was the music in Coco any good?", [(4, 5)], "positive", ("music",)),
        ("Which critics liked Her?", [(3, 4)], "positive", ()),
        # the asker's frame names no thing: an outlet, a verb of judging
        ("Which outlet was harshest on Titanic?", [(5, 6)], "negative", ()),
        ("Which publications were kindest to Fargo?", [(5, 6)], "positive", ()),
        ("Did critics find Titanic too long?", [(3, 4)], None, ("long",)),
        ("How would you rate Fargo?", [(4, 5)], None, ()),
        # a stance verb after a determiner is a noun: the thing asked about
        ("What about the love story in Titanic?", [(6, 7)], None, ("love", "story")),
        ("Who loved the love story in Titanic?", [(6, 7)], "positive", ("love", "story")),
        # "top critics" is a kind of critic (the filter), no thing called "the top"
        ("Who are the top critics that disliked Cars?", [(7, 8)], "negative", ()),
        ("What did top critics say about the music?", [], None, ("music",)),
        # the question's frame, no thing: "mostly", who went against the others
        ("Were reviews of Titanic mostly positive?", [(3, 4)], "positive", ()),
        ("Which critics disagreed with the consensus on Titanic?", [(7, 8)], None, ()),
        ("Who were the dissenters on Titanic?", [(5, 6)], None, ()),
        ("Who gave Titanic a good review?", [(2, 3)], "positive", ()),
        ("What about the bad guy in Up?", [(6, 7)], None, ("bad", "guy")),  # no verdict
        # a request's first word is no thing; the same word later may be (SubjQA "the show")
        ("Show the latest reviews of Up", [(5, 6)], None, ()),
        ("How is the show in Up?", [(5, 6)], None, ("show",)),
        # what the thing did is not the thing
        ("Did the humor land in Cars 2?", [(5, 7)], None, ("humor",)),
        ("Did the villain in Up work?", [(4, 5)], None, ("villain",)),
        ("Does the ending work in Up?", [(5, 6)], None, ("ending",)),
        ("Did the story hold up in Toy Story?", [(6, 8)], None, ("story",)),
        ("Did the special effects impress critics?", [], "positive", ("special", "effects")),
        ("Were critics impressed by the visuals of Up?", [(7, 8)], "positive", ("visuals",)),
        ("How does Up handle its themes?", [(2, 3)], None, ("themes",)),
        # verbs and nouns that frame the question ("fare", "take on", "discuss", "please")
        ("How did the writing in Up fare with critics?", [(5, 6)], None, ("writing",)),
        ("Critics' take on the plot of Up?", [(6, 7)], None, ("plot",)),
        ("How many reviews discuss the humor in Up?", [(7, 8)], None, ("humor",)),
        ("Quotes on the visuals of Up, please.", [(5, 6)], None, ("visuals",)),
        ("What do reviews say regarding the score of Up?", [(8, 9)], None, ("score",)),
        ("Which is the favorite scene in Up?", [(6, 7)], None, ("scene",)),
        ("Is it better than the first one?", [], None, ()),  # no thing called "first"
        ("Did critics like the jokes in Up?", [(6, 7)], "positive", ("jokes",)),
        # an adjective says what is asked about the thing: kept
        ("Was the story complex?", [], None, ("story", "complex")),
        ("Was the voice cast good in Brave?", [(6, 7)], "positive", ("voice", "cast")),
        # words that frame a question name no thing (were counted as one: "part", "index")
        ("What was the weakest part of Up according to critics?", [(6, 7)], "negative", ()),
        ("What aspects of Up did critics like?", [(3, 4)], "positive", ()),
        ("How many reviews of Up are in the index?", [(4, 5)], None, ()),
        ("Can I ask about Up?", [(4, 5)], None, ()),
        # "how good" asks how much, either way (was: counted the positive reviews only)
        ("How good is the acting in Up?", [(6, 7)], None, ("acting",)),
        ("How bad are the jokes?", [], None, ("jokes",)),
        ("Is the acting still good in Up?", [(6, 7)], "positive", ("acting",)),
        # "the critical take" asks either way; "Thoughts" opens the question, names nothing
        ("What's the critical take on the soundtrack of Up?", [(9, 10)], None, ("soundtrack",)),
        ("Were critics critical of the ending?", [], "negative", ("ending",)),
        ("Thoughts on the animation in Up?", [(5, 6)], None, ("animation",)),
        ("What made Up so beloved?", [(2, 3)], "positive", ()),  # who liked it, and why
        # a yes/no question's last word says what is asked of the thing (was: a thing "bad")
        ("Was the story of Up bad?", [(4, 5)], "negative", ("story",)),
        ("What about the bad guy in Up?", [(6, 7)], None, ("bad", "guy")),
        # liking a thing least is disliking it (was: who liked the acting); "at least" is not
        ("Who liked the acting in Fargo least?", [(5, 6)], "negative", ("acting",)),
        ("Which critics liked the music in Up the least?", [(6, 7)], "negative", ("music",)),
        ("Did critics like the ending of Up at least?", [(6, 7)], "positive", ("ending",)),
    ],
)
def test_a_stance_is_read_from_the_questions_own_words(
    question: str, spans: list[tuple[int, int]], stance: str | None, terms: tuple[str, ...]
) -> None:
    from assistant.intent import analyse

    intent = analyse(question, spans)
    assert (intent.stance, intent.terms) == (stance, terms)
    assert intent.top_critics == ("top critics" in question)


def test_a_thing_in_several_films_is_counted_and_quoted_film_by_film(tmp_path: Path) -> None:
    other = "Starlight Harbor (2020)"
    settings = Settings(home=tmp_path / "home", engine="extractive")
    ingest(
        [
            write(tmp_path / "a.csv", HUMOUR + OTHER),
            write(tmp_path / "b.csv", [(c + " Jr.", f, t) for c, f, t in HUMOUR + OTHER], other),
        ],
        settings,
    )
    assistant = Assistant(settings)
    try:
        result = assistant.ask(f"Did critics prefer the jokes in {FILM} or {other}?")
        alone = assistant.ask(f"What do critics say about the jokes in {FILM}?")
    finally:
        assistant.close()
    lead = result.answer.split("\n")[0]
    # the same count, film by film (its labels in their own order: the quotes are elsewhere)
    first = re.split(r": (?=\d+ (?:positive|negative))", unmarked(alone.answer))[0]
    # which of the two critics liked more comes first ("prefer"), then each film's count
    assert lead.startswith(
        f"Critics liked the jokes of {FILM} and {other} alike: of their 4 and 4 labelled "
        f"reviews that speak of the jokes, 75% and 75% are positive. {first}: 3 positive, "
        "1 negative."
    ), result.answer
    # the quotes are grouped by stance across the films, so the films' counts cite none of
    # them: the numbers read 1, 2, 3 down the answer
    order = [result.answer.index(f"[{n}]") for n in range(1, len(result.citations) + 1)]
    assert order == sorted(order), result.answer
    assert f"of the 10 reviews of {other} speak of the jokes" in lead, lead
    assert {c.film for c in result.citations} == {FILM, other}, result.answer


def test_a_word_no_question_asks_about_stands_for_no_thing(tmp_path: Path) -> None:
    # in the shipped corpus "film" is near "acting" for the model, and in 4 of its 26 passages
    corpus = Path(__file__).resolve().parents[1] / "corpus"
    settings = Settings(home=tmp_path / "home", engine="extractive")
    ingest([corpus], settings)
    assistant = Assistant(settings)
    try:
        matcher = assistant.retriever.meaning
        vocabulary = matcher.vocabulary.get()
        vector = assistant.index.embedder.embed_query("acting")
        raw = vocabulary.neighbours(
            vector, NEIGHBOUR_FLOOR, MAX_NEIGHBOURS, vocabulary.used_like(["acting"])
        )
        words, _ = matcher.words_for(["acting"])
    finally:
        assistant.close()
    assert "film" in raw
    assert "film" not in words


def test_a_things_word_inside_a_title_is_no_mention_of_the_thing(tmp_path: Path) -> None:
    """Was: "124 of the 313 reviews of Toy Story 3 speak of the story": "Toy Story 3" was
    read as the story."""
    film = "Paper Story 2 (2020)"
    rows = [
        ("Ann Quill", "fresh", "Paper Story 2 is a delight from start to finish."),
        ("Bo Ink", "fresh", "PAPER STORY 2 beats the first Paper Story by a mile."),
        ("Cy Nib", "rotten", "The story is thin and the middle drags."),
        ("Di Pen", "fresh", "Paper Story 2 tells a poignant story of two friends."),
    ]
    settings = Settings(home=tmp_path / "home", engine="extractive")
    ingest(
        [
            write(tmp_path / "a.csv", rows, film),
            write(tmp_path / "b.csv", rows[:1], "Paper Story (2018)"),
        ],
        settings,
    )
    assistant = Assistant(settings)
    try:
        result = assistant.ask(f"How is the story of {film}?")
    finally:
        assistant.close()
    assert result.lead.startswith(f"2 of the 4 reviews of {film} speak of the story"), result.lead
    assert "1 positive, 1 negative" in unmarked(result.lead)
    assert {c.critic for c in result.citations} == {"Cy Nib", "Di Pen"}, result.answer


def test_a_full_name_is_matched_whole_or_by_its_last_word(tmp_path: Path) -> None:
    """Was: "What did critics say about Steve Buscemi?" quoted eight reviews of Steve Martin
    comedies (any name word counted) and none of the two that name Buscemi."""
    martin = [
        (f"Critic {i}", "fresh", f"Steve Martin is a joy in comedy number {i}.") for i in range(12)
    ]
    rows = [
        *martin,
        ("Ann Quill", "fresh", "Fraser and Buscemi are deadpan delights."),
        ("Bo Ink", "rotten", "Buscemi, Fonda and Grier make vivid impressions."),
    ]
    settings = Settings(home=tmp_path / "home", engine="extractive")
    ingest([write(tmp_path / "a.csv", rows, "Escape from L.A. (1996)")], settings)
    assistant = Assistant(settings)
    try:
        result = assistant.ask("What did critics say about Steve Buscemi?")
        martin_asked = assistant.ask("What did critics say about Steve Martin?")
        opening = assistant.ask("Steve Buscemi?")  # the first word joins the name after it
    finally:
        assistant.close()
    assert {c.critic for c in result.citations} == {"Ann Quill", "Bo Ink"}, result.answer
    assert {c.critic for c in opening.citations} == {"Ann Quill", "Bo Ink"}, opening.answer
    assert "name Steve Buscemi:" in opening.lead, opening.lead
    assert result.coverage.line().endswith("reviews of Escape from L.A. (1996).")
    from assistant.result import Coverage  # a title ending in a stop gets no second one

    undated = Coverage(used=2, film_reviews=21, films=["Escape from L.A."])
    assert undated.line() == "Based on 2 of 21 reviews of Escape from L.A."
    assert all("Steve Martin" in c.quote for c in martin_asked.citations)
    assert len(martin_asked.citations) == 8


def test_a_word_that_only_qualifies_the_thing_does_not_stand_for_it(tmp_path: Path) -> None:
    """Was: "the special effects" counted every review saying "special" ("a special film")."""
    rows = [
        ("Ada Quill", "fresh", "The effects are seamless and the explosions look real."),
        ("Ben Ink", "rotten", "Cheap effects sink every action scene."),
        ("Cal Nib", "fresh", "A special film, and a special performance at its heart."),
        ("Dee Pen", "fresh", "Special thanks are due to the editor."),
        ("Eve Page", "fresh", "The special effects dazzle from start to finish."),
    ]
    (result,) = answers(
        tmp_path / "home",
        [write(tmp_path / "a.csv", rows)],
        f"What do critics say about the special effects in {FILM}?",
    )
    assert unmarked(result.lead).startswith(
        f"3 of the 5 reviews of {FILM} speak of the special effects"
    ), result.lead
    assert {c.critic for c in result.citations} == {"Ada Quill", "Ben Ink", "Eve Page"}


def test_a_thing_owned_by_a_name_is_the_thing_with_the_name_first(tmp_path: Path) -> None:
    """Was: "Pixar's animation in Toy Story 3" counted and quoted the reviews naming Pixar."""
    from assistant.intent import analyse

    owned = analyse("What did critics say about Frances McDormand's performance in Up?", [(10, 11)])
    assert owned.owners == ("Frances", "McDormand")
    assert analyse("What do critics say about Ranger in Up?", [(7, 8)]).owners == ()
    rows = [
        ("Ada Quill", "fresh", "The animation glows in every frame."),
        ("Ben Ink", "fresh", "Lumio outdoes itself: the animation is lush."),
        ("Cal Nib", "rotten", "Lumio should stick to shorts; the plot is thin."),
        ("Dee Pen", "fresh", "Stiff animation, though the voices charm."),
    ]
    result = answered_over(tmp_path, rows, f"What do critics think of Lumio's animation in {FILM}?")
    assert unmarked(result.lead).startswith(
        f"3 of the 4 reviews of {FILM} speak of the animation"
    ), result.lead
    assert result.citations[0].critic == "Ben Ink", result.answer  # names whose it is
    assert "Cal Nib" not in {c.critic for c in result.citations}, result.answer


def test_films_are_ranked_by_the_reviews_that_speak_of_a_thing(tmp_path: Path) -> None:
    """Was: "Which film has the best music?" answered the reviews of any film that speak of
    the music, and "Which Pixar film has the best music?" the reviews naming Pixar."""

    def reviews(film: str, music: list[str], other: int) -> Path:
        rows = [
            (f"{film} {i}", label, f"The music {i} is {label}.") for i, label in enumerate(music)
        ]
        rows += [(f"{film} x{i}", "rotten", "The plot wanders off.") for i in range(other)]
        return write(tmp_path / f"{film}.csv", rows, f"{film} (2020)")

    files = [
        reviews("Alpha", ["fresh"] * 9 + ["rotten"], 10),  # 90% of its music reviews
        reviews("Beta", ["fresh"] * 10 + ["rotten"] * 2, 0),  # 83%, though liked more overall
        reviews("Gamma", ["fresh"] * 3, 0),  # too few reviews of the music to rank
    ]
    best, worst = answers(
        tmp_path / "home",
        files,
        "Which film has the best music?",
        "Which film has the worst music?",
    )
    assert best.lead == (
        "Ranked by the share of positive reviews among those that speak of the music, of the 2 "
        "films in the index with at least 10 such reviews (of 3 with one), Alpha (2020) comes "
        "first: 90% of its 10 are positive. Next: Beta (2020), 83% of 12."
    ), best.lead
    assert {c.film for c in best.citations} == {"Alpha (2020)"}, best.answer
    assert all("music" in c.quote and c.sentiment == "positive" for c in best.citations)
    assert "Beta (2020) comes last: 83% of its 12 are positive." in worst.lead, worst.lead
    assert {c.sentiment for c in worst.citations} == {"negative"}, worst.answer


def test_a_name_whose_last_word_is_a_title_word_is_matched_whole(tmp_path: Path) -> None:
    """Was: "What did reviewers think of the villain in The Dark Knight?" (a film the index
    lacks) said "4 of the reviews in the index name Dark Knight" and quoted reviews of First
    Knight, unlabelled: one review writes "The Dark Knight", the others "Knight" alone."""
    knights = [
        ("Ann Quill", "fresh", "First Knight marches out as an agreeably intelligent telling."),
        ("Bo Ink", "rotten", "A Red Knight trailing billows of flame, and little else."),
    ]
    other = [("Cy Nib", "rotten", "Worse than any superhero film since The Dark Knight.")]
    files = [
        write(tmp_path / "a.csv", knights, "First Knight (1995)"),
        write(tmp_path / "b.csv", other, "Punisher: War Zone (2008)"),
        write(tmp_path / "c.csv", [("Di Pen", "fresh", "Buscemi steals it.")], "Fargo (1996)"),
        write(tmp_path / "d.csv", [("Ed Owl", "fresh", "Red Knight is a delight.")], "Mime (2001)"),
    ]
    dark, buscemi, scoped = answers(
        tmp_path / "home",
        files,
        "What did reviewers think of the villain in The Dark Knight?",
        "What did critics say about Steve Buscemi?",  # "Buscemi" is no title word: alone too
        # was "None of the 1 reviews of Mime names Red Knight" (as "Ryan" for Meg Ryan in
        # You've Got Mail): in one film's reviews the last word is the person
        "What did critics say about Sam Knight in Mime?",
    )
    assert unmarked(dark.lead).startswith("1 of the 5 reviews in the index names Dark Knight")
    assert [c.critic for c in dark.citations] == ["Cy Nib"], dark.answer
    # a quote of a film the question did not name says which film it is of
    assert "review of Punisher: War Zone (2008) [1]" in dark.answer, dark.answer
    assert [c.critic for c in buscemi.citations] == ["Di Pen"], buscemi.answer
    assert [c.critic for c in scoped.citations] == ["Ed Owl"], scoped.answer


STORY = [  # none says "story": reviewers' other words for it
    ("Kim Plot", "fresh", "The plot twists and turns with real wit."),
    ("Lee Arc", "rotten", "A thin narrative that never finds its shape."),
]
STORY_OTHER = [row for row in OTHER if "plot" not in row[2]]


def test_a_thing_is_found_by_the_words_reviewers_write_in_its_place(tmp_path: Path) -> None:
    # the sentence model puts "plot" far from "story"; the review-word vectors do not
    question = f"What do critics say about the story in {FILM}?"
    result = answered_over(tmp_path, STORY + STORY_OTHER, question)
    cited = {c.critic for c in result.citations}
    assert cited == {"Kim Plot", "Lee Arc"}, result.answer
    assert result.answer.startswith(f"2 of the 7 reviews of {FILM}"), result.answer
    # what the count rests on besides the thing's own words is said
    assert "(or in a word reviewers write in its place: " in result.lead, result.lead
    # "narrative" is one of the sentence model's own neighbours of "story": not listed
    assert '"plot"' in result.lead and '"narrative"' not in result.lead, result.lead


def test_a_thing_asked_in_its_rarely_written_number_is_read_in_the_other(tmp_path: Path) -> None:
    """Was: "What do critics say about the dialogues in X?" quoted the review on its
    conversations and not the one on its "dialog", which "the dialogue" quotes: read as
    "dialogues", a form the review words learn from 9 times fewer uses, the thing had lost
    its nearest word. Forms both written often are read as asked: their senses part ("sets" is
    not "set", "effect" not "effects")."""
    assert read_in_written_number(["stories"]) == ["story"]
    assert read_in_written_number(["dialogues"]) == ["dialogue"]
    assert read_in_written_number(["voice", "casts"]) == ["voice", "cast"]
    assert read_in_written_number(["musics"]) == ["music"]  # no word of the review words
    for asked in ("story", "jokes", "joke", "sets", "lines", "themes", "effect", "times"):
        assert read_in_written_number([asked]) == [asked]
    ranks = word_ranks()
    assert ranks["dialogues"] + 1 >= MORE_WRITTEN * (ranks["dialogue"] + 1)
    assert ranks["sets"] + 1 < MORE_WRITTEN * (ranks["set"] + 1)
    assert ranks["effect"] + 1 < MORE_WRITTEN * (ranks["effects"] + 1)
    rows = [
        ("Ed Talk", "fresh", "The dialog crackles."),
        ("Fay Talk", "fresh", "Every conversation sparkles."),
        ("Gus Cel", "fresh", "The animation is fluid and bright."),
        ("Hal End", "rotten", "The finale fizzles out."),
    ]
    asked = [
        f"What do critics say about the {thing} in {FILM}?" for thing in ("dialogue", "dialogues")
    ]
    dialogue, dialogues = all_answered_over(tmp_path, rows, *asked)
    cited = {c.critic for c in dialogues.citations}
    assert cited == {c.critic for c in dialogue.citations} == {"Ed Talk", "Fay Talk"}, (
        dialogues.answer
    )


def test_a_word_written_in_the_things_place_counts_in_either_number(tmp_path: Path) -> None:
    """Was: "the acting in Fargo" found none of its reviews, one of which praises "a brilliant
    comic performance": "performances" is among the words reviewers write for the acting,
    "performance" is not."""
    alike = load_review_words().near(["acting"], REVIEW_NEIGHBOURS)
    assert "performances" in alike and "performance" not in alike
    rows = [
        ("Al Stage", "fresh", "McDormand gives a brilliant and unblinking comic performance."),
        ("Bea Drag", "rotten", "The story drags in its long middle."),
        ("Cy Snow", "fresh", "A snowbound crime tale, darkly funny."),
        ("Di Cast", "fresh", "The performances are uniformly strong."),
    ]
    result = answered_over(tmp_path, rows, f"How is the acting in {FILM}?")
    assert {c.critic for c in result.citations} == {"Al Stage", "Di Cast"}, result.answer
    assert unmarked(result.lead).startswith(f"2 of the 4 reviews of {FILM} speak of the acting")


def test_a_word_written_in_the_things_place_counts_where_the_index_writes_only_its_other_number(
    tmp_path: Path,
) -> None:
    """Was: `make demo`'s "How is the acting in Her?" found none of its 26 reviews, two of
    which praise Phoenix's "performance": reviewers write "performances" for the acting, which
    these reviews never write, and "performance" was only ever added beside it."""
    rows = [
        ("Al Stage", "fresh", "Phoenix's central performance is of the lofty levels we expect."),
        ("Bea Drag", "rotten", "The story drags in its long middle."),
        ("Cy Snow", "fresh", "A lonely city, gorgeously shot."),
    ]
    result = answered_over(tmp_path, rows, f"How is the acting in {FILM}?")
    assert {c.critic for c in result.citations} == {"Al Stage"}, result.answer
    assert unmarked(result.lead).startswith(f"1 of the 3 reviews of {FILM} speaks of the acting")


def test_the_other_number_of_a_word_stays_out_where_the_review_words_write_it_elsewhere(
    tmp_path: Path,
) -> None:
    """Was: "Did critics like the music in Up?" quoted three reviews on the film's "themes"
    (of adventure, of home) as speaking of its music: "theme" is taken for the music in
    Pixar's reviews (a score's theme), and its other number came in with it, though reviewers
    write "themes" far from "music" (the thematic sense). "performance" still comes in beside
    "performances" for the acting (see the test above)."""
    written = load_review_words().similarities(["music", "acting"], ["themes", "performance"])
    assert written["themes"] < WRITTEN_ALIKE <= written["performance"]
    rows = [
        ("Al Horn", "fresh", "Themes of adventure and home are tweaked and rejuvenated."),
        ("Bea Trill", "fresh", "A brilliant and unblinking comic performance."),
    ]
    with assistant_over(tmp_path, rows) as assistant:
        both = assistant.retriever.meaning._both_numbers
        music = both({"music": 1.0, "theme": 0.25}, ["music"])
        acting = both({"acting": 1.0, "performances": 0.31}, ["acting"])
    assert music == {"music": 1.0, "theme": 0.25}, music
    assert acting == {"acting": 1.0, "performances": 0.31, "performance": 0.31}, acting


def test_the_asked_word_weighs_the_same_in_either_number(tmp_path: Path) -> None:
    """Was: "a visual triumph" weighed 0.75 for the visuals, its nearness to "visuals", and
    ranked below every passage writing "visuals" (Pixar semantic dev syn_recall 0.700): the
    asked word in its other number is the asked word, whichever number the question uses."""
    rows = [
        ("Al Eye", "fresh", "A visual triumph from the first frame."),
        ("Bea Lens", "fresh", "The visuals dazzle."),
        ("Cy Quip", "fresh", "Every joke lands."),
        ("Di Pun", "rotten", "The jokes are stale."),
    ]
    with assistant_over(tmp_path, rows) as assistant:
        meaning = assistant.retriever.meaning
        weights = {
            asked: meaning.words_for([asked])[0] for asked in ("visuals", "visual", "jokes", "joke")
        }
    for asked, other in (("visuals", "visual"), ("jokes", "joke")):
        assert weights[asked][asked] == weights[asked][other] == 1.0, weights[asked]
        assert weights[other][asked] == weights[other][other] == 1.0, weights[other]


class UsageOnly:
    """A vocabulary that knows only how the index uses words: every one as `used`."""

    def __init__(self, used: dict[str, float]) -> None:
        self.used = used

    def used_like(self, words: list[str]) -> list[float]:
        return [1.0]

    def usage_similarities(self, words: list[str], used_like: list[float]) -> dict[str, float]:
        return {word: self.used[word] for word in words if word in self.used}


def test_usage_does_not_overrule_the_review_words() -> None:
    """Was: "cinema" (0.63 for the sentence model) stood for the cinematography in the CS109
    index, and "This is defiant, provocative cinema" was quoted for it: the review words put
    it 0.11 from the thing, but the index used it alike (0.45), as it uses every word of the
    craft in reviews of films. Usage still decides for a word the review words do not know."""
    written = load_review_words().similarities(["cinematography"], ["cinema", "lensing"])
    assert written["cinema"] < WRITTEN_ALIKE and "lensing" not in written
    words = {"cinematography": 1.0, "cinema": 0.63, "lensing": 0.6, "lensings": 0.6}
    usage = UsageOnly({"cinema": USED_ALIKE + 0.1, "lensing": USED_ALIKE + 0.1, "lensings": 0.0})
    borne = ThingMatcher._borne_out(words, ["cinematography"], usage)  # type: ignore[arg-type]
    assert borne == {"cinematography": 1.0, "lensing": 0.6, "lensings": 0.6}, borne
    unused = UsageOnly({"lensing": USED_ALIKE - 0.1, "lensings": USED_ALIKE - 0.1})
    borne = ThingMatcher._borne_out(words, ["cinematography"], unused)  # type: ignore[arg-type]
    assert borne == {"cinematography": 1.0}, borne


def test_the_nearest_review_words_are_those_a_stable_sort_puts_first() -> None:
    """`top_rows` partitions instead of sorting all ~20,000 review words (crowding is read
    for each new word of a question; the index's vocabulary and passages are ranked by it
    too), and picks as the stable sort did, ties included."""
    import numpy as np

    rng = np.random.default_rng(7)
    for trial in range(300):
        values = rng.standard_normal(int(rng.integers(1, 200))).astype(np.float32)
        if trial % 2:
            values = np.round(values, 1)  # many ties, at the cut too
        n = int(rng.integers(1, len(values) + 3))
        expected = np.argsort(-values, kind="stable")[:n]
        assert top_rows(values, n).tolist() == expected.tolist(), (trial, n)


def test_a_word_written_where_every_word_of_the_craft_is_written_is_not_sure_of_the_thing(
    tmp_path: Path,
) -> None:
    """Was: "Did critics like the pacing in Onward?" quoted "a big step in the right
    direction" before "Onward has its issues and pacing problems": the review words put
    "direction" 0.71 from "pacing", enough to be sure of it, but "direction" is as near every
    word of the craft. How alike two words are written is read beyond how crowded both places
    are."""
    review_words = load_review_words()
    beyond = review_words.alike_beyond_crowding(["pacing"], ["direction", "pace"])
    assert beyond["direction"] < UNCROWDED <= beyond["pace"], beyond
    assert review_words.alike_beyond_crowding(["acting"], ["script"])["script"] < UNCROWDED
    for thing, word in (("screenplay", "writing"), ("dialogue", "lines"), ("music", "score")):
        assert review_words.alike_beyond_crowding([thing], [word])[word] >= UNCROWDED, word
    assert review_words.similarities(["pacing"], ["direction"])["direction"] >= 0.7
    # a word the review words do not know is left out, as `similarities` leaves it
    assert review_words.alike_beyond_crowding(["pacing"], ["zqxv"]) == {}
    assert review_words.alike_beyond_crowding(["zqxv"], ["pace"]) == {}
    rows = [
        ("Al Step", "fresh", "A big step in the right direction for the studio."),
        ("Bea Beat", "fresh", "It has its issues and pacing problems, but it ends well."),
        ("Cy Song", "fresh", "A gorgeous score that swells at all the right moments."),
        ("Di Glow", "fresh", "The colours glow and every frame looks painted by hand."),
    ]
    result = answered_over(tmp_path, rows, f"How is the pacing of {FILM}?")
    assert [c.critic for c in result.citations][:1] == ["Bea Beat"], result.answer


def test_words_written_alike_rank_after_the_sentence_models_own_neighbours(home: Path) -> None:
    assistant = Assistant(Settings(home=home, engine="extractive"))
    try:
        words, _ = assistant.retriever.meaning.words_for(["jokes"])
    finally:
        assistant.close()
    alike = load_review_words().near(["jokes"], REVIEW_NEIGHBOURS)
    assert "gags" in alike and "gags" in words  # "gags" is in the fixture's index
    # "gags" is found by the review-word vectors alone, and weighs less than any word the
    # sentence model finds (each at NEIGHBOUR_FLOOR or more)
    assert words["gags"] == pytest.approx(REVIEW_WEIGHT * alike["gags"])
    assert words["gags"] < NEIGHBOUR_FLOOR <= min(words[w] for w in ("humor", "funny"))
    assert "moments" not in words  # in the index, but not written like "jokes"


def test_the_shipped_review_words_know_what_reviewers_write_alike() -> None:
    model = load_review_words()
    assert model.meta["words"] == len(model.words) > 10_000
    assert "IMDb" in model.meta["data"]
    assert "plot" in model.near(["story"], REVIEW_NEIGHBOURS)
    assert "soundtrack" in model.near(["music"], REVIEW_NEIGHBOURS)
    assert model.near(["zzzz-not-a-word"], REVIEW_NEIGHBOURS) == {}
    near = model.near(["story"], 5)
    assert len(near) == 5 and "story" not in near
    assert list(near.values()) == sorted(near.values(), reverse=True)


def test_the_review_words_are_trained_saved_and_read_back(tmp_path: Path) -> None:
    import numpy as np

    from assistant.review_words import ReviewWords, dequantized
    from bench.train_review_words import save, train

    # "tale" and "plot" are written in the same places, "song" and "tune" in others
    docs = [
        "the plot was dull and slow".split(),
        "the tale was dull and slow".split(),
        "the plot felt long and thin".split(),
        "the tale felt long and thin".split(),
        "a song sung loud by the band".split(),
        "a tune sung loud by the band".split(),
        "a song played soft by the choir".split(),
        "a tune played soft by the choir".split(),
    ] * 3
    words, vectors = train(docs, min_count=2, window=2, dims=4)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    save(tmp_path / "w.npz", words, vectors, {"words": len(words)})
    with np.load(tmp_path / "w.npz", allow_pickle=False) as data:
        assert data["vectors"].dtype == np.int8
        model = ReviewWords(
            [str(w) for w in data["words"]], dequantized(data["vectors"], data["scale"])
        )
    assert next(iter(model.near(["plot"], 3))) == "tale"
    assert next(iter(model.near(["song"], 3))) == "tune"


def test_a_word_written_beside_the_thing_but_used_for_anything_is_not_taken(
    tmp_path: Path,
) -> None:
    # "bit" is written beside "ending" ("the ending is a bit abrupt"), so the review-word
    # vectors put it near; in this index the passages holding it are about other things
    rows = [
        ("Ana Ray", "rotten", "The ending is rushed and the conclusion arrives from nowhere."),
        ("Bo Ray", "fresh", "A quiet conclusion that lands with real grace."),
        ("Cy Ray", "fresh", "The final twist and the ending both surprise."),
        ("Di Ray", "fresh", "The ending and its conclusion feel earned."),
        ("Ed Ray", "fresh", "A bit of fun with colourful costumes."),
        ("Flo Ray", "rotten", "The music is a bit loud in every scene."),
        ("Gil Ray", "fresh", "The cast has a bit of charm to spare."),
        ("Hy Ray", "rotten", "The costumes look a bit cheap in daylight."),
    ]
    with assistant_over(tmp_path, rows) as assistant:
        vocabulary = assistant.retriever.meaning.vocabulary.get()
        words, vector = assistant.retriever.meaning.words_for(["ending"])
        result = assistant.ask(f"What do critics say about the ending of {FILM}?")
    assert "bit" in load_review_words().near(["ending"], REVIEW_NEIGHBOURS)
    assert vocabulary.similarities(["bit"], vector)["bit"] >= REVIEW_AGREEMENT
    assert "bit" not in words and "conclusion" in words, words
    assert {c.critic for c in result.citations} == {"Ana Ray", "Bo Ray", "Cy Ray", "Di Ray"}


def test_a_passage_using_more_of_the_things_words_ranks_first(tmp_path: Path) -> None:
    rows = [
        ("Al One", "fresh", "The humor never flags."),
        ("Bea One", "fresh", "Its humor is warm."),
        ("Cal Two", "fresh", "A warm film whose gags land and whose humor never flags."),
        ("Dot None", "fresh", "The colours glow in every frame."),
    ]
    result = answered_over(tmp_path, rows, f"What do critics say about the jokes in {FILM}?")
    cited = [c.critic for c in result.citations]
    assert cited[0] == "Cal Two" and set(cited) == {"Cal Two", "Al One", "Bea One"}, result.answer
    # "gags" stands beside "humor" there: the count rests on the thing's near words alone
    assert "in its place" not in result.lead, result.lead


def test_the_few_places_go_first_to_reviews_speaking_of_the_thing_in_other_words(
    tmp_path: Path,
) -> None:
    """Was: the reviews writing "music" filled the places and none of those speaking of the
    songs or the soundtrack was quoted (on the Pixar semantic dev set, such reviews filled 57%
    of the places they could). The asked word in its other number ("joke") is no other
    word."""
    music = [
        ("Al Note", "fresh", "The music is lovely."),
        ("Bo Note", "fresh", "Great music throughout."),
        ("Cy Note", "rotten", "The music is forgettable."),
        ("Di Note", "fresh", "Music that lifts every scene."),
        ("Ed Song", "fresh", "The songs are catchy and sweet."),
        ("Flo Track", "fresh", "A soundtrack I will play for weeks."),
        ("Gil Jokes", "fresh", "The jokes land every time."),
        ("Hy Gags", "rotten", "The gags wear thin by the second half."),
        ("Ida Joke", "fresh", "One joke about dentists had me in stitches."),
        ("Jo Jokes", "fresh", "Jokes for the parents, too."),
    ]
    echo = [(c + " Jr.", f, t) for c, f, t in music]
    settings = Settings(home=tmp_path / "home", engine="extractive")
    ingest([write(tmp_path / "a.csv", music), write(tmp_path / "b.csv", echo, "Echo")], settings)
    assistant = Assistant(settings)
    try:
        meaning = assistant.retriever.meaning
        words, vector = meaning.words_for(["jokes"])
        paraphrases = meaning._paraphrases(["jokes"], words, vector)
        on_music = assistant.ask(f"What do critics say about the music in {FILM}?", k=3)
        on_jokes = assistant.ask(f"What do critics say about the jokes in {FILM}?", k=2)
    finally:
        assistant.close()
    cited = [c.critic for c in on_music.citations]
    assert {"Ed Song", "Flo Track"} <= set(cited) and len(cited) == 3, on_music.answer
    # the count holds every review speaking of the music, in whichever word
    assert unmarked(on_music.lead).startswith(f"6 of the 10 reviews of {FILM}"), on_music.lead
    assert "joke" in words and "joke" not in paraphrases and "gags" in paraphrases
    cited = [c.critic for c in on_jokes.citations]
    assert "Hy Gags" in cited and "Ida Joke" not in cited, on_jokes.answer


def test_how_sure_the_review_words_are_is_read_on_the_asked_words_own_scale(
    tmp_path: Path,
) -> None:
    """Was: "plot" (0.67 written alike, second only to "storyline" 0.69 for the story) was not
    sure enough to be the story in another word, so the reviews writing "story" filled the
    places. "tale" (0.60) is still not sure, nor is "humor" for the jokes: as alike (0.68), but
    far behind their nearest, "gags" (0.84)."""
    rows = [
        ("Al Story", "fresh", "The story is sweet and simple."),
        ("Bo Plot", "fresh", "The plot is clever and simple."),
        ("Cy Tale", "fresh", "A tale of two toys."),
        ("Di Gags", "fresh", "The gags land, and the humor is warm."),
    ]
    with assistant_over(tmp_path, rows) as assistant:
        meaning, embedder = assistant.retriever.meaning, assistant.index.embedder
        # as words_for could weigh them: which of them is sure is what is read here
        story = {"story": 1.0, "plot": 0.34, "tale": 0.57, "storylines": 0.34}
        on_story = meaning._paraphrases(["story"], story, embedder.embed_query("story"))
        jokes = {"jokes": 1.0, "gags": 0.42, "humor": 0.69, "joke": 0.8}
        on_jokes = meaning._paraphrases(["jokes"], jokes, embedder.embed_query("jokes"))
    assert on_story == {"plot"}
    assert on_jokes == {"gags"}


def test_a_word_of_degree_stands_for_no_thing(tmp_path: Path) -> None:
    """Was: "rather" stood for the ending (reviewers write "the ending is rather abrupt", so
    the review words put it near), and "What did critics dislike about the ending of Onward?"
    quoted "a knockoff of brand name, rather than a true Pixar picture"."""
    rows = [
        ("Al End", "rotten", "The ending is rushed and falls flat."),
        ("Bo End", "fresh", "A finale that lands with real grace."),
        ("Cy Rather", "rotten", "It feels like a knockoff, rather than the real thing."),
        ("Di Rather", "fresh", "A rather lovely score carries it."),
        ("Ed Other", "rotten", "The jokes are stale."),
    ]
    result = answered_over(tmp_path, rows, f"What did critics dislike about the ending of {FILM}?")
    assert [c.critic for c in result.citations] == ["Al End"], result.answer
    assert "rather" not in result.lead, result.lead


def test_a_quote_about_the_thing_is_never_cut_at_an_abbreviation(tmp_path: Path) -> None:
    """Was: "Kids are mad about it; it's far from painful for parents; the voice of Mr." was
    TV Guide's quote on the voice acting in Toy Story (the sentence cut at "Mr.")."""
    rows = [
        ("Tv Guide", "fresh", "Kids are mad about it; it's far from painful for parents; the "
         "voice of Mr. Potato Head is Don Rickles. What more could you ask?"),
        ("Al Voice", "fresh", "The voices are perfectly cast."),
        ("Bo Other", "rotten", "The plot wanders."),
    ]  # fmt: skip
    result = answered_over(tmp_path, rows, f"What do critics say about the voices in {FILM}?")
    quotes = {c.critic: c.quote for c in result.citations}
    assert "the voice of Mr. Potato Head is Don Rickles." in quotes["Tv Guide"], result.answer


def test_a_name_inside_the_films_title_is_no_mention_of_the_character(tmp_path: Path) -> None:
    """Was: "What did critics say about Dory in Finding Dory?" counted 168 of 343 reviews as
    naming Dory, quoting "Finding Dory is stunningly beautiful."; 45 name her."""
    film = "Finding Dory (2016)"
    rows = [
        ("Al Title", "fresh", "Finding Dory is stunningly beautiful."),
        ("Bo Title", "rotten", "Finding Dory is a pale copy."),
        ("Cy Fish", "fresh", "Dory steals every scene she swims into."),
        ("Di Both", "fresh", "Finding Dory gives Dory a past worth knowing."),
    ]
    other = [("Ed Other", "fresh", "Funnier than Finding Dory."), ("Flo Other", "fresh", "Fun.")]
    files = [write(tmp_path / "a.csv", rows, film), write(tmp_path / "b.csv", other, FILM)]
    result, elsewhere = answers(
        tmp_path / "home",
        files,
        "What did critics say about Dory in Finding Dory?",
        f"What did critics say about Dory in {FILM}?",
    )
    assert {c.critic for c in result.citations} == {"Cy Fish", "Di Both"}, result.answer
    assert unmarked(result.lead).startswith(f"2 of the 4 reviews of {film} name Dory"), result.lead
    # in another film's reviews, "Finding Dory" is what the asker means by Dory
    assert [c.critic for c in elsewhere.citations] == ["Ed Other"], elsewhere.answer


def test_a_name_its_reviews_write_only_in_the_title_is_the_title(tmp_path: Path) -> None:
    """ "Forrest Gump" is the film and the man: where no review names Forrest otherwise, the
    title is how they name him."""
    film = "Forrest Gump (1994)"
    rows = [
        ("Al Gump", "fresh", "Forrest Gump is a sweet, simple man on a long run."),
        ("Bo Gump", "rotten", "Forrest Gump mistakes stupidity for grace."),
        ("Cy Else", "fresh", "The effects still dazzle."),
    ]
    files = [write(tmp_path / "a.csv", rows, film)]
    (result,) = answers(tmp_path / "home", files, f"What did critics say about Forrest in {film}?")
    assert {c.critic for c in result.citations} == {"Al Gump", "Bo Gump"}, result.answer
    assert unmarked(result.lead).startswith(f"2 of the 3 reviews of {film} name Forrest")


def test_counts_of_a_thousand_or_more_are_written_with_separators() -> None:
    from assistant.findings import Thing, thing_lead
    from assistant.scope import ScopeFacts

    lead = thing_lead(
        "reviews in the index",
        ScopeFacts(15563, 12000, 3563),
        Thing(("music",), phrase=True),
        ScopeFacts(1234, 1000, 234),
        8,
    )
    assert lead.startswith("1,234 of the 15,563 reviews in the index speak of the music"), lead
    assert ": 1,000 positive, 234 negative. Quoted below: 8 of them." in lead, lead


# -- the words all three readings agree on, over real reviews -----------------------------
@pytest.mark.shared
@pytest.mark.slow
def test_words_every_reading_puts_near_the_thing_widen_it(tmp_path: Path) -> None:
    """Over the real Pixar quotes of six films: a word that the sentence model, the index's
    usage and the review words all put near the thing stands for it (`_agreed`), weighed
    below the thing's own neighbours; none is more common than the thing's own word ("pixar"
    for the animation of Pixar films), and none is a different thing of the same kind
    ("music" for the visuals)."""
    source = needs_shared("data", "rt-critics-pixar")
    with (source / "movies.csv").open(encoding="utf-8") as handle:
        titles = {r["movieId"]: r["movieTitle"] for r in csv.DictReader(handle)}
    wanted = {"Toy Story", "Monsters, Inc.", "WALL-E", "Up", "Inside Out", "Coco"}
    with (source / "critic_reviews.csv").open(encoding="utf-8") as handle:
        rows = [
            r
            for r in csv.DictReader(handle)
            if titles.get(r["movieId"]) in wanted and r["quote"].strip()
        ]
    folder = tmp_path / "pixar"
    folder.mkdir()
    with (folder / "critic_reviews.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    shutil.copy(source / "movies.csv", folder / "movies.csv")
    settings = Settings(home=tmp_path / "home", engine="extractive")
    ingest([folder], settings)
    assistant = Assistant(settings)
    try:
        matcher = assistant.retriever.meaning
        vocabulary = matcher.vocabulary.get()
        catalog = assistant.index.catalog
        agreed_any = False
        for thing in ("jokes", "animation", "visuals", "music", "story"):
            vector = assistant.index.embedder.embed_query(thing)
            agreed = matcher._agreed([thing], vector, vocabulary)
            words, _ = matcher.words_for([thing])
            read = vocabulary.similarities(agreed, vector)
            usage = vocabulary.usage_similarities(agreed, vocabulary.used_like([thing]))
            written = load_review_words().similarities([thing], list(agreed))
            passages = catalog.word_passages([*agreed, thing])
            for word, weight in agreed.items():
                three = (read[word], usage[word], written[word])
                assert min(three) >= AGREED_EACH and sum(three) / 3 >= AGREED_MEAN, word
                assert weight == pytest.approx(REVIEW_WEIGHT * sum(three) / 3, abs=1e-3)
                assert weight < NEIGHBOUR_FLOOR and word in words, (thing, word)
                assert passages[word] <= passages[thing], (thing, word)
            agreed_any |= bool(agreed)
        assert agreed_any
        assert "pixar" not in matcher.words_for(["animation"])[0]
        assert "music" not in matcher.words_for(["visuals"])[0]
        # what the villain is one of is not the villain (`_not_broader`)
        assert not {"character", "characters"} & matcher.words_for(["villain"])[0].keys()
    finally:
        assistant.close()


def test_the_small_film_set_keeps_a_seeded_few_reviews_and_the_gold_among_them() -> None:
    from bench.build_small_films import cut_questions, cut_reviews

    rows = [
        {"movieId": film, "reviewId": f"{film}{n}", "quote": "" if n == 0 else f"quote {n}"}
        for film in ("a", "b")
        for n in range(6)
    ]
    kept = cut_reviews(rows, 3, seed=7)
    assert kept == cut_reviews(rows, 3, seed=7)  # seeded
    assert sorted(r["movieId"] for r in kept) == ["a", "a", "a", "b", "b", "b"]
    assert all(r["quote"] for r in kept)  # reviews without a quote are never kept
    ids = {r["reviewId"] for r in kept}
    lines = [
        json.dumps({"id": "q1", "gold": [*sorted(ids)[:2], "a0"], "syn_gold": ["a0"]}),
        json.dumps({"id": "q2", "gold": ["a0"], "syn_gold": []}),
    ]
    (question,) = cut_questions(lines, ids)  # q2 has no gold left: dropped
    assert (question["id"], question["gold"], question["syn_gold"]) == ("q1", sorted(ids)[:2], [])


def test_a_neighbour_in_spelling_only_or_a_films_title_stands_for_no_thing(
    tmp_path: Path,
) -> None:
    """The sentence model puts "cinemas" and "filmic" near "cinematography" (0.61, 0.62) by
    their spelling: reviewers do not write them in its place (review words -0.03, 0.14); and in
    Pixar's reviews "elemental" (0.60 near "chemistry") is the film Elemental."""
    rows = [
        ("Kay Lens", "fresh", "The cinematography is gorgeous, all amber light."),
        ("Lou Reel", "fresh", "It opened in cinemas across the country this week."),
        ("Max Cut", "rotten", "A filmic exercise in patience and nothing else."),
        ("Ned Arc", "fresh", "The chemistry between the two leads crackles."),
        ("Ola Dot", "rotten", "It wants to be Elemental and lands nowhere near."),
    ]
    elemental = [("Pia Nib", "fresh", "Elemental is a charmer.")]
    echo = [(c + " Jr.", f, t) for c, f, t in rows]  # each word seen in two passages
    files = [
        write(tmp_path / "a.csv", rows + OTHER),
        write(tmp_path / "b.csv", echo, "Echo"),
        write(tmp_path / "c.csv", elemental, "Elemental (2023)"),
    ]
    looks, spark = answers(
        tmp_path / "home",
        files,
        f"What do critics say about the cinematography in {FILM}?",
        f"What do critics say about the chemistry in {FILM}?",
    )
    assert [c.critic for c in looks.citations] == ["Kay Lens"], looks.answer
    assert unmarked(looks.lead).startswith(f"1 of the 11 reviews of {FILM}"), looks.lead
    cited = [c.critic for c in spark.citations]
    assert "Ned Arc" in cited and "Ola Dot" not in cited, spark.answer


# -- a word for something broader than the thing ------------------------------------------
def test_a_word_for_something_the_thing_is_one_of_does_not_stand_for_it() -> None:
    """Reviewers write "character" where they would write "villain", and far more often: a
    word taken for the thing below SURE_NEIGHBOUR that is written over BROADER_RATIO times as
    often as the asked word names what the villain is one of ("director" for the screenplay:
    a sibling of wider use). A word written about as often ("plot" for the story: more often,
    but not five times) and a neighbour near enough to be sure stay."""
    from assistant.relevance import BROADER_RATIO, SURE_NEIGHBOUR, ThingMatcher

    ranks = word_ranks()
    assert ranks["villain"] > BROADER_RATIO * (ranks["character"] + 1)  # the case itself
    assert ranks["story"] <= BROADER_RATIO * (ranks["plot"] + 1)
    words = {"villain": 1.0, "villains": 0.87, "character": 0.22, "characters": 0.22}
    kept = ThingMatcher._not_broader(words | {"evil": 0.25}, ["villain"])
    assert kept == {"villain": 1.0, "villains": 0.87, "evil": 0.25}
    story = {"story": 1.0, "plot": 0.34, "narrative": 0.26}
    assert ThingMatcher._not_broader(story, ["story"]) == story
    assert ranks["screenplay"] > BROADER_RATIO * (ranks["director"] + 1)
    assert ranks["screenplay"] > BROADER_RATIO * (ranks["film"] + 1)
    screenplay = {"screenplay": 1.0, "screenwriter": 0.78, "director": 0.58, "acting": 0.56}
    sure = {"film": SURE_NEIGHBOUR}  # as common as "director", but as near as it takes
    kept = ThingMatcher._not_broader(screenplay | sure, ["screenplay"])
    assert kept == {"screenplay": 1.0, "screenwriter": 0.78} | sure
    # a word the review words do not rank is kept, and so is every word of an unranked thing
    assert ThingMatcher._not_broader({"zzgrue": 0.3}, ["villain"]) == {"zzgrue": 0.3}
    assert ThingMatcher._not_broader(words, ["zzgrue"]) == words
