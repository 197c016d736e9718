"""The review dates a question asks about in its own words."""

from __future__ import annotations

import pytest

from assistant.dates import DateRange, dates_asked


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("What did critics say about Titanic in 2012?", DateRange("2012-01-01", "2012-12-31")),
        ("Reviews of Titanic before 2000", DateRange(until="1999-12-31")),
        ("Who liked Titanic after 1998?", DateRange(since="1999-01-01")),
        ("What have critics said since 2010?", DateRange(since="2010-01-01")),
        ("Titanic between 2012 and 1997", DateRange("1997-01-01", "2012-12-31")),
        # "reviews from 2012" are that year's; "from 2012 on" and "from ... to ..." say more
        ("How many reviews are from 2012?", DateRange("2012-01-01", "2012-12-31")),
        ("Reviews of Titanic from 2012 onwards", DateRange(since="2012-01-01")),
        ("Reviews of Titanic from 2012 on", DateRange(since="2012-01-01")),
        ("Fargo from 1996 to 1998", DateRange("1996-01-01", "1998-12-31")),
        ("Fargo from 1996-1998", DateRange("1996-01-01", "1998-12-31")),
        ("What did critics think of Titanic?", DateRange()),
        ("Is 2001 a Space Odyssey any good?", DateRange()),  # no word before: a title's
        ("Who disliked it in 15 minutes?", DateRange()),  # no year
        # a decade, a film's year
        ("What was the best film of the 2010s?", DateRange("2010-01-01", "2019-12-31")),
        ("Pixar films of the '90s", DateRange("1990-01-01", "1999-12-31")),
        ("Films of the 00s", DateRange("2000-01-01", "2009-12-31")),
        ("Which 1999 film did critics like most?", DateRange("1999-01-01", "1999-12-31")),
        ("The best film of 2017", DateRange("2017-01-01", "2017-12-31")),
        ("What did critics in their 70s say?", DateRange()),  # an age, no decade of films
    ],
)
def test_dates_are_read_from_the_question(question: str, asked: DateRange) -> None:
    assert dates_asked(question) == asked


def test_a_films_own_year_names_the_film_not_a_date() -> None:
    assert dates_asked("What about Toy Story in 1995?", ["Toy Story (1995)"]) == DateRange()
    assert dates_asked("What about Toy Story in 2010?", ["Toy Story (1995)"]) == DateRange(
        "2010-01-01", "2010-12-31"
    )


@pytest.mark.parametrize(
    "question",
    [
        "Reviews of Goodfellas since 2005",
        "What did critics say of Fargo till 2000?",
        "What did critics say of Fargo until 2000?",
        "What did critics say of Fargo before 2000?",
        "Reviews of Goodfellas from 2005 onwards",
    ],
)
def test_the_words_of_a_date_ask_about_no_thing(question: str) -> None:
    """Was: "Reviews of Goodfellas since 2005" counted the reviews that say "since"."""
    from assistant.intent import analyse

    assert analyse(question).terms in ((), ("goodfellas",), ("fargo",)), question
