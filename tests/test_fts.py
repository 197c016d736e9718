"""The lexical index's query language: both numbers of a word, by English spelling."""

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
