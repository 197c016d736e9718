"""ExtractiveEngine: verbatim, relevant, attributed quotes grouped by stance; they all verify."""

from __future__ import annotations

import time

import pytest

from assistant.citations import verify
from assistant.engines.base import AnswerRequest
from assistant.engines.extractive import ExtractiveEngine, content_words, pick_quote
from assistant.result import Source
from index.records import Review, Sentiment

LONG = (
    "Spike Jonze has made a film about loneliness in a city of soft colours. "
    "The production design imagines a near future that feels lived in. "
    "Joaquin Phoenix is extraordinary as Theodore, a writer of other people's letters. "
    "Her is the best film of the year."
)


def review(
    rid: str,
    text: str,
    critic: str = "",
    publication: str = "",
    date: str = "",
    sentiment: Sentiment = "unknown",
    film: str = "Her (2013)",
) -> Review:
    return Review(
        id=rid,
        film=film,
        text=text,
        critic=critic,
        publication=publication,
        date=date,
        sentiment=sentiment,
    )


def whole(n: int, r: Review) -> Source:
    return Source(n=n, review=r, text=r.text, start=0, end=len(r.text))


SCOTT = review("s", LONG, "A. O. Scott", "The New York Times", "2013-12-17", "positive")
REED = review(
    "r", "A cold, precious bore. Phoenix mopes.", "Rex Reed", "New York Observer", "", "negative"
)
DOE = review(
    "d", 'She calls it "a masterpiece" and I cannot agree.', "", "Daily Planet", "", "negative"
)
ANON = review("a", "Nobody is quite sure what to make of it.")
SOURCES = [whole(1, SCOTT), whole(2, REED), whole(3, DOE), whole(4, ANON)]
COVERAGE = "Based on 4 of 25 reviews of Her (2013)."
QUESTION = "What do critics say about Phoenix in Her?"


def answer(request: AnswerRequest) -> str:
    return "".join(ExtractiveEngine().stream(request))


def test_is_always_available() -> None:
    engine = ExtractiveEngine()
    assert engine.name == "extractive"
    assert engine.check() is None


def test_answer_groups_quotes_by_stance_with_attribution() -> None:
    text = answer(AnswerRequest(QUESTION, SOURCES, coverage_line=COVERAGE))
    assert text == (
        "What critics say about Phoenix in Her (2013):\n"
        "\n"
        "**Positive** (1)\n"
        '- "Joaquin Phoenix is extraordinary as Theodore, a writer of other people\'s letters."'
        " — A. O. Scott, The New York Times (2013-12-17) [1]\n"
        "\n"
        "**Negative** (2)\n"
        '- "A cold, precious bore. Phoenix mopes." — Rex Reed, New York Observer [2]\n'
        '- "She calls it “a masterpiece” and I cannot agree." — Daily Planet [3]\n'
        "\n"
        "**Unrated** (1)\n"
        '- "Nobody is quite sure what to make of it." — a critic [4]\n'
        "\n"
        "Based on 4 of 25 reviews of Her (2013)."
    )


def test_stance_opens_with_who_and_puts_that_group_first() -> None:
    text = answer(AnswerRequest("Who disliked Her?", SOURCES, stance="negative"))
    lines = text.split("\n")
    assert lines[:5] == [
        "Critics who disliked Her (2013), among the reviews that speak to the question: "
        "Rex Reed and Daily Planet.",
        "",
        "**Negative** (2)",
        '- "A cold, precious bore. Phoenix mopes." — Rex Reed, New York Observer [2]',
        '- "She calls it “a masterpiece” and I cannot agree." — Daily Planet [3]',
    ]
    assert [line for line in lines if line.startswith("**")] == [
        "**Negative** (2)",
        "**Positive** (1)",
        "**Unrated** (1)",
    ]


def test_stance_with_no_matching_review_says_so() -> None:
    text = answer(AnswerRequest("Who liked it?", [whole(2, REED)], stance="positive"))
    assert text.split("\n")[0] == "None of the reviews found for this question liked Her (2013)."
    one = answer(AnswerRequest("Who liked it?", [whole(1, SCOTT)], stance="positive"))
    assert (
        one.split("\n")[0]
        == "Critics who liked Her (2013), among the reviews that speak to the question: "
        "A. O. Scott."
    )


def test_without_known_sentiment_there_are_no_headings() -> None:
    other = review("b", "A quiet film. It lingers.", critic="Jo Bloggs")
    text = answer(AnswerRequest("Is it good?", [whole(1, ANON), whole(2, other)]))
    assert text == (
        "From 2 reviews of Her (2013):\n"
        "\n"
        '- "Nobody is quite sure what to make of it." — a critic [1]\n'
        '- "A quiet film. It lingers." — Jo Bloggs [2]'
    )


def test_lead_without_a_single_film_is_neutral() -> None:
    gravity = review("g", "Dazzling effects.", "Jo Bloggs", film="Gravity (2013)")
    text = answer(AnswerRequest("Any good?", [whole(1, ANON), whole(2, gravity)]))
    assert text.split("\n")[0] == "From 2 reviews:"
    # quotes of several films each say whose review they are (was: no film on the line)
    assert text.split("\n")[2:] == [
        '- "Nobody is quite sure what to make of it." — a critic, review of Her (2013) [1]',
        '- "Dazzling effects." — Jo Bloggs, review of Gravity (2013) [2]',
    ]
    checked = verify(text, [whole(1, ANON), whole(2, gravity)])
    assert checked.problems == [] and [c.verified for c in checked.citations] == [True, True]


