"""Questions about what the index holds, answered from the catalog with no quote."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.holdings import holdings_lead, index_asked
from index.stats import Holdings
from tests.support.reviews import answers, write_quotes


@pytest.mark.parametrize(
    "question",
    [
        "Which films are in the index?",
        "How many reviews does the index hold?",
        "What films do you have?",
        "what's in your database?",
        "Which films can I ask about?",
    ],
)
def test_a_question_about_the_index_is_told(question: str) -> None:
    assert index_asked(question)


@pytest.mark.parametrize(
    "question",
    [
        "What did critics say of the index cards in Fargo?",
        "Who disliked Fargo?",
        "Do critics like the ending of Fargo?",
    ],
)
def test_a_question_about_the_films_is_not(question: str) -> None:
    assert not index_asked(question)


def test_what_the_index_holds_is_the_catalogs(tmp_path: Path) -> None:
    """Was: "Which films are in the index?" counted the reviews that say "index"."""
    fargo = [("Ann Both", "fresh", "Fargo is sharp."), ("Bo Split", "rotten", "Fargo drags.")]
    fargo.append(("Cy Once", "fresh", "A fine index of Midwestern manners."))
    ronin = [("Ann Both", "fresh", "Ronin races."), ("Di Late", "rotten", "Ronin stalls.")]
    paths = [
        write_quotes(tmp_path / "f.csv", fargo, "Fargo (1996)"),
        write_quotes(tmp_path / "r.csv", ronin, "Ronin (1998)"),
    ]
    held, of_fargo = answers(
        tmp_path / "home",
        paths,
        "Which films are in the index?",
        "How many reviews of Fargo are in the index?",
    )
    assert (
        held.answer
        == held.lead
        == (
            "The index holds 5 reviews of 2 films by 4 critics. 3 are labelled positive, 2 "
            "negative. Films: Fargo (1996) and Ronin (1998)."
        )
    )
    assert held.citations == [] and held.kind == "answer"
    # a film named: its reviews, not the index's, and "index" is no thing asked about
    assert of_fargo.lead.startswith("The index holds 3 reviews of Fargo (1996)"), of_fargo.lead
    assert {c.film for c in of_fargo.citations} == {"Fargo (1996)"}


def test_many_films_are_named_the_most_reviewed_first() -> None:
    films = {f"Film {i:02d}": (i, i, 0) for i in range(1, 15)}
    held = Holdings(films=14, reviews=105, critics=0, first_date="", last_date="")
    assert holdings_lead(held, films) == (
        "The index holds 105 reviews of 14 films. 105 are labelled positive, 0 negative. Films, "
        "the most reviewed first: Film 14, Film 13, Film 12, Film 11, Film 10, Film 09, Film 08, "
        "Film 07, Film 06, Film 05 and 4 others."
    )
    empty = Holdings(films=0, reviews=0, critics=0, first_date="", last_date="")
    assert holdings_lead(empty, {}) == (
        "The index holds no reviews yet: add some with `reviewqa ingest PATH`."
    )
