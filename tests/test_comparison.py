"""Which of the films a question compares critics liked more: said first, from the catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.comparison import compared_lead, comparison_asked
from assistant.scope import ScopeFacts
from tests.support.reviews import answers, write_quotes


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("Did critics prefer Toy Story 2 or Toy Story 3?", True),
        ("Is Inside Out better than Inside Out 2?", True),
        ("Which is better reviewed, Coco or Soul?", True),
        ("Did critics like the music in Coco more than in Soul?", True),
        ("Compare Cars, Cars 2 and Cars 3", True),
        ("What do critics say about Coco and Soul?", False),
        ("Which critics reviewed both Coco and Soul?", False),
    ],
)
def test_a_comparison_is_told_from_other_questions_of_several_films(
    question: str, asked: bool
) -> None:
    assert comparison_asked(question) is asked


def test_the_films_are_ranked_by_their_share_of_positive_labelled_reviews() -> None:
    a, b, c = ScopeFacts(22, 17, 3), ScopeFacts(10, 5, 5), ScopeFacts(4, 0, 4)  # a: 2 unlabelled
    assert compared_lead([("B (2002)", b), ("A (2001)", a)]) == (
        "Critics liked A (2001) more: of its 20 labelled reviews, 85% are positive, against "
        "50% of B (2002)'s 10."
    )
    assert compared_lead([("A (2001)", a), ("B (2002)", b), ("C (2003)", c)]) == (
        "Critics liked A (2001) most: of its 20 labelled reviews, 85% are positive; then "
        "B (2002) (50% of 10), C (2003) (0% of 4)."
    )
    # under a point apart is no preference
    assert compared_lead([("A (2001)", a), ("D (2004)", ScopeFacts(40, 34, 6))]).startswith(
        "Critics liked A (2001) and D (2004) alike: of their 20 and 40 labelled reviews, 85% "
        "and 85% are positive."
    )
    # a film with no labelled review is not ranked; one film left ranks nothing
    assert compared_lead([("A (2001)", a), ("E (2005)", ScopeFacts(3, 0, 0))]) == ""


def test_a_comparison_asked_leads_with_the_catalogs_verdict(tmp_path: Path) -> None:
    """Was: "Did critics prefer X or Y?" gave each film's split and left the comparing to the
    reader."""
    harbor = [
        ("Ann A", "fresh", "The music soars."),
        ("Bo B", "fresh", "A warm tale."),
        ("Cy C", "rotten", "The music grates."),
        ("Di D", "fresh", "The music carries it."),
    ]
    lights = [
        ("Ed E", "rotten", "Dull and long."),
        ("Fay F", "fresh", "The music is lovely."),
        ("Gus G", "rotten", "The music is forgettable."),
    ]
    files = [
        write_quotes(tmp_path / "h.csv", harbor, "Harbor (2020)"),
        write_quotes(tmp_path / "l.csv", lights, "Lights (2021)"),
    ]
    overall, music, neither = answers(
        tmp_path / "home",
        files,
        "Did critics prefer Harbor or Lights?",
        "Did critics prefer the music in Harbor or Lights?",
        "What do critics say about Harbor and Lights?",
    )
    assert overall.lead.startswith(
        "Critics liked Harbor (2020) more: of its 4 labelled reviews, 75% are positive, "
        "against 33% of Lights (2021)'s 3."
    ), overall.lead
    assert music.lead.startswith(
        "Critics liked the music of Harbor (2020) more: of its 3 labelled reviews that speak of "
        "the music, 67% are positive, against 50% of Lights (2021)'s 2."
    ), music.lead
    assert not neither.lead.startswith("Critics liked"), neither.lead
