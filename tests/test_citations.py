"""verify(): markers kept or removed, quotes located exactly in the review's full text."""

from __future__ import annotations

import pytest

from assistant.citations import Verified, locate_quote, normalize_for_match, verify
from assistant.result import Citation, Source
from index.records import Review

SCOTT_TEXT = (
    "Spike Jonze has made a tender film about loneliness. "
    "Joaquin Phoenix gives a   performance of “rare delicacy.”\n"
    "The ending, though, drags. It’s a film you won’t forget."
)
REED_TEXT = "A cold, precious bore. Phoenix mopes through it. The ending drags."

SCOTT = Review(
    id="r-scott",
    film="Her (2013)",
    text=SCOTT_TEXT,
    critic="A. O. Scott",
    publication="The New York Times",
    date="2013-12-17",
    sentiment="positive",
)
REED = Review(
    id="r-reed",
    film="Her (2013)",
    text=REED_TEXT,
    critic="Rex Reed",
    publication="New York Observer",
    date="2013-12-20",
    sentiment="negative",
)


def passage(n: int, review: Review, start: int = 0, end: int | None = None) -> Source:
    end = len(review.text) if end is None else end
    return Source(n=n, review=review, text=review.text[start:end], start=start, end=end)


SOURCES = [passage(1, SCOTT, 53, 110), passage(2, REED)]


def cited(result: Verified) -> list[tuple[int, tuple[int, int], str, bool]]:
    return [(c.n, c.span, c.quote, c.verified) for c in result.citations]


# normalize_for_match / locate_quote


def test_normalize_for_match_collapses_space_folds_quotes_and_maps_back() -> None:
    text = "a  “b”\n\tc’s"
    normalized, index = normalize_for_match(text)
    assert normalized == 'a "b" c\'s'
    assert index == [0, 1, 3, 4, 5, 6, 8, 9, 10]
    assert [text[i] for i in index] == ["a", " ", "“", "b", "”", "\n", "c", "’", "s"]


def test_locate_quote_maps_offsets_back_to_the_original_text() -> None:
    span = locate_quote(SCOTT_TEXT, 'Phoenix gives a performance of "rare delicacy."')
    assert span == (61, 110)
    assert SCOTT_TEXT[61:110] == "Phoenix gives a   performance of “rare delicacy.”"


def test_locate_quote_is_case_sensitive_and_none_when_absent() -> None:
    assert locate_quote(SCOTT_TEXT, "joaquin phoenix") is None
    assert locate_quote(SCOTT_TEXT, "a cold film") is None


def test_locate_quote_prefers_an_occurrence_inside_the_passage() -> None:
    text = "The ending drags. Later: the ending drags. The ending drags again."
    assert locate_quote(text, "The ending drags") == (0, 16)
    assert locate_quote(text, "The ending drags", near=(43, 66)) == (43, 59)
    assert locate_quote(text, "Later", near=(43, 66)) == (18, 23)


def test_locate_quote_ellipsis_matches_pieces_in_order() -> None:
    assert locate_quote(REED_TEXT, "A cold ... bore") == (0, 21)
    assert locate_quote(REED_TEXT, "A cold … The ending drags") == (0, 65)
    assert locate_quote(REED_TEXT, "The ending drags ... A cold") is None


def test_locate_quote_tolerates_a_trailing_comma_inside_the_quote() -> None:
    assert locate_quote(REED_TEXT, "Phoenix mopes through it,") == (23, 47)


# verify


def test_valid_marker_without_quote_cites_the_whole_passage() -> None:
    result = verify("Scott admired the lead [1].", SOURCES)
    assert result.answer == "Scott admired the lead [1]."
    assert result.problems == []
    assert result.citations == [
        Citation(
            n=1,
            review_id="r-scott",
            film="Her (2013)",
            critic="A. O. Scott",
            publication="The New York Times",
            date="2013-12-17",
            sentiment="positive",
            quote=SCOTT_TEXT[53:110],
            span=(53, 110),
            verified=True,
        )
    ]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Critics were split [9].", "Critics were split."),
        ("Critics [9] were split [2].", "Critics were split [2]."),
        ("[9] Critics were split.", "Critics were split."),
        ("One said so [1, 9].", "One said so [1]."),
        ("One said so [9][1].", "One said so [1]."),
        ("One said so ([9]).", "One said so."),
        ("Line one [9]\nLine two [2]", "Line one\nLine two [2]"),
    ],
)
def test_marker_to_a_missing_source_is_removed_and_reported(answer: str, expected: str) -> None:
    result = verify(answer, SOURCES)
    assert result.answer == expected
    assert result.problems == ["removed citation [9]: there is no source 9"]


