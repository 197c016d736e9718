"""Who agreed or disagreed with one critic on a film: the reviews' labels, the critic's own
first."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.agreement import agreement_asked
from tests.support.reviews import answers, write_quotes

FILM = "Moonbeam Parade (2021)"
ROWS = [
    ("Roger Ebert", "fresh", "A warm and funny ride."),
    ("Ann Quill", "fresh", "Warm, funny and brisk."),
    ("Ben Ink", "fresh", "A delight from start to finish."),
    ("Cal Nib", "rotten", "A chore from start to finish."),
    ("Gene Siskel", "rotten", "Loud and hollow."),
]


@pytest.mark.parametrize(
    ("question", "agree"),
    [
        ("Which critics agreed with Ebert on Fargo?", True),
        ("Who disagreed with Roger Ebert about Fargo?", False),
        ("Who sided with Ebert on Fargo?", True),
        ("Who disliked Fargo?", None),
    ],
)
def test_agreeing_is_told_from_disagreeing(question: str, agree: bool | None) -> None:
    assert agreement_asked(question) is agree


def test_who_agreed_with_a_critic_is_the_films_other_critics_on_that_side(
    tmp_path: Path,
) -> None:
    """Was: "Which critics agreed with Ebert on X?" said "None of the reviews of X names
    Ebert" (a surname after "with" was no critic)."""
    agreed, disagreed, pair = answers(
        tmp_path / "home",
        [write_quotes(tmp_path / "a.csv", ROWS, FILM)],
        f"Which critics agreed with Ebert on {FILM}?",
        f"Who disagreed with Ebert on {FILM}?",
        f"Did Siskel agree with Ebert on {FILM}?",
    )
    assert agreed.lead == (
        f"Roger Ebert's review of {FILM} is positive; 2 of the other 4 labelled reviews are "
        "too: Ann Quill and Ben Ink."
    ), agreed.lead
    assert {c.critic for c in agreed.citations} == {"Ann Quill", "Ben Ink"}
    assert disagreed.lead == (
        f"Roger Ebert's review of {FILM} is positive; 2 of the other 4 labelled reviews are "
        "negative: Cal Nib and Gene Siskel."
    ), disagreed.lead
    assert {c.critic for c in disagreed.citations} == {"Cal Nib", "Gene Siskel"}
    assert pair.lead.endswith("They disagree."), pair.lead  # two critics: each said
