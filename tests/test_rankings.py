"""Which film critics liked best or least: the catalog's counts ranked, never retrieval's."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from assistant.intent import STOPWORDS
from assistant.rankings import qualifier, rank_films, ranking_asked
from tests.support.reviews import answers, write_quotes

COUNTS = {  # film: (reviews, positive, negative)
    "Fargo (1996)": (20, 17, 3),
    "8MM (1999)": (20, 2, 18),
    "Raging Bull (1980)": (11, 10, 1),
    "Ronin (1998)": (9, 6, 3),  # too few reviews to rank beside films with 10 or more
    "Unlabelled (2001)": (30, 0, 0),  # no label: nothing to rank it by
}


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("Which film did critics like best?", "positive"),
        ("Which Pixar film had the best reviews?", "positive"),
        ("What was the most acclaimed movie?", "positive"),
        ("Which of the films did critics like the most?", "positive"),
        ("Which film did critics like least?", "negative"),
        ("Which movie was the worst reviewed?", "negative"),
        ("Which film did critics hate the most?", "negative"),
        ("What's the weakest Pixar film according to critics?", "negative"),
        ("Which film's animation did critics praise most?", "positive"),
        ("Which film has the greatest score?", "positive"),
        ("What was the best reviewed Pixar film of the 2010s?", "positive"),  # was: None
        ("What was the best-reviewed film of the 2010s?", "positive"),
        ("Who liked Fargo best?", None),  # no "which film"
        ("Which critics liked Fargo?", None),  # who, not which film
        ("Which critic reviewed the most Pixar films?", None),  # a critic ranked
    ],
)
def test_a_ranking_question_is_told_from_others(question: str, asked: str | None) -> None:
    assert ranking_asked(question) == asked


def test_films_rank_by_their_share_of_positive_reviews() -> None:
    best = rank_films(COUNTS, "positive")
    assert [r.film for r in best.films] == ["Raging Bull (1980)", "Fargo (1996)", "8MM (1999)"]
    assert best.lead() == (
        "Of the 3 films in the index with at least 10 reviews (4 have labels), critics liked "
        "Raging Bull (1980) best: 91% of its 11 reviews are positive. Next: Fargo (1996), 85% "
        "of 20; 8MM (1999), 10% of 20."
    )
    worst = rank_films(COUNTS, "negative")
    assert worst.first == "8MM (1999)"
    assert worst.lead().startswith("Of the 3 films in the index with at least 10 reviews")
    assert "critics liked 8MM (1999) least: 10% of its 20 reviews are positive." in worst.lead()


def test_ties_are_said_and_small_indexes_rank_every_film() -> None:
    tied = rank_films(
        {"A (2001)": (4, 4, 0), "B (2002)": (6, 6, 0), "C (2003)": (5, 1, 4)}, "positive"
    )
    assert tied.lead() == (
        "Of the 3 films in the index, 2 share the highest share of positive reviews, 100%: "
        "B (2002) (6 reviews); A (2001) (4 reviews)."
    )
    one = rank_films({"Her (2013)": (4, 3, 1)}, "negative", among="whose reviews name Phoenix")
    assert (
        one.lead()
        == "Her (2013) is the one film whose reviews name Phoenix: 75% of its 4 reviews are "
        "positive."
    )
    assert rank_films({"Her (2013)": (4, 0, 0)}, "positive").first is None


def test_films_ranked_by_a_thing_say_what_they_are_ranked_by() -> None:
    music = {"Coco (2017)": (47, 44, 3), "Soul (2020)": (57, 55, 2), "Cars (2006)": (3, 3, 0)}
    best = rank_films(music, "positive", thing="the music", focus=("music",))
    assert best.lead() == (
        "Ranked by the share of positive reviews among those that speak of the music, of the 2 "
        "films in the index with at least 10 such reviews (of 3 with one), Soul (2020) comes "
        "first: 96% of its 57 are positive. Next: Coco (2017), 94% of 47."
    )
    worst = rank_films(music, "negative", among="whose reviews name Pixar", thing="the music")
    assert worst.lead().startswith(
        "Ranked by the share of positive reviews among those that speak of the music, of the 2 "
        "films whose reviews name Pixar with at least 10 such reviews (of 3 with one), Coco "
        "(2017) comes last: 94% of its 47 are positive."
    )
    none = rank_films({}, "positive", thing="the music")
    assert (
        none.lead() == "No review in the index labelled positive or negative speaks of the music."
    )


def test_the_words_before_film_qualify_the_films_ranked() -> None:
    assert qualifier("Which Coen brothers film did critics like best?", STOPWORDS) == (
        "Coen brothers"
    )
    assert qualifier("Which animated movie was the worst reviewed?", STOPWORDS) == "animated"
    assert qualifier("What was the most acclaimed movie?", STOPWORDS) == ""  # the frame only
    assert qualifier("Which of the films did critics like least?", STOPWORDS) == ""
    # was: "best-reviewed" was taken for a word the films' reviews must say
    assert qualifier("What was the best-reviewed film of 2011?", STOPWORDS) == ""
    assert qualifier("What was the best reviewed Pixar film?", STOPWORDS) == "Pixar"
    assert qualifier("Which top-rated war movie?", STOPWORDS) == "war"


def test_a_period_asked_of_films_is_their_release(tmp_path: Path) -> None:
    """Was: "Which film did critics like best in 2012?" ranked the films by their reviews dated
    2012, Finding Nemo (2003) first (its 3D release), and did not say so; "the best film of
    the 2010s" read no period; "which film released in 2017" ranked by "released"."""
    rows = [  # film, date, fresh
        *[("Old Reef (2003)", f"2012-09-{d:02d}", "fresh") for d in range(1, 13)],
        *[("Old Reef (2003)", f"2003-05-{d:02d}", "rotten") for d in range(1, 13)],
        *[("Highland (2012)", f"2012-06-{d:02d}", "fresh" if d < 9 else "rotten") for d in
          range(1, 13)],
        *[("Spirit Town (2017)", f"2017-11-{d:02d}", "fresh" if d < 12 else "rotten") for d in
          range(1, 13)],
    ]  # fmt: skip
    path = tmp_path / "reviews.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["film", "critic", "date", "fresh", "quote"])
        for n, (film, date, fresh) in enumerate(rows):
            writer.writerow([film, f"Critic {n}", date, fresh, f"Review {n} of {film}."])
    in_2012, decade, released, before = answers(
        tmp_path / "home",
        [path],
        "Which film did critics like best in 2012?",
        "What was the best reviewed film of the 2010s?",
        "Which film released in 2017 has the best reviews?",
        "Which film did critics like least before 2010?",
    )
    assert in_2012.lead == (
        "Highland (2012) is the one film released in 2012: 67% of its 12 reviews are positive."
    ), in_2012.lead
    assert {c.film for c in in_2012.citations} == {"Highland (2012)"}, in_2012.answer
    assert decade.lead.startswith(
        "Of the 2 films released 2010 to 2019, critics liked Spirit Town (2017) best: 92% of its "
        "12 reviews are positive."
    ), decade.lead
    assert released.lead.startswith("Spirit Town (2017) is the one film released in 2017"), (
        released.lead
    )
    # all of a film's reviews count, whenever written: Old Reef's 2012 ones too
    assert before.lead.startswith(
        "Old Reef (2003) is the one film released in 2009 or earlier: 50% of its 24 reviews"
    ), before.lead