def test_each_missing_number_is_reported_once() -> None:
    result = verify("A [7]. B [9]. C [7].", SOURCES)
    assert result.answer == "A. B. C."
    assert result.problems == [
        "removed citation [7]: there is no source 7",
        "removed citation [9]: there is no source 9",
    ]
    assert result.citations == []


def test_verbatim_quote_is_verified_with_its_exact_span() -> None:
    result = verify('Reed called it "A cold, precious bore." [2]', SOURCES)
    [citation] = result.citations
    start, end = citation.span
    assert (start, end) == (0, 22)
    assert REED.text[start:end] == citation.quote == "A cold, precious bore."
    assert citation.verified is True
    assert citation.review_id == "r-reed"
    assert citation.critic == "Rex Reed"
    assert citation.sentiment == "negative"
    assert result.problems == []


def test_quote_with_other_quote_marks_and_white_space_is_verified() -> None:
    answer = "Scott: “It's a film  you won't forget.” [1]"
    result = verify(answer, SOURCES)
    assert cited(result) == [(1, (138, 167), "It’s a film you won’t forget.", True)]
    assert SCOTT_TEXT[138:167] == "It’s a film you won’t forget."


def test_quote_spanning_a_line_break_in_the_review_is_verified() -> None:
    result = verify('He writes "rare delicacy.” The ending" [1].', SOURCES)
    assert cited(result) == [(1, (95, 121), "rare delicacy.”\nThe ending", True)]


def test_invented_quote_is_flagged_unverified() -> None:
    result = verify('Reed calls it "a triumph of style" [2].', SOURCES)
    assert cited(result) == [(2, (0, 66), "a triumph of style", False)]
    assert result.problems == ['unverified quote for [2]: "a triumph of style"']
    assert result.answer == 'Reed calls it "a triumph of style" [2].'


def test_ellipsis_quote_is_verified_and_spans_the_elided_text() -> None:
    result = verify('Reed: "A cold ... bore. Phoenix mopes" [2]', SOURCES)
    assert cited(result) == [(2, (0, 36), "A cold, precious bore. Phoenix mopes", True)]


def test_each_marker_gets_the_quotes_before_it_in_its_sentence() -> None:
    answer = (
        'Scott found "a tender film" [1], while Reed saw "A cold, precious bore" [2]. '
        "Both noted the ending [1][2]."
    )
    result = verify(answer, SOURCES)
    assert cited(result) == [
        (1, (21, 34), "a tender film", True),
        (1, (53, 110), SCOTT_TEXT[53:110], True),
        (2, (0, 21), "A cold, precious bore", True),
        (2, (0, 66), REED_TEXT, True),
    ]
    assert result.problems == []


def test_a_quote_is_looked_up_in_each_source_of_a_marker_group() -> None:
    result = verify('Both say "The ending" drags [1, 2].', SOURCES)
    assert cited(result) == [(1, (111, 121), "The ending", True), (2, (49, 59), "The ending", True)]
    only_reed = verify('One calls it "precious" [1][2].', SOURCES)
    assert cited(only_reed) == [
        (1, (53, 110), SCOTT_TEXT[53:110], True),
        (2, (8, 16), "precious", True),
    ]
    assert only_reed.problems == []


def test_quote_right_after_a_marker_is_attributed_to_it() -> None:
    result = verify('As Reed put it [2]: "Phoenix mopes through it."', SOURCES)
    assert cited(result) == [(2, (23, 48), "Phoenix mopes through it.", True)]


def test_quote_in_another_sentence_is_not_attributed() -> None:
    result = verify('Reed disliked it [2]. "A triumph," said someone else.', SOURCES)
    assert cited(result) == [(2, (0, 66), REED_TEXT, True)]
    assert result.problems == []