@pytest.mark.parametrize(
    ("question", "stance"),
    [
        (QUESTION, None),
        ("Who disliked Her?", "negative"),
        ("Who liked Her?", "positive"),
        ("What about the production design?", None),
    ],
)
def test_every_quote_verifies_and_every_source_is_cited(question: str, stance: str | None) -> None:
    text = answer(AnswerRequest(question, SOURCES, coverage_line=COVERAGE, stance=stance))
    result = verify(text, SOURCES)
    assert result.problems == []
    assert result.answer == text
    assert [c.n for c in result.citations] == [1, 2, 3, 4]
    assert all(c.verified for c in result.citations)
    for citation in result.citations:
        source = SOURCES[citation.n - 1]
        start, end = citation.span
        assert source.review.text[start:end] == citation.quote
        assert f'"{citation.quote}"' in text or citation.n == 3  # [3] shows its inner quotes curly


def test_the_most_relevant_sentence_is_quoted() -> None:
    source = whole(1, SCOTT)
    assert pick_quote(source, "What do critics say about Phoenix?") == (
        "Joaquin Phoenix is extraordinary as Theodore, a writer of other people's letters."
    )
    assert pick_quote(source, "How is the production design?") == (
        "The production design imagines a near future that feels lived in."
    )


def test_no_overlap_or_a_tie_takes_the_earliest_sentence() -> None:
    source = whole(1, SCOTT)
    assert pick_quote(source, "Is the music good?") == (
        "Spike Jonze has made a film about loneliness in a city of soft colours."
    )
    assert pick_quote(source, "Theodore or the loneliness?") == (
        "Spike Jonze has made a film about loneliness in a city of soft colours."
    )


def test_the_words_for_the_thing_asked_pick_the_sentence_about_it() -> None:
    # "the look of the film" shares no word with the sentence about the production design;
    # the words standing for the thing (as retrieval found them) do
    source = whole(1, SCOTT)
    question = "What do critics say about the look of the film?"
    assert pick_quote(source, question).startswith("Spike Jonze")  # no word shared: the first
    assert pick_quote(source, question, frozenset({"design", "production"})) == (
        "The production design imagines a near future that feels lived in."
    )


def test_a_relevant_next_sentence_is_quoted_too() -> None:
    assert pick_quote(whole(1, SCOTT), "Theodore or the future?") == (
        "The production design imagines a near future that feels lived in. "
        "Joaquin Phoenix is extraordinary as Theodore, a writer of other people's letters."
    )


def test_words_of_the_film_title_do_not_count() -> None:
    text = (
        "Gravity is a thrill from start to finish, and Gravity never lets go. "
        "The visual effects are the finest in years, a real achievement for the crew."
        " Sandra Bullock carries the whole thing on her shoulders for ninety minutes straight."
    )
    source = whole(1, review("g", text, film="Gravity (2013)"))
    assert pick_quote(source, "What about the effects in Gravity?") == (
        "The visual effects are the finest in years, a real achievement for the crew."
    )


def test_a_short_best_sentence_takes_its_neighbour() -> None:
    text = (
        "The plot wanders for most of its length, like a man looking for his keys in the dark. "
        "Phoenix is superb. His scenes with the voice of Samantha are funny and sad at once. "
        "The last act is weaker than the rest and goes on for a good while too long."
    )
    source = whole(1, review("p", text))
    assert pick_quote(source, "Phoenix?") == (
        "Phoenix is superb. His scenes with the voice of Samantha are funny and sad at once."
    )


def test_a_short_source_is_quoted_whole_and_a_long_sentence_is_clipped() -> None:
    assert pick_quote(whole(1, REED), "Anything about the music?") == REED.text
    long_text = "word " * 100 + "end."
    quote = pick_quote(whole(1, review("l", long_text)), "words?")
    assert quote == "word " * 69 + "word …"
    assert len(quote) == 351


def test_clipped_quote_still_verifies() -> None:
    long_review = review("l", "word " * 100 + "end.", critic="Jo Bloggs")
    sources = [whole(1, long_review)]
    result = verify(answer(AnswerRequest("Words?", sources)), sources)
    assert result.problems == []
    assert [(c.span, c.verified) for c in result.citations] == [((0, 349), True)]


def test_content_words_drop_stop_words_and_stem() -> None:
    assert content_words("What do the critics say about Phoenix's performances?") == {
        "phoenix",
        "performance",
    }
    assert content_words("Movies, films, reviewers and the glass") == {"glass"}


def test_no_sources_but_a_finding_states_the_finding() -> None:
    lead = "None of the 168 reviews of Toy Story 2 (1999) is negative; 168 positive."
    text = answer(AnswerRequest(QUESTION, [], coverage_line="Based on 0 reviews.", lead=lead))
    assert text == f"{lead}\n\nBased on 0 reviews."


def test_no_sources_says_so() -> None:
    text = answer(AnswerRequest(QUESTION, [], coverage_line="Based on 0 reviews."))
    assert text == "No review in the index speaks to this question.\n\nBased on 0 reviews."
    assert answer(AnswerRequest(QUESTION, [])) == (
        "No review in the index speaks to this question."
    )


def test_streams_line_by_line_and_is_deterministic() -> None:
    request = AnswerRequest(QUESTION, SOURCES, coverage_line=COVERAGE)
    pieces = list(ExtractiveEngine().stream(request))
    assert pieces == list(ExtractiveEngine().stream(request))
    assert len(pieces) == 13
    assert all(piece.endswith("\n") for piece in pieces[:-1])
    assert pieces[-1] == COVERAGE


def test_is_fast() -> None:
    sources = [whole(n, SCOTT) for n in range(1, 9)]
    request = AnswerRequest(QUESTION, sources, coverage_line=COVERAGE)
    best = float("inf")
    for _ in range(20):
        started = time.perf_counter()
        answer(request)
        best = min(best, time.perf_counter() - started)
    assert best < 0.002
