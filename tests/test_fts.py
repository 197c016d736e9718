"""The lexical index's query language and the sentences it reads: both numbers of a word,
sentence ends."""

from __future__ import annotations

import sqlite3

import pytest

from index.fts import fts_query, other_numbers


@pytest.mark.parametrize(
    ("word", "other"),
    [
        ("jokes", "joke"),
        ("joke", "jokes"),
        ("story", "stories"),  # a consonant and y: "storys" is written by no one
        ("stories", "story"),
        ("movies", "movie"),  # -ies read both ways: "movy" finds nothing
        ("comedy", "comedies"),
        ("day", "days"),  # a vowel and y
        ("box", "boxes"),
        ("boxes", "box"),
        ("dish", "dishes"),
        ("class", "classes"),  # a double s is a singular
        ("classes", "class"),
        ("horses", "horse"),
        ("analysis", "analyses"),
        ("gas", "gases"),
    ],
)
def test_the_other_number_follows_english_spelling(word: str, other: str) -> None:
    assert other in other_numbers(word)


def test_a_query_finds_a_word_in_either_number_unless_it_is_a_name() -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE passages USING fts5(text)")
    texts = ["Pixar tells stories like no one else.", "The comedies of the year.", "A Story."]
    db.executemany("INSERT INTO passages(text) VALUES (?)", [(t,) for t in texts])

    def found(terms: list[str], exact: set[str] | None = None) -> list[str]:
        query = fts_query(terms, exact or set())
        rows = db.execute("SELECT text FROM passages WHERE passages MATCH ?", (query,))
        return sorted(text for (text,) in rows)

    assert found(["story"]) == ["A Story.", "Pixar tells stories like no one else."]
    assert found(["comedy"]) == ["The comedies of the year."]
    assert found(["story"], exact={"story"}) == ["A Story."]


def test_a_sentence_does_not_end_at_an_abbreviation_or_an_initial() -> None:
    """Was: "the voice of Mr." was quoted as a sentence of TV Guide's review of Toy Story."""
    from index.chunking import sentence_spans

    text = (
        "Kids are mad about it; the voice of Mr. Potato Head is Don Rickles. What more "
        "could you ask? Critics J. Olson and A. O. Scott agreed.\nThe U.S. cut came later."
    )
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "Kids are mad about it; the voice of Mr. Potato Head is Don Rickles.",
        "What more could you ask?",
        "Critics J. Olson and A. O. Scott agreed.",
        "The U.S. cut came later.",
    ]
