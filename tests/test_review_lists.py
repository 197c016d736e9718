"""The words reviewers list beside each other: the shipped counts, how they are counted, and
how the thing a question asks about leaves out the other things of its kind."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import assistant.relevance as relevance
from assistant.relevance import LISTED_EVIDENCE, LISTED_SHARE
from assistant.review_lists import ListedTogether, ReviewLists, load_review_lists
from bench.train_review_lists import count, list_tokens, listed_pairs, save
from tests.test_relevance import FILM, assistant_over


def read(path: Path) -> ReviewLists:
    with np.load(path, allow_pickle=False) as data:
        return ReviewLists(
            [str(w) for w in data["words"]],
            *(data[key] for key in ("first", "second", "both", "listed")),
        )


def test_the_shipped_counts_tell_other_things_of_a_kind_from_other_words_for_one() -> None:
    lists = load_review_lists()
    assert lists.meta["pairs"] == len(lists.first) > 10_000
    assert "IMDb" in lists.meta["data"]

    def listed(term: str, word: str) -> bool:
        together = lists.together(term, [word])[word]
        return together.both >= LISTED_EVIDENCE and together.share >= LISTED_SHARE

    # things of one kind that reviewers write alike, listed together
    assert listed("pacing", "editing") and listed("acting", "writing")
    assert listed("cinematography", "costumes") and listed("violence", "profanity")
    # other words for one thing are rarely listed together, even when often doubled
    assert not listed("jokes", "gags") and not listed("story", "plot")
    assert not listed("music", "score") and not listed("suspense", "tension")
    assert lists.together("zzzz-not-a-word", ["story"]) == {}
    assert lists.together("story", ["story"]) == {}


def test_words_are_listed_together_only_in_a_list() -> None:
    words = ["acting", "writing", "direction", "story", "plot"]
    row = {w: i for i, w in enumerate(words)}

    def pairs(text: str) -> set[tuple[str, str]]:
        found = listed_pairs(list_tokens(text), row)
        return {(words[a], words[b]) for a, b in found}

    listed = pairs("The acting, writing and direction are all first-rate.")
    assert listed == {("acting", "writing"), ("acting", "direction")}
    # "and" alone doubles one thing as often as it lists two; far apart is not beside
    assert pairs("The story and the plot, both thin.") == set()
    assert ("story", "plot") not in pairs("The story, the sets, the music, the lights and plot")
    assert list_tokens("Café acting,writing") == ["cafe", "acting", ",", "writing"]


def test_the_counts_are_counted_saved_and_read_back(tmp_path: Path) -> None:
    docs = [
        list_tokens("The acting, writing and direction are fine; the story too."),
        list_tokens("Acting, writing, music: all fine. The story and plot drag."),
        list_tokens("Good acting and a good story."),
        list_tokens("The writing is sharp."),
    ]
    words = ["acting", "writing", "direction", "story", "plot", "music"]
    first, second, both, listed = count(docs, words, min_listed=1)
    found = {
        (words[a], words[b]): (int(n), int(m))
        for a, b, n, m in zip(first, second, both, listed, strict=True)
    }
    assert found[("acting", "writing")] == (2, 2)  # in two reviews, listed in both
    assert found[("acting", "direction")] == (1, 1)
    assert ("story", "plot") not in found  # never listed together
    save(tmp_path / "l.npz", words, (first, second, both, listed), {"pairs": len(first)})
    lists = read(tmp_path / "l.npz")
    assert set(lists.words) == {"acting", "writing", "direction", "music"}
    assert lists.together("acting", ["writing", "story"]) == {"writing": ListedTogether(2, 2)}
    assert lists.together("writing", ["acting"])["acting"].share == 1.0
    arrays = (lists.first, lists.second, lists.both, lists.listed)
    unsorted = ReviewLists(lists.words, *(array[::-1] for array in arrays))
    for word in lists.words:
        assert unsorted.together(word, lists.words) == lists.together(word, lists.words)
    only_common = count(docs, words, min_listed=2)
    assert len(only_common[0]) == 1


def test_a_thing_of_the_same_kind_listed_beside_the_asked_one_is_not_taken_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: "How is the pacing of X?" quoted reviews on its editing as speaking of the pacing:
    reviewers write "editing" where they write "pacing" (0.72 alike), and they also list it
    beside it ("the pacing, editing and score")."""
    rows = [
        ("Al Beat", "rotten", "The pacing drags through a long middle."),
        ("Bea Cut", "fresh", "The editing is sharp and the direction sure-footed."),
        ("Cy Pace", "fresh", "It moves at a brisk pace."),
        ("Di Cut", "fresh", "Crisp editing keeps every scene tight."),
        ("Ed Score", "fresh", "A lovely score by a young composer."),
    ]
    with assistant_over(tmp_path, rows) as assistant:
        matcher = assistant.retriever.meaning
        words, _ = matcher.words_for(["pacing"])
        result = assistant.ask(f"How is the pacing of {FILM}?")
        monkeypatch.setattr(relevance, "LISTED_SHARE", 1.1)  # the rule off
        matcher._known.clear()
        unruled, _ = matcher.words_for(["pacing"])
    assert "editing" in unruled  # written where "pacing" is: taken without the rule
    assert "editing" not in words, words
    assert {c.critic for c in result.citations} == {"Al Beat"}, result.answer


def test_only_the_words_that_stand_for_the_thing_have_their_list_mates_left_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ "special" in "the special effects" does not stand for the thing ("a special film"):
    what reviewers list beside it is no sibling of the effects."""
    words = ["effects", "extraordinary", "makeup", "special"]
    lists = ReviewLists(
        words,
        *(np.asarray(column, dtype=np.int32) for column in ([0, 1], [2, 3], [40, 40], [30, 30])),
    )
    assert lists.together("special", ["extraordinary"])["extraordinary"] == ListedTogether(40, 30)
    monkeypatch.setattr(relevance, "load_review_lists", lambda: lists)
    found = {"effects": 1.0, "extraordinary": 0.3, "makeup": 0.3}
    kept = relevance.ThingMatcher._not_listed_beside(found, ["special", "effects"], ["effects"])
    assert kept == {"effects": 1.0, "extraordinary": 0.3}


def test_a_counts_file_that_cannot_be_read_names_itself_and_the_rebuild(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import assistant.review_lists as review_lists
    from index.errors import ModelError

    monkeypatch.setattr(review_lists, "FILE", "absent_review_lists.npz")
    with pytest.raises(ModelError) as absent:
        review_lists.load_review_lists.__wrapped__()
    assert "assistant/models/absent_review_lists.npz" in str(absent.value)
    assert "python -m bench.train_review_lists" in str(absent.value)

    def packaged(*columns: list[int]) -> object:
        arrays = tuple(np.asarray(column, dtype=np.int32) for column in columns)
        return lambda *args: ((["acting", "writing"], arrays), {})

    monkeypatch.setattr(review_lists, "read_packaged", packaged([0], [1], [9], [9, 9]))
    with pytest.raises(ModelError, match="pair arrays of different lengths: rebuild it with"):
        review_lists.load_review_lists.__wrapped__()
    monkeypatch.setattr(review_lists, "read_packaged", packaged([0], [5], [9], [9]))
    with pytest.raises(ModelError, match="names a word it does not hold: rebuild it with"):
        review_lists.load_review_lists.__wrapped__()
