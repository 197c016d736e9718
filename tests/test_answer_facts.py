"""Answers a journalist can print: every number an answer states is the catalog's, overviews
show both sides, films the index lacks are said to be missing, and follow-ups without a film
ask which one. The failing answers of the issue are the cases here.

The index is written by the test: films with known splits (Fargo 17 positive of 20, 8MM 18
negative of 20, like the RT CS109 data) and an Inside Out whose reviews name Sadness. A second
module test runs the same checks over the real CS109 rows of those films (marker `shared`).
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path
from string import ascii_uppercase

import pytest

from assistant.chat import ChatSession
from assistant.engines.base import Turn
from assistant.findings import MAX_NAMES, Finding, lead
from assistant.overlap import shared_side
from assistant.result import Result
from assistant.scope import ScopeFacts
from assistant.service import Assistant
from index.filters import Filters
from index.ingest import ingest
from index.settings import Settings
from tests.conftest import needs_shared
from tests.support.results import unmarked
from tests.support.reviews import answers, write_quotes

FILMS = {  # title: (positive, negative)
    "Fargo (1996)": (17, 3),
    "8MM (1999)": (2, 18),
    "Raging Bull (1980)": (10, 1),
    "Ronin (1998)": (6, 3),
}
INSIDE_OUT = "Inside Out (2015)"
SADNESS = [
    ("Ann Voice", "positive", "Joy and Sadness learn that every feeling has its place."),
    ("Ben Word", "positive", "The friendship of Joy and Sadness gives the film its heart."),
    ("Cy Note", "negative", "Watching Sadness mope gets tiresome long before the end."),
    ("Di Line", "positive", "Sadness is the film's quiet hero, and Riley's parents too."),
    ("Ed Page", "positive", "Pixar's best idea in years: a girl's mind as a control room."),
    ("Flo Text", "positive", "Sadness, of all things, saves the day."),
]


def rows() -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for film, (positive, negative) in FILMS.items():
        short = film.split(" (")[0]
        for i in range(positive + negative):
            stance = "fresh" if i < positive else "rotten"
            mood = "a triumph, sharp and funny" if stance == "fresh" else "a misfire, dull"
            out.append(
                {
                    "film": film,
                    "critic": f"{short} Critic {ascii_uppercase[i]}",
                    "publication": f"Outlet {ascii_uppercase[i % 7]}",
                    "date": f"2001-0{1 + i % 9}-1{i % 10}",
                    "fresh": stance,
                    "quote": f"{short} is {mood}, says critic {ascii_uppercase[i]}.",
                }
            )
    for critic, stance, text in SADNESS:
        out.append(
            {
                "film": INSIDE_OUT,
                "critic": critic,
                "publication": "Weekly",
                "date": "2015-06-19",
                "fresh": "fresh" if stance == "positive" else "rotten",
                "quote": text,
            }
        )
    return out


@pytest.fixture(scope="module")
def films(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    folder = tmp_path_factory.mktemp("facts")
    path = folder / "reviews.csv"
    data = rows()
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(data[0]))
        writer.writeheader()
        writer.writerows(data)
    settings = Settings(home=folder / "home", engine="extractive")
    assert ingest([path], settings).added == len(data)
    return Assistant(settings)


# -- every number is the catalog's -------------------------------------------------------
_QUOTED = re.compile(r'"[^"]*"|“[^”]*”')
_MARKER = re.compile(r"\[\d+\]")
_NUMBER = re.compile(r"(?<![\w.])(\d+)(%?)(?![\w.])")


def stated_numbers(result: Result) -> list[str]:
    """The numbers an answer states in its own words: not inside quotes, citation markers,
    film titles (8MM, the year), or dates."""
    text = _MARKER.sub("", _QUOTED.sub("", result.answer))
    for citation in result.citations:
        text = text.replace(citation.film, "").replace(citation.critic, "")
    for film in (*FILMS, INSIDE_OUT):
        text = text.replace(film, "")
    text = re.sub(r"\d{4}-\d{2}-\d{2}", "", text)
    return [n + pct for n, pct in _NUMBER.findall(text)]


def allowed_numbers(film: str, result: Result) -> set[str]:
    """What may be said of `film`: its counts and shares (from the test's own data), the
    critics left out of a list of 12 names ("and 5 others"), and how many quotes the answer
    shows (overall and per stance)."""
    positive, negative = FILMS[film]
    total = positive + negative
    shown = Counter(c.sentiment for c in result.citations)
    others = {n - MAX_NAMES for n in (positive, negative) if n > MAX_NAMES}
    numbers = {total, positive, negative, len(result.citations), *shown.values(), *others}
    return {str(n) for n in numbers} | {
        f"{round(100 * positive / total)}%",
        f"{round(100 * negative / total)}%",
    }


@pytest.mark.parametrize(
    ("question", "film"),
    [
        ("How many critics liked Fargo?", "Fargo (1996)"),
        ("What percentage of critics liked Fargo?", "Fargo (1996)"),
        ("What did critics think of Fargo?", "Fargo (1996)"),
        ("Who disliked 8MM?", "8MM (1999)"),
        ("Who liked 8MM?", "8MM (1999)"),
        ("How many critics disliked Raging Bull?", "Raging Bull (1980)"),
        ("Was Ronin well received?", "Ronin (1998)"),
        ("What did critics think of Ronin?", "Ronin (1998)"),
    ],
)
def test_every_number_in_an_answer_is_a_catalog_fact(
    films: Assistant, question: str, film: str
) -> None:
    result = films.ask(question)
    numbers = stated_numbers(result)
    assert numbers, result.answer
    assert set(numbers) <= allowed_numbers(film, result), result.answer
    assert result.coverage.film_reviews == sum(FILMS[film])
    assert (result.coverage.positive, result.coverage.negative) == FILMS[film]


def test_counts_are_the_films_not_the_retrievals(films: Assistant) -> None:
    """Was: "8 critics liked Fargo" (17 of 20 did); "8 critics disliked 8MM" (18 of 20)."""
    liked = films.ask("How many critics liked Fargo?")
    assert liked.answer.startswith("85% of the reviews of Fargo (1996) are positive: 17 of 20;")
    assert "Quoted below: 8 of the 17." in liked.lead
    disliked = films.ask("Who disliked 8MM?")
    assert disliked.lead.startswith("18 of 20 reviews of 8MM (1999) are negative (90%); 2 positive")
    assert {c.sentiment for c in disliked.citations} == {"negative"}
    share = films.ask("What percentage of critics liked Fargo?")
    assert share.lead.startswith("85% of the reviews of Fargo (1996) are positive")
    assert "3 critics" not in share.answer


def test_an_overview_leads_with_the_split_and_shows_both_sides(films: Assistant) -> None:
    """Was: 8 positive quotes of Fargo, none of its 3 negative ones, no split."""
    result = films.ask("What did critics think of Fargo?")
    assert result.lead.startswith("Of 20 reviews of Fargo (1996), 17 are positive (85%)")
    stances = Counter(c.sentiment for c in result.citations)
    assert stances["negative"] >= 1 and stances["positive"] > stances["negative"]
    assert sum(stances.values()) == 8
    assert f"Quoted below: {stances['positive']} positive and {stances['negative']} negative." in (
        result.lead
    )
    assert [c.n for c in result.citations] == list(range(1, 9))  # reading order
    assert result.answer.index("[1]") < result.answer.index("[2]") < result.answer.index("[8]")


def test_a_name_asked_about_is_counted_in_its_scope_or_the_whole_index(
    films: Assistant,
) -> None:
    """Was: "How many reviews of Inside Out mention Sadness?" answered with the film's split,
    and "How many reviews mention Sadness?" with "From 5 reviews:" and no count."""
    naming = {critic: stance for critic, stance, text in SADNESS if "Sadness" in text}
    positive = sum(stance == "positive" for stance in naming.values())
    negative = len(naming) - positive
    scoped = films.ask("How many reviews of Inside Out mention Sadness?")
    assert unmarked(scoped.lead).startswith(
        f"{len(naming)} ({round(100 * len(naming) / len(SADNESS))}%) of the {len(SADNESS)} "
        f"reviews of {INSIDE_OUT} name Sadness: "
        f"{positive} positive ({round(100 * positive / len(naming))}%), "
    ), scoped.lead
    assert {c.critic for c in scoped.citations} == set(naming)
    total = sum(map(sum, FILMS.values())) + len(SADNESS)
    whole = films.ask("How many reviews mention Sadness?")
    assert unmarked(whole.lead).startswith(
        f"{len(naming)} ({round(100 * len(naming) / total)}%) of the {total} reviews in the "
        f"index name Sadness: {positive} positive"
    ), whole.lead
    assert f"{negative} negative" in whole.lead
    # a name no review in scope writes: said, and nothing "near in meaning" quoted for it
    nobody = films.ask("What do critics say about Tom Hanks in Fargo?")
    assert nobody.lead == "None of the 20 reviews of Fargo (1996) names Tom Hanks."
    assert nobody.citations == []
    # asked about more than the names: the passages nearest the question, said to be so (a
    # SubjQA question about "the interaction between Jeff and Barbra" lost its answer)
    more = films.ask("Who wrote the scene between Jeff and Barbra in Fargo?")
    assert more.lead.startswith(
        "None of the 20 reviews of Fargo (1996) names Jeff or Barbra; the passages nearest it "
        "in meaning follow"
    ), more.lead
    assert more.citations


def test_top_critics_in_a_question_are_the_top_critic_filter(tmp_path: Path) -> None:
    """Was: "Who are the top critics that disliked X?" read "the top" as the thing asked."""
    path = tmp_path / "top.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["film", "critic", "fresh", "top_critic", "quote"])
        for i, (fresh, top) in enumerate([("rotten", "true"), ("rotten", "false")] * 2):
            writer.writerow(["Fargo (1996)", f"Critic {i}", fresh, top, f"A misfire, says {i}."])
        writer.writerow(["Fargo (1996)", "Critic 9", "fresh", "true", "A triumph."])
    (result,) = answers(tmp_path / "home", [path], "Who are the top critics that disliked Fargo?")
    assert result.filters["top_critics"] in ("yes", "True", "true"), result.filters
    assert result.lead.startswith("2 of 3 reviews of Fargo (1996) by top critics are negative")
    assert {c.critic for c in result.citations} == {"Critic 0", "Critic 2"}


def test_which_film_critics_liked_best_is_the_catalogs_ranking(films: Assistant) -> None:
    """Was: "Which film did critics like least?" counted reviews saying "least"."""
    best = films.ask("Which film did critics like best?")
    ranked = [f for f in FILMS if sum(FILMS[f]) >= 10]  # Ronin's 9 reviews are too few
    assert best.lead.startswith(
        f"Of the {len(ranked)} films in the index with at least 10 reviews (5 have labels), "
        "critics liked Raging Bull (1980) best: 91% of its 11 reviews are positive."
    ), best.lead
    assert {c.film for c in best.citations} == {"Raging Bull (1980)"}
    assert {c.sentiment for c in best.citations} == {"positive"}
    worst = films.ask("Which film did critics like least?")
    assert "critics liked 8MM (1999) least: 10% of its 20 reviews are positive." in worst.lead
    assert {c.film for c in worst.citations} == {"8MM (1999)"}
    assert {c.sentiment for c in worst.citations} == {"negative"}
    said = films.ask("Which triumph film did critics like best?")  # films whose reviews say it
    assert said.lead.startswith('Of the 3 films whose reviews say "triumph" with at least 10'), (
        said.lead
    )
    named = films.ask("Which Sadness film did critics like best?")  # films naming Sadness
    assert named.lead.startswith(f"{INSIDE_OUT} is the one film whose reviews name Sadness")
    # a thing: ranked by the reviews that speak of it, never by all of a film's reviews
    thing = films.ask("Which film has the best jokes?")
    assert "critics liked" not in thing.lead, thing.lead
    # in a chat about one film, the ranking is still across the films; "it" is then the first
    session = ChatSession()
    films.ask("What did critics think of Ronin?", session=session)
    ranked = films.ask("Which film did critics like least?", session=session)
    assert "critics liked 8MM (1999) least" in ranked.lead, ranked.lead
    follow = films.ask("Who liked it?", session=session)
    assert follow.lead.startswith("2 of 20 reviews of 8MM (1999) are positive"), follow.lead


@pytest.mark.parametrize(
    "question",
    [
        "Is Fargo worth watching?",
        "Was Fargo a hit with critics?",
        "Summarize the reviews of Fargo",
        "Would critics recommend Fargo?",
        "How did critics react to Fargo?",
        "What was the critical reaction to Fargo?",  # "critical" here is no blame
        "Give me quotes about Fargo",
    ],
)
def test_a_question_about_reception_in_other_words_gets_the_split(
    films: Assistant, question: str
) -> None:
    """Was: "Is Soul worth watching?" counted the reviews saying "worth" or "watching"."""
    result = films.ask(question)
    assert result.lead.startswith("Of 20 reviews of Fargo (1996), 17 are positive (85%)"), (
        result.lead
    )


@pytest.mark.parametrize(
    "question",
    [
        "Who gave Fargo a negative review?",
        "Which critics gave Fargo a rotten review?",
        "Who wasn't a fan of Fargo?",
        "Who gave Fargo a bad review?",
        "Which critics thought Fargo was bad?",
        "Name the critics who disliked Fargo",
        "Who was not impressed by Fargo?",
        "Who liked Fargo the least?",  # was: "speaks of the least"
        "Which critic liked Fargo least?",
        "Which critics were least impressed by Fargo?",
    ],
)
def test_who_disliked_asked_in_other_words_names_the_negative_side(
    films: Assistant, question: str
) -> None:
    """Was: "gave", "bad", "name" read as things; "wasn't a fan" read as liking; "liked
    Fargo the least" counted the reviews saying "least"."""
    result = films.ask(question)
    assert result.lead.startswith("3 of 20 reviews of Fargo (1996) are negative (15%)"), result.lead
    assert {c.sentiment for c in result.citations} == {"negative"}


def test_which_critics_or_outlets_reviewed_a_film_names_them(films: Assistant) -> None:
    """Was: "Which critics reviewed Fargo?" counted the reviews saying "reviewed"."""
    critics = films.ask("Which critics reviewed Ronin?")
    named = ", ".join(f"Ronin Critic {c}" for c in "ABCDEFGH") + " and Ronin Critic I"
    assert critics.lead.startswith(
        f"Of 9 reviews of Ronin (1998), 6 are positive (67%) and 3 negative. Critics: {named}."
    ), critics.lead
    outlets = films.ask("Which outlets reviewed Ronin?")
    assert "Outlets: Outlet " in outlets.lead and "Critics:" not in outlets.lead, outlets.lead
    assert "Critics:" not in films.ask("What did critics think of Ronin?").lead  # none asked
    # was: "Which outlets panned Ronin?" named the critics
    panned = films.ask("Which outlets panned Ronin?")
    assert "Outlets that disliked it: Outlet " in panned.lead, panned.lead
    assert "Critic" not in panned.lead and {c.sentiment for c in panned.citations} == {"negative"}


def test_a_critic_question_says_what_the_critic_wrote(films: Assistant) -> None:
    """Was: "What critics say about Fargo (1996):" over the critic's one review."""
    one = films.ask("What did Fargo Critic A think of Fargo?")
    assert one.lead == (
        "The index holds one review of Fargo (1996) by Fargo Critic A, labelled positive. "
        "Quoted below."
    )
    assert [c.critic for c in one.citations] == ["Fargo Critic A"]


def test_a_side_holding_every_review_is_said_so() -> None:
    """Was: "19 of 19 reviews of Toy Story are positive (100%); 0 negative."."""
    every = ScopeFacts(19, 19, 0)
    found = lead(Finding("reviews of Toy Story", every, "positive", False, {"positive": 8}, []))
    assert found.startswith("All 19 reviews of Toy Story are positive. Quoted below: 8 of the 19.")
    assert lead(Finding("reviews of Toy Story", every, "negative", False, {}, [])) == (
        "None of the 19 reviews of Toy Story is negative; 19 positive."
    )
    one = ScopeFacts(1, 1, 0)
    assert lead(
        Finding(
            "reviews of Fargo in Time Out",
            one,
            "positive",
            False,
            {"positive": 1},
            ["Geoff Andrew"],
        )
    ) == (
        "The index holds one review of Fargo in Time Out, labelled positive. Critic who liked "
        "it: Geoff Andrew. Quoted below."
    )  # was "1 of 1 reviews of Fargo in Time Out is positive (100%); 0 negative."
    assert lead(Finding("reviews of Fargo in Time Out", one, "negative", False, {}, [])) == (
        "The index holds one review of Fargo in Time Out, labelled positive."
    )
    overview = lead(Finding("reviews of Toy Story", every, None, False, {"positive": 8}))
    assert overview == "All 19 reviews of Toy Story are positive. Quoted below: 8 positive."


@pytest.mark.parametrize(
    ("question", "start"),
    [
        ("Who were the dissenters on 8MM?", "2 of 20 reviews of 8MM (1999) are positive (10%)"),
        (
            "Which critics disagreed with the consensus on Fargo?",
            "3 of 20 reviews of Fargo (1996) are negative (15%)",
        ),
        (
            "Which critics went against the grain on 8MM?",
            "2 of 20 reviews of 8MM (1999) are positive (10%)",
        ),
    ],
)
def test_dissent_is_the_smaller_side_whichever_it_is(
    films: Assistant, question: str, start: str
) -> None:
    """Was: "dissent" always read as disliking, so 8MM's dissenters (the 2 who liked a film
    18 of 20 panned) were its 18 detractors; "disagreed with the consensus" was a thing."""
    result = films.ask(question)
    assert result.lead.startswith(start), result.lead
    side = "positive" if "positive" in start else "negative"
    assert result.citations and {c.sentiment for c in result.citations} == {side}


def test_critics_on_one_side_of_both_films_are_the_catalogs(tmp_path: Path) -> None:
    """Was: "Which critics liked both Fargo and Ronin?" gave each film's split, no answer."""
    fargo = [("Ann Both", "fresh", "Fargo is sharp."), ("Bo Split", "fresh", "Fargo works.")]
    ronin = [("Ann Both", "fresh", "Ronin races."), ("Bo Split", "rotten", "Ronin stalls.")]
    ronin.append(("Cy Once", "fresh", "Ronin is fun."))  # reviewed one of them only
    paths = [
        write_quotes(tmp_path / "f.csv", fargo, "Fargo (1996)"),
        write_quotes(tmp_path / "r.csv", ronin, "Ronin (1998)"),
    ]
    liked, disliked, reviewed, said, counted = answers(
        tmp_path / "home",
        paths,
        "Which critics liked both Fargo and Ronin?",
        "Which critics disliked both Fargo and Ronin?",
        "Which critics reviewed both Fargo and Ronin?",
        "What did critics say about both Fargo and Ronin?",
        "How many critics reviewed both Fargo and Ronin?",
    )
    assert liked.lead == (
        "1 of the 2 critics who reviewed both Fargo (1996) and Ronin (1998) liked both: Ann Both."
    )
    assert {(c.critic, c.film) for c in liked.citations} == {
        ("Ann Both", "Fargo (1996)"),
        ("Ann Both", "Ronin (1998)"),
    }
    assert disliked.lead == (
        "None of the 2 critics who reviewed both Fargo (1996) and Ronin (1998) disliked both."
    )
    assert disliked.citations == []
    # was: each film's split, not who reviewed both
    assert reviewed.lead == (
        "2 critics reviewed both Fargo (1996) and Ronin (1998): Ann Both and Bo Split."
    )
    assert {c.critic for c in reviewed.citations} == {"Ann Both", "Bo Split"}
    assert {c.film for c in reviewed.citations} == {"Fargo (1996)", "Ronin (1998)"}
    assert "Cy Once" in said.answer  # asking about the films, not who: every review counts
    # was: each film's count of reviews
    assert counted.lead == reviewed.lead, counted.lead


def test_a_list_of_names_says_how_many_it_leaves_out() -> None:
    from assistant.findings import join

    names = [f"Critic {i}" for i in range(1, 16)]
    assert join(names[:2]) == "Critic 1 and Critic 2"
    assert join(names[:3]) == "Critic 1, Critic 2 and Critic 3"
    assert join(names, most=12).endswith("Critic 12 and 3 others")
    # was "... and 1 others": the one left out takes no more room named
    assert join(names[:13], most=12).endswith("Critic 12 and Critic 13")


def test_critics_on_one_side_of_three_films() -> None:
    films = ["A (2001)", "B (2002)", "C (2003)"]
    writers = [["Ann", "Bo", "Cy"], ["Bo", "Ann"], ["Ann", "Bo"]]
    shared = shared_side(films, "negative", writers, [["Ann", "Bo"], ["Ann"], ["Ann"]])
    assert shared.lead() == (
        "1 of the 2 critics who reviewed all 3 of A (2001), B (2002) and C (2003) disliked all "
        "3: Ann."
    )
    nobody = shared_side(films, "positive", [["Ann"], ["Bo"], []], [[], [], []])
    assert (
        nobody.lead() == "No critic in the index reviewed all 3 of A (2001), B (2002) and C (2003)."
    )


def test_a_film_the_index_lacks_is_said_to_be_missing(films: Assistant) -> None:
    """Was: "What critics say about Oppenheimer:" with quotes about Raging Bull and Ronin."""
    result = films.ask("What did critics think of Oppenheimer?")
    assert result.kind == "unknown_film" and result.citations == []
    assert result.answer.startswith(
        "Nothing in the index is about Oppenheimer: no film of that title, and no review names it."
    )
    typo = films.ask("What did critics think of Fagro?")
    assert typo.kind == "unknown_film" and typo.citations == []
    assert typo.suggestions == ["Fargo (1996)"]
    assert "Did you mean Fargo (1996)?" in typo.answer


def test_a_film_after_in_or_a_sequel_the_index_lacks_is_missing(films: Assistant) -> None:
    """Was: "How is the acting in Oppenheimer?" quoted the acting in other films, and "the
    acting in Fargo 2" quoted Fargo (1996)'s reviews."""
    for question in ("How is the acting in Oppenheimer?", "Who liked the music in Chicago?"):
        result = films.ask(question)
        assert result.kind == "unknown_film" and result.citations == [], result.answer
    sequel = films.ask("How is the acting in Fargo 2?")
    assert sequel.kind == "unknown_film" and sequel.citations == []
    assert sequel.answer.startswith("The index holds no reviews of Fargo 2.")
    assert sequel.suggestions[0] == "Fargo (1996)"
    pair = films.ask("Did critics prefer Fargo or Fargo 3?")  # never half an answer
    assert pair.kind == "unknown_film" and pair.citations == []
    for question in ("Compare Fargo and Blood Simple", "Did critics prefer Fargo to Blood Simple?"):
        half = films.ask(question)  # was: "None of the 20 reviews of Fargo names Blood Simple"
        assert half.kind == "unknown_film" and half.citations == [], half.answer
        assert half.answer == (
            "The index holds no reviews of Blood Simple, so it cannot compare it with Fargo (1996)."
        )
    held = films.ask("Who liked Fargo 2?", filters=Filters(films=("Fargo (1996)",)))
    assert held.kind == "out_of_scope" and "cannot answer about Fargo 2" in held.answer
    dated = films.ask("Which critics liked Fargo in 1996?")  # a year after "in": no title
    assert dated.kind == "answer" and dated.citations


def test_a_name_several_titles_open_with_asks_which(tmp_path: Path) -> None:
    """Was: "How many critics mentioned the score in Star Wars?" quoted eight reviews of
    other films that name Star Wars, and counted nothing."""
    episodes = ["Star Wars: Episode IV - A New Hope", "Star Wars: Episode V - The Empire"]
    paths = [
        write_quotes(
            tmp_path / f"{n}.csv",
            [("Ann Critic", "fresh", f"A thrilling score for episode {n}.")],
            film,
        )
        for n, film in enumerate(episodes)
    ]
    other = [("Bo Critic", "fresh", "Better than Star Wars, and a better score too.")]
    paths.append(write_quotes(tmp_path / "other.csv", other, "Spaceballs (1987)"))
    settings = Settings(home=tmp_path / "home", engine="extractive")
    ingest(paths, settings)
    assistant = Assistant(settings)
    try:
        result = assistant.ask("How many critics mentioned the score in Star Wars?")
        assert result.kind == "needs_film" and result.citations == []
        assert result.answer.startswith(f"Star Wars names 2 films in the index: {episodes[0]}")
        assert result.suggestions == episodes
        held = assistant.ask("Did critics like Star Wars?", filters=Filters(films=(episodes[1],)))
        assert held.kind == "answer" and {c.film for c in held.citations} == {episodes[1]}
    finally:
        assistant.close()


def test_a_person_the_reviews_name_by_surname_is_no_missing_film(films: Assistant) -> None:
    """Was: "what about Scarlett Johansson's voice?" answered "No reviews of Scarlett
    Johansson's in the index" although a review says "Johansson disarms with only her voice"."""
    person = films.ask("What do critics think of Kaitlyn Riley's parents?")
    assert person.kind == "answer", person.answer
    assert [c.critic for c in person.citations] == ["Di Line"]  # "... and Riley's parents too."
    for title in ("Angry Bull", "The Dark Riley"):  # a stored title's word; an article: titles
        missing = films.ask(f"What did critics think of {title}?")
        assert missing.kind == "unknown_film" and missing.citations == [], missing.answer
    possessive = films.ask("What did critics think of Oppenheimer's score?")
    assert possessive.answer.startswith("Nothing in the index is about Oppenheimer:")
    person = films.ask("Who praised Joel Coen?")  # "praised" names what follows it
    assert person.kind == "unknown_film" and person.citations == [], person.answer


def test_a_film_scoped_chat_asked_about_another_film_says_so(films: Assistant) -> None:
    held = Filters(films=("Fargo (1996)",))
    other = films.ask("What did critics think of Ronin?", filters=held)
    assert other.kind == "out_of_scope" and other.citations == []
    assert "covers only reviews of Fargo (1996)" in other.answer
    assert "Ronin (1998)" in other.answer
    missing = films.ask("Who disliked Oppenheimer?", filters=held)
    assert missing.kind == "out_of_scope" and missing.citations == []
    fine = films.ask("Who disliked it?", filters=held)
    assert fine.kind == "answer" and {c.film for c in fine.citations} == {"Fargo (1996)"}


def test_a_follow_up_without_a_film_asks_which(films: Assistant) -> None:
    """Was: after "New conversation", "Who disliked it?" listed eight random films."""
    fresh = films.ask("Who disliked it?", session=ChatSession())
    assert fresh.kind == "needs_film" and fresh.citations == []
    assert fresh.answer.startswith("Which film do you mean?")
    session = ChatSession()
    films.ask("What did critics think of Ronin?", session=session)
    follow = films.ask("Who disliked it?", session=session)
    assert follow.kind == "answer"
    assert {c.film for c in follow.citations} == {"Ronin (1998)"}
    assert follow.lead.startswith("3 of 9 reviews of Ronin (1998) are negative")


@pytest.mark.parametrize(
    "question", ["What do critics think?", "Who disliked?", "Any good?", "?", "Summarize"]
)
def test_a_question_naming_nothing_asks_which_film(films: Assistant, question: str) -> None:
    """Was: eight quotes of any films ("From 8 reviews:")."""
    result = films.ask(question)
    assert result.kind == "needs_film" and result.citations == [], result.answer
    assert result.answer.startswith("Which film do you mean?")


def test_a_question_of_one_title_is_about_that_film(films: Assistant) -> None:
    for question in ("fargo", "RONIN?", "Fargo"):
        result = films.ask(question)
        assert result.kind == "answer" and len(result.filters["film"]) > 0, question
        assert {c.film for c in result.citations} == {result.filters["film"]}, question
    # questions that read the whole index still do
    best = films.ask("Which film did critics like best?")
    assert best.kind == "answer" and "liked" in best.lead, best.lead


def test_a_follow_up_naming_only_a_film_asks_about_the_same_thing(tmp_path: Path) -> None:
    """Was: "And in Ronin?" after "What about the acting in Fargo?" gave Ronin's split."""
    fargo = [("Ann A", "fresh", "The acting is superb."), ("Bo B", "fresh", "A cold story.")]
    ronin = [("Cy C", "rotten", "Wooden acting all round."), ("Di D", "fresh", "Fast cars.")]
    heat = [("Ed E", "fresh", "The acting crackles."), ("Fay F", "fresh", "Long and loud.")]
    paths = [
        write_quotes(tmp_path / "f.csv", fargo, "Fargo (1996)"),
        write_quotes(tmp_path / "r.csv", ronin, "Ronin (1998)"),
        write_quotes(tmp_path / "h.csv", heat, "Heat (1995)"),
    ]
    settings = Settings(home=tmp_path / "home", engine="extractive")
    ingest(paths, settings)
    assistant = Assistant(settings)
    try:
        session = ChatSession()
        first = assistant.ask("What about the acting in Fargo?", session=session)
        ronin_ = assistant.ask("And in Ronin?", session=session)
        heat_ = assistant.ask("what about Heat?", session=session)  # still the acting
        who = assistant.ask("Who disliked it?", session=session)  # a stance: the film's
        fresh = assistant.ask("And in Ronin?")  # no chat: Ronin's split
    finally:
        assistant.close()
    assert [c.critic for c in first.citations] == ["Ann A"]
    assert unmarked(ronin_.lead).startswith("1 of the 2 reviews of Ronin (1998) speaks of the")
    assert [c.critic for c in ronin_.citations] == ["Cy C"]
    assert ronin_.question == "And in Ronin?"
    assert [c.critic for c in heat_.citations] == ["Ed E"], heat_.answer
    assert who.lead.startswith("None of the 2 reviews of Heat (1995) is negative"), who.lead
    assert fresh.lead.startswith("Of 2 reviews of Ronin (1998)"), fresh.lead


def test_a_follow_up_comparing_a_film_sets_it_beside_the_last_answers(tmp_path: Path) -> None:
    """Was: "How does that compare to Ronin?" after "the acting in Fargo" gave Ronin's split
    alone."""
    fargo = [("Ann A", "fresh", "The acting is superb."), ("Bo B", "fresh", "A cold story.")]
    ronin = [("Cy C", "rotten", "Wooden acting all round."), ("Di D", "fresh", "Fast cars.")]
    heat = [("Ed E", "fresh", "The acting crackles."), ("Fay F", "fresh", "Long and loud.")]
    paths = [
        write_quotes(tmp_path / "f.csv", fargo, "Fargo (1996)"),
        write_quotes(tmp_path / "r.csv", ronin, "Ronin (1998)"),
        write_quotes(tmp_path / "h.csv", heat, "Heat (1995)"),
    ]
    settings = Settings(home=tmp_path / "home", engine="extractive")
    ingest(paths, settings)
    assistant = Assistant(settings)
    try:
        session = ChatSession()
        assistant.ask("What about the acting in Fargo?", session=session)
        compared = assistant.ask("How does that compare to Ronin?", session=session)
        more = assistant.ask("and vs Heat?", session=session)  # the three, still the acting
        overall = ChatSession()
        assistant.ask("What did critics think of Fargo?", session=overall)
        split = assistant.ask("How does it compare to Ronin?", session=overall)
    finally:
        assistant.close()
    assert compared.filters["film"] == "Fargo (1996) and Ronin (1998)", compared.filters
    assert {c.critic for c in compared.citations} == {"Ann A", "Cy C"}, compared.answer
    assert "1 of the 2 reviews of Ronin (1998) speaks of the acting" in unmarked(compared.lead)
    assert {c.critic for c in more.citations} == {"Ann A", "Cy C", "Ed E"}, more.answer
    assert "All 2 reviews of Fargo (1996) are positive" in split.lead, split.lead
    assert "Of 2 reviews of Ronin (1998)" in split.lead, split.lead


def test_a_follow_up_about_both_films_takes_the_last_two(films: Assistant) -> None:
    """Was: "Which critics liked both?" after Fargo then Ronin answered about Ronin alone."""
    session = ChatSession()
    films.ask("What did critics think of Fargo?", session=session)
    films.ask("And Ronin?", session=session)
    both = films.ask("Which critics liked both?", session=session)
    assert both.lead == "No critic in the index reviewed both Fargo (1996) and Ronin (1998)."
    compared = films.ask("Compare them", session=session)
    assert "Of 20 reviews of Fargo (1996)" in compared.lead
    assert "Of 9 reviews of Ronin (1998)" in compared.lead
    # the same from a client's history (the widget keeps no session on the server)
    history = [Turn(t.question, t.answer) for t in session.turns[:2]]
    again = films.ask("Compare them", session=films.session_from(history))
    assert again.lead == compared.lead


def test_a_capitalized_first_word_is_read_as_a_name(films: Assistant) -> None:
    """Was: "Sadness in Inside Out" found no quote with "Sadness" (the capital at the start
    was not read as a name)."""
    result = films.ask("Sadness in Inside Out")
    quotes = [c.quote for c in result.citations]
    assert quotes and all("Sadness" in q for q in quotes)
    named_mid_sentence = {c for c, _, text in SADNESS if re.search(r"\w[,.]? Sadness", text)}
    assert named_mid_sentence <= {c.critic for c in result.citations}


def test_a_first_word_is_read_as_the_reviews_write_it(films: Assistant) -> None:
    """Was: "Music in Soul?" answered "None of the 360 reviews of Soul names Music" (a first
    word was a name wherever written mid-sentence), and "Sox ..." missed reviews opening with
    "Sox"."""
    always = films.ask("Sadness in Inside Out")  # never written in lower case: every mention
    assert always.lead.startswith(f"5 of the 6 reviews of {INSIDE_OUT} name Sadness"), always.lead
    word = films.ask("Funny in Fargo?")  # written in lower case only: the word
    assert word.lead.startswith('17 of the 20 reviews of Fargo (1996) say "funny"'), word.lead


def test_a_first_word_written_both_ways_is_a_name_where_often_enough(tmp_path: Path) -> None:
    rows = [
        ("Ann Quill", "fresh", "Joy and Sadness argue all the way home."),
        ("Bo Ink", "fresh", "Sadness wins the day."),  # a sentence's start tells nothing
        ("Cy Nib", "fresh", "A film about sadness, told with care."),
        ("Di Pen", "rotten", "Pure sadness and no animation worth the name."),
        ("Ed Leaf", "fresh", "From Pixar Animation Studios, the best animation of the year."),
        ("Fay Word", "fresh", "The animation glows; the animation of faces above all."),
        ("Gus Line", "fresh", "Fine animation."),
        ("Hal Type", "fresh", "Such animation!"),
    ]
    path = write_quotes(tmp_path / "glow.csv", rows, "Glow (2020)")
    character, word = answers(tmp_path / "home", [path], "Sadness in Glow", "Animation in Glow?")
    # "Sadness" mid-sentence in 1 passage beside "sadness" in 2: a name, where written so
    assert character.lead.startswith("1 of the 8 reviews of Glow (2020) names Sadness"), (
        character.lead
    )
    # "Animation" mid-sentence in 1 ("Pixar Animation Studios") beside 5 in lower case: a word
    assert word.lead.startswith('5 of the 8 reviews of Glow (2020) say "animation"'), word.lead


def test_a_year_in_the_question_limits_the_reviews_to_it(films: Assistant) -> None:
    """Was: "What did critics say about Fargo in 2001?" counted all 20 reviews, whatever year."""
    dates = Counter(r["date"][:4] for r in rows() if r["film"] == "Fargo (1996)")
    dated = films.ask("What did critics say about Fargo in 2001?")
    assert dated.lead.startswith(
        f"Of {dates['2001']} reviews of Fargo (1996) dated 2001-01-01 to 2001-12-31"
    ), dated.lead
    assert dated.filters["since"] == "2001-01-01"
    none = films.ask("What did critics say about Fargo before 2000?")
    assert none.lead == "The index holds no reviews of Fargo (1996) dated 1999-12-31 or earlier."
    assert none.citations == []


def test_a_year_alone_is_counted_over_the_whole_index(films: Assistant) -> None:
    """Was: "What did critics say in 2001?" quoted 8 reviews under "From 8 reviews:", with no
    count, and "who disliked films in 2001?" said "Critics who disliked it"."""
    data = [r for r in rows() if r["date"].startswith("2001")]
    labels = Counter(r["fresh"] for r in data)
    first, second = (
        ("positive", "negative")
        if labels["fresh"] >= labels["rotten"]
        else ("negative", "positive")
    )
    said = films.ask("What did critics say in 2001?")
    scope = "reviews in the index dated 2001-01-01 to 2001-12-31"
    counts = {"positive": labels["fresh"], "negative": labels["rotten"]}
    assert said.lead.startswith(f"Of {len(data)} {scope}, {counts[first]} are {first}"), said.lead
    assert f"and {counts[second]} {second}." in said.lead, said.lead
    assert {c.date[:4] for c in said.citations} == {"2001"}
    disliked = films.ask("Who disliked films in 2001?")
    assert disliked.lead.startswith(f"{labels['rotten']} of {len(data)} {scope} are negative"), (
        disliked.lead
    )
    assert "Critics who disliked them: " in disliked.lead, disliked.lead
    assert {c.sentiment for c in disliked.citations} == {"negative"}
    counted = films.ask("How many reviews are from 2001?")  # that year, not since
    assert counted.lead.startswith(
        f"The index holds {len(data)} reviews dated 2001-01-01 to 2001-12-31:"
    ), counted.lead


def test_the_latest_or_first_reviews_are_picked_by_date(films: Assistant) -> None:
    """Was: "What is the most recent review of Fargo?" counted reviews saying "recent"."""
    fargo = [r for r in rows() if r["film"] == "Fargo (1996)"]
    newest = max(r["date"] for r in fargo)
    latest = films.ask("What is the most recent review of Fargo?")
    assert latest.lead == f"The most recent of the 20 reviews of Fargo (1996), dated {newest}."
    assert [c.date for c in latest.citations] == [newest]
    rotten = sorted(r["date"] for r in fargo if r["fresh"] == "rotten")
    negative = films.ask("Show the latest negative reviews of Fargo")
    assert negative.lead == (
        f"The 3 most recent of the 3 negative reviews of Fargo (1996), dated {rotten[0]} to "
        f"{rotten[-1]}."
    )
    first = films.ask("What was the first review of Fargo?")
    assert [c.date for c in first.citations] == [min(r["date"] for r in fargo)]
    assert films.retriever.plan("What about the first act of Fargo?").intent.order is None


def test_reviews_without_dates_have_no_latest(tmp_path: Path) -> None:
    """Was: "The most recent of the 26 reviews of Her (2013), none of them dated." over a quote."""
    rows = [("Ann Quill", "fresh", "Tender."), ("Bo Ink", "rotten", "Cold.")]
    path = write_quotes(tmp_path / "her.csv", rows, "Her (2013)")
    (latest,) = answers(tmp_path / "home", [path], "What is the latest review of Her?")
    assert (
        latest.lead
        == "None of the 2 reviews of Her (2013) carries a date, so none is the most recent."
    )
    assert latest.citations == []


def test_which_critics_reviewed_a_film_whose_reviews_name_none(tmp_path: Path) -> None:
    path = tmp_path / "her.txt"
    path.write_text("# film: Her (2013)\nTender.\nCold and precious.\n", encoding="utf-8")
    (who,) = answers(tmp_path / "home", [path], "Which critics reviewed Her?")
    assert who.lead.startswith(
        "The index holds 2 reviews of Her (2013), none labelled positive or negative. None of "
        "them names its critic."
    ), who.lead


def test_two_critics_on_one_film_are_each_said_and_compared(tmp_path: Path) -> None:
    """Was: "The index holds one review of Fargo by Roger Ebert and Gene Siskel" when only
    Ebert had one; "which films did Ebert dislike?" ignored the stance."""
    fargo = [("Ann Both", "fresh", "Fargo is sharp."), ("Bo Split", "rotten", "Fargo drags.")]
    ronin = [("Ann Both", "rotten", "Ronin stalls."), ("Bo Split", "rotten", "Ronin bores.")]
    paths = [
        write_quotes(tmp_path / "f.csv", fargo, "Fargo (1996)"),
        write_quotes(tmp_path / "r.csv", ronin, "Ronin (1998)"),
    ]
    differ, agree, disliked = answers(
        tmp_path / "home",
        paths,
        "Did Ann Both and Bo Split agree on Fargo?",
        "What did Ann Both and Bo Split think of Ronin?",
        "Which films did Ann Both dislike?",
    )
    assert differ.lead == (
        "Ann Both's review of Fargo (1996) is positive; Bo Split's review of Fargo (1996) is "
        "negative. They disagree."
    )
    assert agree.lead.endswith("They agree.")
    assert disliked.lead == (
        "1 of 2 reviews by Ann Both is negative (50%); 1 positive. Film: Ronin (1998). "
        "Quoted below."
    )
    assert [c.film for c in disliked.citations] == ["Ronin (1998)"]


def test_applied_filters_travel_with_the_result(films: Assistant) -> None:
    result = films.ask("Who disliked Fargo?")
    assert result.filters == {"film": "Fargo (1996)", "sentiment": "negative"}
    assert result.to_json()["filters"] == result.filters
    assert result.to_json()["coverage"]["positive"] == 17


# -- the same on the real RT CS109 rows --------------------------------------------------
@pytest.mark.shared
@pytest.mark.slow
def test_cs109_counts_are_the_catalogs(tmp_path: Path) -> None:
    """The issue's own cases, over the real quotes of Fargo and 8MM (and two neighbours)."""
    source = needs_shared("data", "rt-critics-cs109", "critics.csv")
    wanted = {"Fargo", "8MM", "Raging Bull", "Ronin"}
    with source.open(encoding="utf-8") as handle:
        picked = [r for r in csv.DictReader(handle) if r["title"] in wanted and r["quote"].strip()]
    subset = tmp_path / "cs109-subset.csv"
    with subset.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(picked[0]))
        writer.writeheader()
        writer.writerows(picked)
    settings = Settings(home=tmp_path / "home", engine="extractive")
    ingest([subset], settings)
    cs109 = Assistant(settings)
    try:
        split = Counter((r["title"], r["fresh"]) for r in picked)
        assert (split["Fargo", "fresh"], split["Fargo", "rotten"]) == (17, 3)
        liked = cs109.ask("How many critics liked Fargo?")
        assert liked.lead.startswith("85% of the reviews of Fargo are positive: 17 of 20;")
        disliked = cs109.ask("Who disliked 8MM?")
        assert disliked.lead.startswith("18 of 20 reviews of 8MM are negative (90%)")
        overview = cs109.ask("What did critics think of Fargo?")
        assert any(c.sentiment == "negative" for c in overview.citations)
        missing = cs109.ask("What did critics think of Oppenheimer?")
        assert missing.kind == "unknown_film" and not missing.citations
        assert cs109.ask("What did critics think of Fagro?").suggestions == ["Fargo"]
    finally:
        cs109.close()