@pytest.mark.parametrize(
    ("question", "written", "quality"),
    [
        ("Which Pixar film is the funniest?", "funniest", "funny"),
        ("Which film has the funniest jokes?", "funniest", "funny"),
        ("Which is the saddest Pixar film?", "saddest", "sad"),
        ("Which film has the biggest laughs?", "biggest", "big"),
        ("Which film has the most beautiful animation?", "beautiful", "beautiful"),
        ("Which film is the least funny?", "funny", "funny"),
    ],
)
def test_a_superlative_names_the_quality_it_ranks_by(
    question: str, written: str, quality: str
) -> None:
    from assistant.rankings import Superlative, superlative

    assert superlative(question) == Superlative(written, quality)
    assert ranking_asked(question) == ("negative" if "least" in question else "positive")


@pytest.mark.parametrize(
    "question",
    ["Which film has the latest reviews?", "Which film has the most reviews?", "Which film is "
     "set in the west?", "Which film did critics like best?"],
)  # fmt: skip
def test_order_counts_and_words_ending_in_est_are_no_superlative_of_a_quality(
    question: str,
) -> None:
    from assistant.rankings import superlative

    assert superlative(question) is None


def test_the_funniest_film_is_the_one_whose_reviews_say_it_most(tmp_path: Path) -> None:
    """Was: "Which film is the funniest?" ranked the films by their reviews naming nothing
    ("the funniest" was no ranking), and "the funniest jokes" by the words "funniest jokes"."""

    def rows(film: str, funny: int, scary: int, other: int) -> list[tuple[str, str, str]]:
        out = [(f"{film} F{i}", "fresh", "Hilarious from start to end.") for i in range(funny)]
        out += [(f"{film} S{i}", "fresh", "Genuinely creepy and scary.") for i in range(scary)]
        return out + [(f"{film} O{i}", "rotten", "A plodding bore.") for i in range(other)]

    files = [
        write_quotes(tmp_path / "a.csv", rows("Alpha (2001)", 6, 0, 6), "Alpha (2001)"),
        write_quotes(tmp_path / "b.csv", rows("Beta (2002)", 3, 5, 4), "Beta (2002)"),
        write_quotes(tmp_path / "c.csv", rows("Gamma (2003)", 1, 1, 10), "Gamma (2003)"),
    ]
    funniest, least, scariest = answers(
        tmp_path / "home",
        files,
        "Which film is the funniest?",
        "Which film is the least funny?",
        "Which film is the scariest?",
    )
    assert funniest.lead == (
        'Of the 3 films in the index, the reviews of Alpha (2001) say "funny" or a word near it '
        "most often: 50% of its 12. Next: Beta (2002), 25% of 12; Gamma (2003), 8% of 12."
    ), funniest.lead
    assert {c.film for c in funniest.citations} == {"Alpha (2001)"}, funniest.answer
    assert all("Hilarious" in c.quote for c in funniest.citations), funniest.answer
    assert least.lead.startswith(
        'Of the 3 films in the index, the reviews of Gamma (2003) say "funny" or a word near it '
        "least often: 8% of its 12."
    ), least.lead
    assert scariest.lead.startswith("Of the 3 films in the index, the reviews of Beta (2002)")
