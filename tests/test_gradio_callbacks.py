"""The chat page's callbacks without Gradio: plain values in, the page's updates out (the
transcript and status HTML, the conversation, the exports), over a real index."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.chat import SessionStore
from assistant.service import Assistant
from index.ingest import ingest
from index.settings import Settings
from tests.support.reviews import COLUMNS, critic_reviews
from ui.chat_page import ChatPage, Conversation, Exports, Update
from ui.scratch import Scratch
from ui.server_settings import ServerSettings

CAP = 200


def server_settings(**changes: Any) -> ServerSettings:
    values: dict[str, Any] = {"widget_keys": {}, "max_question_chars": CAP}
    values.update(changes)
    return ServerSettings(**values)


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    folder = tmp_path_factory.mktemp("callbacks")
    with (folder / "reviews.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows(critic_reviews())
    settings = Settings(home=folder / "home", engine="extractive")
    assert ingest([folder / "reviews.csv"], settings).added == 6
    shared = Assistant(settings)
    yield shared
    shared.close()


@pytest.fixture
def page(assistant: Assistant) -> Iterator[ChatPage]:
    scratch = Scratch()
    yield ChatPage(assistant, SessionStore(), server_settings(), scratch)
    scratch.close()


def asked(page: ChatPage, question: str, conv: Conversation, film: str = "") -> list[Update]:
    return list(page.respond(question, film, "", "", conv))


def test_an_answer_clears_the_box_then_shows_status_and_exports(page: ChatPage) -> None:
    conv = Conversation()
    updates = asked(page, "Who disliked Her?", conv)
    first, last = updates[0], updates[-1]
    assert first.status == "" and first.question == "" and first.exports is None
    assert first.transcript is not None and "Who disliked Her?" in first.transcript
    assert last.status is not None and "Engine: extractive" in last.status
    assert last.transcript is not None and "Rex Reed" in last.transcript
    assert [e.question for e in conv.exchanges] == ["Who disliked Her?"]
    result = conv.exchanges[0].result
    assert result is not None and {c.critic for c in result.citations} >= {"Rex Reed"}
    assert set(conv.exchanges[0].review_texts) == {c.review_id for c in result.citations}
    exports = last.exports
    assert exports is not None and exports.csv is not None and exports.markdown is not None
    assert exports.picked == conv.picked() and len(exports.choices) == len(result.citations)
    assert "Rex Reed" in exports.csv.read_text(encoding="utf-8")


def test_a_follow_up_keeps_the_film_of_the_conversation(page: ChatPage) -> None:
    conv = Conversation()
    asked(page, "What do critics say about Up?", conv)
    asked(page, "Who disliked it?", conv)
    follow = conv.exchanges[-1].result
    assert follow is not None and [c.critic for c in follow.citations] == ["Armond White"]


def test_the_dropdowns_filter_the_answer(page: ChatPage) -> None:
    conv = Conversation()
    asked(page, "What do critics say?", conv, film="Up (2009)")
    result = conv.exchanges[0].result
    assert result is not None and result.citations
    assert {c.film for c in result.citations} == {"Up (2009)"}


def test_an_empty_question_changes_nothing(page: ChatPage) -> None:
    conv = Conversation()
    assert asked(page, "   ", conv) == [Update()]
    assert list(page.respond(None, "", "", "", conv)) == [Update()]
    assert conv.exchanges == []


def test_a_long_question_stays_in_its_box_the_error_beside_it(page: ChatPage) -> None:
    conv = Conversation()
    assert asked(page, " " + "x" * (CAP + 1) + " ", conv) == [
        Update(
            status='<div class="rq-error" role="alert">The question is 201 characters long; '
            "the limit is 200: shorten it.</div>"
        )
    ]
    assert conv.exchanges == []


def test_an_unknown_film_is_said_in_the_transcript(page: ChatPage) -> None:
    conv = Conversation()
    last = asked(page, "Who liked it?", conv, film="Nope (1999)")[-1]
    assert last.status is None and last.exports is None
    assert last.transcript is not None and "no film &#x27;Nope (1999)&#x27;" in last.transcript
    assert conv.exchanges[0].error and conv.exchanges[0].result is None


def test_unticked_quotes_leave_the_exports(page: ChatPage) -> None:
    conv = Conversation()
    asked(page, "What do critics say about Her?", conv)
    result = conv.exchanges[0].result
    assert result is not None
    keys = [key for _, key in page.exports(conv).choices]
    rex = next(k for (label, k) in page.exports(conv).choices if "Rex Reed" in label)
    exports = page.tick([k for k in keys if k != rex], conv)
    assert conv.unticked == {rex} and rex not in exports.picked
    assert exports.csv is not None and "Rex Reed" not in exports.csv.read_text(encoding="utf-8")
    assert page.tick(None, conv).picked == []


def test_a_new_conversation_starts_from_the_first_visit(page: ChatPage) -> None:
    update, conv = page.reset()
    assert update.transcript == page.welcome() and update.status == ""
    assert update.exports == Exports() and conv.exchanges == []
    assert "Who disliked Her (2013)?" in page.welcome()


def test_a_button_asks_its_question_cut_past_the_limit(page: ChatPage) -> None:
    assert page.asked({"ask": "Who disliked Her?"}) == "Who disliked Her?"
    assert page.asked({"ask": "x" * 500}) == "x" * (CAP + 1)
    assert page.asked(None) == "" and page.asked({}) == ""


def test_the_dropdowns_offer_any_first_then_the_names(page: ChatPage) -> None:
    films, critics, outlets = page.choices()
    assert films == [("Any film", ""), ("Her (2013)", "Her (2013)"), ("Up (2009)", "Up (2009)")]
    assert critics[0] == ("Any critic", "") and ("Rex Reed", "Rex Reed") in critics
    assert outlets[0] == ("Any outlet", "") and ("Slate", "Slate") in outlets


def test_add_reviews_reports_like_the_cli_and_refreshes_names(tmp_path: Path) -> None:
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    first, second = tmp_path / "a.csv", uploads / "b.txt"
    first.write_text("film,text\nUp (2009),A lovely balloon ride.\n")
    second.write_text("# film: Coco (2017)\nA joyous film about family.\n")
    settings = Settings(home=tmp_path / "home", engine="extractive")
    ingest([first], settings)
    own = Assistant(settings)
    scratch = Scratch()
    page = ChatPage(own, SessionStore(), server_settings(ui_ingest=True), scratch)
    try:
        assert own.films() == ["Up (2009)"]
        assert page.add_reviews(None, None, uploads).startswith("Choose a review file first")
        report = page.add_reviews(str(second), None, uploads)
        assert "b.txt: 1 reviews (film from first line): 1 added" in report
        assert report.splitlines()[-1].startswith("total: 1 added")
        assert own.films() == ["Coco (2017)", "Up (2009)"]
        assert page.choices()[0][1] == ("Coco (2017)", "Coco (2017)")
        assert own.ask("What do critics say about Coco?").citations
        assert not second.exists()  # the upload is not left for Gradio to serve
        missing = page.add_reviews(str(uploads / "missing.csv"), None, uploads)
        assert missing.startswith("refused: the uploaded file is gone")
    finally:
        own.close()
        scratch.close()
