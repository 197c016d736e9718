"""A quote's stance on the thing asked about, where a contrast in it reads otherwise than its
review's label: "It is a good film, but it lacks the emotional punch" is a positive review and
negative on the emotional punch. The real embedding model and the shipped stance head."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.result import Source
from assistant.service import Assistant
from assistant.thing_stance import contrast_about, sides_on_thing
from index.embedders.base import Embedder
from index.embedders.factory import load_embedder
from index.ingest import ingest
from index.records import Review
from index.settings import Settings
from tests.support.reviews import write_quotes


@pytest.fixture
def embedder(settings: Settings) -> Embedder:
    return load_embedder(settings)


def source(text: str, label: str) -> Source:
    return Source(1, Review(id=text[:12], film="F", text=text, sentiment=label), text, 0, len(text))


def test_a_contrast_is_found_with_the_thing_on_one_side_only() -> None:
    found = contrast_about("A wonderful film, although the ending is a letdown.", {"ending"})
    assert found is not None
    assert (found.thing_side, found.other_side) == ("the ending is a letdown.", "A wonderful film")
    right = contrast_about("Great score, but it falls flat.", {"score"})
    assert right is not None and right.other_side == "it falls flat."  # "but" is not read
    opening = contrast_about("Despite its messy plot, the visuals dazzle.", {"plot"})
    assert opening is not None  # a concession that opens the sentence
    assert (opening.thing_side, opening.other_side) == ("its messy plot", "the visuals dazzle.")
    assert contrast_about("The score is lovely, but the score is loud.", {"score"}) is None
    assert contrast_about("A gorgeous score carries the picture.", {"score"}) is None
    assert contrast_about("Lovely, but long. The score soars.", {"score"}) is None
    # a turn with no subject of its own may go on about the thing: left under the label (was:
    # "positive on this point" in an answer to "what did critics dislike about the effects")
    armageddon = (
        "The only compelling lure is the special effects, which are sometimes impressive, "
        "sometimes transparent, yet somehow always inadequate to the apocalyptic task at hand."
    )
    assert contrast_about(armageddon, {"special", "effects"}) is None
    assert contrast_about("The effects are impressive but hollow.", {"effects"}) is None
    own = contrast_about("The effects are impressive, but Pixar forgot the story.", {"effects"})
    assert own is not None and own.other_side == "Pixar forgot the story."
    # a thing's word inside a title is no mention of the thing
    titled = "Not as good as Toy Story, but the jokes land."
    assert contrast_about(titled, {"story"}, ["Toy Story"]) is None
    assert contrast_about(titled, {"story"}) is not None


def test_the_side_holding_the_thing_is_read_when_the_sides_are_clearly_opposite(
    embedder: Embedder,
) -> None:
    cases = [  # (label, text, the stance read on the thing)
        ("positive", "It is a good film, but it lacks the emotional punch.", "negative"),
        ("negative", "A lovely musical score, but it falls flat with dullness.", "positive"),
        (
            "positive",
            "A wonderful film, although the ending is a dull, clumsy letdown.",
            "negative",
        ),
        ("positive", "Despite a dull and clumsy ending, it is a wonderful film.", "negative"),
        ("positive", "A gorgeous score carries the whole picture.", None),  # no contrast
        ("positive", "The score is lovely, but the songs are lovely too.", None),  # not opposite
    ]
    words = {"emotional", "punch", "score", "musical", "ending"}
    sources = [source(text, label) for label, text, _ in cases]
    assert sides_on_thing(sources, words, embedder) == [side for _, _, side in cases]
    assert sides_on_thing([], words, embedder) == []


def test_with_another_embedding_model_the_labels_stand() -> None:
    class OtherModel:  # the head was trained on MiniLM's vectors: it cannot read these
        name = "some/other-model"

        def embed(self, texts: object) -> object:
            raise AssertionError("nothing is embedded for a head that does not fit")

    quote = source("It is a good film, but it lacks the emotional punch.", "positive")
    assert sides_on_thing([quote], {"emotional"}, OtherModel()) == [None]  # type: ignore[arg-type]


FILM = "Lantern Street (2019)"
ROWS = [
    ("Ada Quill", "fresh", "A wonderful film, although the ending is a dull, clumsy letdown."),
    ("Ben Ink", "fresh", "The ending is moving and perfectly judged."),
    ("Cal Nib", "rotten", "A tired film whose ending arrives far too late."),
    ("Dee Pen", "fresh", "Warm and funny throughout."),
]


def test_an_answer_groups_a_quote_by_its_stance_on_the_thing_and_says_so(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", engine="extractive")
    ingest([write_quotes(tmp_path / "reviews.csv", ROWS, FILM)], settings)
    assistant = Assistant(settings)
    try:
        result = assistant.ask(f"What do critics say about the ending of {FILM}?")
    finally:
        assistant.close()
    assert result.lead.startswith(f"3 of the 4 reviews of {FILM} speak of the ending"), result.lead
    by_critic = {c.critic: c for c in result.citations}
    ada, ben, cal = (by_critic[name].n for name in ("Ada Quill", "Ben Ink", "Cal Nib"))
    # the catalog's labels, unchanged; each followed by the quotes of reviews so labelled (so
    # that a count is never followed by more markers than it counts: "0 negative [8]" read as
    # a contradiction); the quotes read otherwise are named in the closing sentence
    positive = "".join(f"[{n}]" for n in sorted((ada, ben)))
    assert f"2 positive {positive}, 1 negative [{cal}]" in result.lead
    assert result.lead.endswith(
        f"Read clause by clause, 1 quoted from positive reviews is negative [{ada}] on the ending."
    ), result.lead
    assert by_critic["Ada Quill"].sentiment == "positive"  # the citation keeps the label
    assert by_critic["Ada Quill"].to_json()["side"] == "negative"  # and says what was read
    assert by_critic["Ben Ink"].side is None
    negative = result.answer.split("**Negative**", 1)[1]
    assert "Ada Quill" in negative and "(a positive review; negative on this point)" in negative
    assert "Cal Nib" in negative
    assert "Ben Ink" in result.answer.split("**Positive**", 1)[1].split("**Negative**")[0]
    order = [result.answer.index(f"[{n}]") for n in range(1, len(result.citations) + 1)]
    assert order == sorted(order)  # numbered in reading order after the regrouping
