"""How a film's reception ran over time: the catalog's counts by year of review date."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from assistant.over_time import OverTime, OverTimeAsked, over_time_asked
from tests.support.reviews import answers

FILM = "Harbor Lights (1997)"
# year: (fresh, rotten); and two undated reviews
YEARS = {"1997": (3, 3), "1998": (1, 0), "2012": (6, 0)}


def write_reviews(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["film", "critic", "date", "fresh", "quote"])
        n = 0
        for year, (fresh, rotten) in YEARS.items():
            for label in ["fresh"] * fresh + ["rotten"] * rotten:
                n += 1
                mood = "a beacon" if label == "fresh" else "a shipwreck"
                writer.writerow([FILM, f"Critic {n}", f"{year}-03-{n:02d}", label,
                                 f"It is {mood}, says critic {n}."])  # fmt: skip
        for i in range(2):
            writer.writerow([FILM, f"Undated {i}", "", "fresh", "It is a beacon, undated."])
    return path


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("How did the reception of Titanic change over time?", OverTimeAsked()),
        ("How have reviews of Fargo changed?", OverTimeAsked()),
        ("Fargo's reviews year by year", OverTimeAsked()),
        ("Did critics like Titanic more in 2012 than in 1997?", OverTimeAsked(("2012", "1997"))),
        ("Titanic in 1997 versus 2012", OverTimeAsked(("1997", "2012"))),
        ("Titanic, 2012 vs 1997", OverTimeAsked(("2012", "1997"))),
        ("Was Titanic (1997) liked in 2012?", None),  # the title's year is no second year
        ("Did the ending change?", None),  # no reception asked about
        ("What did critics say about Titanic in 2012?", None),
    ],
)
def test_a_question_about_time_is_told_from_others(
    question: str, asked: OverTimeAsked | None
) -> None:
    assert over_time_asked(question) == asked


def test_the_years_are_counted_and_two_compared() -> None:
    years = {"1997": (6, 3, 3), "2012": (6, 6, 0), "": (2, 2, 0)}
    timeline = OverTime("reviews of X", years, OverTimeAsked())
    assert timeline.lead() == (
        "The 14 reviews of X by year of review date: 1997, 6 (50% positive); 2012, 6 (100% "
        "positive). 2 are undated."
    )
    two = OverTime("reviews of X", years, OverTimeAsked(("2012", "1997")))
    assert two.lead() == (
        "6 of the reviews of X are dated 2012 (100% positive); 6 of the reviews of X are dated "
        "1997 (50% positive). Critics were more positive in 2012."
    )
    many = {str(year): (2, 1, 1) for year in range(1990, 2010)}  # 20 years: by decade
    assert OverTime("reviews in the index", many, OverTimeAsked()).lead() == (
        "The 40 reviews in the index by decade of review date: 1990s, 20 (50% positive); "
        "2000s, 20 (50% positive)."
    )
    missing = OverTime("reviews of X", years, OverTimeAsked(("2012", "2005")))
    assert missing.lead().endswith("none of the reviews of X is dated 2005.")
    assert (
        OverTime("reviews of X", {}, OverTimeAsked()).lead() == "The index holds no reviews of X."
    )


def test_a_films_reception_over_time_is_the_catalogs(tmp_path: Path) -> None:
    """Was: "How did the reception of X change over time?" counted the reviews saying "change"
    or "time"; "more in 2012 than in 1997?" counted 2012 alone."""
    timeline, two = answers(
        tmp_path / "home",
        [write_reviews(tmp_path / "reviews.csv")],
        f"How did the reception of {FILM} change over time?",
        f"Did critics like {FILM} more in 2012 than in 1997?",
    )
    assert timeline.lead == (
        f"The 15 reviews of {FILM} by year of review date: 1997, 6 (50% positive); 1998, 1 "
        "(100% positive); 2012, 6 (100% positive). 2 are undated."
    ), timeline.lead
    assert {c.sentiment for c in timeline.citations} == {"positive", "negative"}
    assert two.lead == (
        f"6 of the reviews of {FILM} are dated 2012 (100% positive); 6 of the reviews of {FILM} "
        "are dated 1997 (50% positive). Critics were more positive in 2012."
    ), two.lead
    assert {c.date[:4] for c in two.citations} == {"2012"}  # the first year named