def test_initials_in_an_attribution_do_not_end_the_sentence() -> None:
    answer = '- "Joaquin Phoenix gives a performance" — A. O. Scott, The New York Times [1]'
    result = verify(answer, SOURCES)
    assert cited(result) == [(1, (53, 90), "Joaquin Phoenix gives a   performance", True)]


def test_apostrophes_are_not_quotes_but_single_quoted_phrases_are() -> None:
    plain = verify("Scott's review doesn't fault the critics' darling [1].", SOURCES)
    assert cited(plain) == [(1, (53, 110), SCOTT_TEXT[53:110], True)]
    single = verify("Reed: 'Phoenix mopes through it' [2].", SOURCES)
    assert cited(single) == [(2, (23, 47), "Phoenix mopes through it", True)]


def test_nested_straight_quotes_stay_one_quote() -> None:
    result = verify('Scott: "a performance of "rare delicacy."" [1]', SOURCES)
    assert cited(result) == [(1, (75, 110), "a   performance of “rare delicacy.”", True)]


def test_same_quote_twice_gives_one_citation_and_doubt_outranks_the_passage() -> None:
    same = verify('"The ending drags." [2] Again: "The ending drags." [2]', SOURCES)
    assert cited(same) == [(2, (49, 66), "The ending drags.", True)]
    mixed = verify('Reed hated it [2]. He wrote "a waste" [2].', SOURCES)
    assert cited(mixed) == [(2, (0, 66), "a waste", False)]
    assert mixed.problems == ['unverified quote for [2]: "a waste"']


def test_citations_are_ordered_by_number_then_span() -> None:
    result = verify('"The ending drags." [2] "A cold" [2] "a tender film" [1]', SOURCES)
    assert [(c.n, c.span) for c in result.citations] == [(1, (21, 34)), (2, (0, 6)), (2, (49, 66))]


def test_no_markers_no_citations() -> None:
    result = verify("Critics were divided.", SOURCES)
    assert result == Verified(answer="Critics were divided.", citations=[], problems=[])


def test_locate_quote_does_not_cut_words() -> None:
    assert locate_quote("Boredom sets in; a bore.", "bore") == (19, 23)
    assert locate_quote("Boredom sets in.", "ore") is None
    assert locate_quote("A heart of art.", "art") == (11, 14)


def test_attribution_after_a_quote_is_not_a_quote() -> None:
    review = Review(
        id="m",
        film="Onward (2020)",
        text="A road movie with heart.",
        critic="David 'Mad Dog' Bradley",
    )
    source = Source(1, review, review.text, 0, len(review.text))
    checked = verify(
        """- "A road movie with heart." — David 'Mad Dog' Bradley, Outlet [1]""", [source]
    )
    assert checked.problems == []
    assert [(c.quote, c.verified) for c in checked.citations] == [
        ("A road movie with heart.", True)
    ]


# the product's own finding that opens an answer


def test_words_the_finding_quotes_are_the_thing_asked_about_not_a_review() -> None:
    finding = '2 reviews say "finale" or a word near it: 1 positive [1], 1 negative [2].'
    quotes = '- "Joaquin Phoenix gives a" — A. O. Scott [1]\n- "The ending drags." [2]'
    answer = f"{finding}\n\n{quotes}"
    result = verify(answer, SOURCES, finding)
    assert result.problems == []
    assert cited(result) == [
        (1, (53, 76), "Joaquin Phoenix gives a", True),
        (2, (49, 66), "The ending drags.", True),
    ]
    # read as anyone's answer, the finding's "finale" is a quote review 1 lacks
    assert verify(answer, SOURCES).problems == ['unverified quote for [1]: "finale"']


def test_a_source_the_finding_alone_cites_is_cited_by_its_passage() -> None:
    finding = "2 of the 2 reviews speak of the ending: 1 positive [1], 1 negative [2]."
    result = verify(f'{finding}\n\n- "A cold, precious bore." [2]', SOURCES, finding)
    assert cited(result) == [
        (1, (53, 110), SCOTT_TEXT[53:110], True),
        (2, (0, 22), "A cold, precious bore.", True),
    ]


def test_a_finding_the_answer_does_not_open_with_is_read_as_the_answer() -> None:
    answer = 'Critics called it "a tender film" [1].'
    result = verify(answer, SOURCES, 'The ending [1] "a tender film".')
    assert cited(result) == [(1, (21, 34), "a tender film", True)]