def test_a_comparison_gives_each_films_own_counts(films: Assistant) -> None:
    """'Did critics prefer X or Y?': two scopes, each with its own split, quotes from both."""
    result = films.ask("Did critics prefer Fargo or Ronin?")
    assert "Of 20 reviews of Fargo (1996), 17 are positive (85%)" in result.lead
    assert "Of 9 reviews of Ronin (1998), 6 are positive (67%)" in result.lead
    assert "29 reviews" not in result.lead  # never the two films pooled
    assert {c.film for c in result.citations} == {"Fargo (1996)", "Ronin (1998)"}
    stated = set(stated_numbers(result))
    allowed = allowed_numbers("Fargo (1996)", result) | allowed_numbers("Ronin (1998)", result)
    allowed.add(str(sum(FILMS["Fargo (1996)"]) + sum(FILMS["Ronin (1998)"])))  # the coverage line
    for film in ("Fargo (1996)", "Ronin (1998)"):
        allowed |= {
            str(n)
            for n in Counter(c.sentiment for c in result.citations if c.film == film).values()
        }
    assert stated <= allowed, result.answer


def test_the_number_of_quotes_asked_for_is_the_number_quoted(films: Assistant) -> None:
    """Was: "Give me two negative quotes about 8MM" quoted 8."""
    two = films.ask("Give me two negative quotes about 8MM")
    assert [c.sentiment for c in two.citations] == ["negative", "negative"], two.answer
    assert "Quoted below: 2 of the 18." in two.lead, two.lead
    one = films.ask("A quote about Fargo, please")
    assert len(one.citations) == 1, one.answer
    # a count keeps its quotes: "how many of the 20 reviews" asks for no 20 quotes
    counted = films.ask("How many of the 20 reviews of Fargo are positive?")
    assert len(counted.citations) == 8, counted.answer


def test_a_question_in_capitals_is_read_as_one_in_lower_case(films: Assistant) -> None:
    """Was: "WHAT DID CRITICS THINK OF FARGO?" read every word as a name (the semantic dev set
    in capitals: recall 0.000)."""
    shouted = films.ask("WHAT DID CRITICS THINK OF FARGO?")
    assert shouted.filters == {"film": "Fargo (1996)"}, shouted.filters
    assert shouted.lead == films.ask("what did critics think of fargo?").lead
    who = films.ask("WHO DISLIKED RONIN?")
    assert {c.sentiment for c in who.citations} == {"negative"}, who.answer
