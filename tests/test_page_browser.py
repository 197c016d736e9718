"""The chat page and the widget in a real browser (system Chromium, never downloaded), over a
real server and index (corpus/ plus a second film with several critics, one review with a URL
and one with no date): an answer shown once, filters and engine said once, scrolling, exports,
first visit, keyboard, axe-core (no serious or critical violation, light and dark), a phone's
viewport, and screenshots (to $REVIEWQA_SCREENSHOTS when set, e.g. by `make screenshots`)."""

from __future__ import annotations

import csv
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from index.ingest import ingest
from index.settings import Settings
from tests.conftest import CORPUS
from tests.support.browser import (
    NEEDS_CHROMIUM,
    ask_in_chat,
    open_page,
    screenshot_folder,
    serious,
)
from tests.support.servers import served

pytestmark = [pytest.mark.slow, NEEDS_CHROMIUM]

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
axe_sync = pytest.importorskip(
    "axe_playwright_python.sync_playwright", reason="pip install axe-playwright-python"
)

MAX_QUESTION = 300
ARRIVAL_URL = "https://example.com/reviews/arrival?by=ann&site=wapo"
HER_URL = "https://example.org/her-gazette"
REVIEWS = [
    ("Arrival (2016)", "Ann Hornaday", "Washington Post", "2016-11-10", "positive", ARRIVAL_URL,
     "Amy Adams gives a quietly devastating performance in Arrival, a film about language, "
     "memory and grief."),
    ("Arrival (2016)", "Rex Reed", "New York Observer", "2016-11-09", "negative", "",
     "Arrival is a ponderous bore; Amy Adams stares at glowing screens for two hours and the "
     "aliens never say anything worth hearing."),
    ("Arrival (2016)", "Dana Stevens", "Slate", "", "positive", "",
     "Arrival is the rare science-fiction film that trusts its audience with ideas about time, "
     "language and loss."),
    ("Arrival (2016)", "Armond White", "National Review", "2016-11-15", "negative", "",
     "The aliens are more interesting than the humans in Arrival, a film that mistakes "
     "solemnity for depth."),
    ("Her (2013)", "Mallory Test", "The Gazette", "2014-01-10", "negative", HER_URL,
     "Phoenix is oddly flat as Theodore, and the film never earns its ache."),
]  # fmt: skip
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SHADOW = "document.querySelector('[data-reviewqa-widget]').shadowRoot"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("page-browser")
    with (folder / "more.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["film", "critic", "publication", "date", "sentiment", "url", "text"])
        writer.writerows(REVIEWS)
    settings = Settings(home=folder / "home", engine="extractive")
    report = ingest([CORPUS, folder / "more.csv"], settings)
    assert not report.failed and report.added == 26 + len(REVIEWS)
    env = {
        "REVIEWQA_MODEL_CACHE": str(model_cache),
        "REVIEWQA_MAX_QUESTION_CHARS": str(MAX_QUESTION),
        # Every test here is one client IP asking dozens of questions in a minute; the
        # limits themselves are tested in tests/security and tests/test_api.py.
        "REVIEWQA_RATE_IP_PER_MINUTE": "0",
    }
    with served(settings.home, folder, env) as (url, _):
        yield url


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go: $REVIEWQA_SCREENSHOTS (`make screenshots`), else tmp."""
    return screenshot_folder(tmp_path_factory)


@pytest.fixture
def chat(browser: Any, server: str) -> Iterator[Any]:
    page = open_page(browser, server, DESKTOP)
    page.wait_for_selector("#rq-transcript .rq-holdings", timeout=30_000)
    yield page
    page.context.close()


def csv_download_once(
    page: Any, ready: Callable[[list[dict[str, str]]], bool], seconds: float = 30
) -> list[dict[str, str]]:
    """The CSV export's rows once `ready` holds for them (the server rewrites the file after
    a change of the ticks; polled, never a fixed sleep); the last rows when time runs out."""
    deadline = time.monotonic() + seconds
    while True:
        with page.expect_download() as download:
            page.click("#rq-export-csv")
        text = Path(download.value.path()).read_text("utf-8")
        rows = list(csv.DictReader(text.splitlines()))
        if ready(rows) or time.monotonic() > deadline:
            return rows
        page.wait_for_timeout(250)


def log_offset(page: Any, question_index: int) -> float:
    """How far the question's top is below the transcript's visible top (px)."""
    return float(
        page.evaluate(
            """i => { const log = document.querySelector('.rq-chat');
                     const q = log.querySelectorAll('.rq-q')[i];
                     return q.getBoundingClientRect().top - log.getBoundingClientRect().top; }""",
            question_index,
        )
    )


# -- the chat page ------------------------------------------------------------------------
def test_first_visit_says_what_the_index_holds_and_the_question_is_3_tabs_away(
    chat: Any,
) -> None:
    holdings = chat.locator("#rq-transcript .rq-holdings").inner_text()
    assert holdings.startswith("The index holds 31 reviews of 2 films by 5 critics")
    examples = chat.locator("#rq-transcript .rq-examples button")
    assert examples.all_inner_texts() == [
        "What do critics say about Her (2013)?",
        "Who disliked Her (2013)?",
        "What did Mallory Test think of Her (2013)?",
    ]
    focused = "document.activeElement.closest('#rq-question') !== null"
    presses = 0
    while presses < 3 and not chat.evaluate(focused):
        chat.keyboard.press("Tab")
        presses += 1
    assert chat.evaluate(focused), "the question box is more than 3 Tab presses away"
    log = chat.locator("#rq-transcript .rq-chat")
    assert log.get_attribute("role") == "log" and log.get_attribute("aria-live") == "polite"


def test_an_answer_is_shown_once_with_its_filters_and_film(chat: Any) -> None:
    chat.locator(".rq-examples button", has_text="Who disliked Her (2013)?").click()
    chat.wait_for_selector("#rq-transcript .rq-a.rq-done", timeout=30_000)
    answer = chat.locator("#rq-transcript .rq-a").first
    card = answer.locator(".rq-card")
    assert card.count() == 1
    assert card.locator(".rq-film").inner_text() == "Her (2013)"
    assert card.locator(".rq-by").inner_text() == "Mallory Test · The Gazette · 2014-01-10"
    assert card.locator(".rq-negative").inner_text() == "Negative"
    text = answer.inner_text()
    assert text.count("the film never earns its ache") == 1  # the card only, no bullet
    assert text.count("Based on") <= 1
    filters = answer.locator(".rq-filters").inner_text()
    assert filters.startswith("Filters: film Her (2013)") and "sentiment negative" in filters
    assert "Engine: extractive" in chat.locator("#rq-status").inner_text()
    assert "extractive" not in chat.locator("#rq-transcript").inner_text()  # said once
    for ref in answer.locator("a.rq-ref").all():
        target = ref.get_attribute("href")
        assert target and chat.locator(target).count() == 1
    film_size = card.locator(".rq-film").evaluate("n => getComputedStyle(n).fontSize")
    assert float(film_size.rstrip("px")) >= 14
    assert chat.errors == []


def test_a_new_answer_opens_at_its_question(chat: Any, shots: Path) -> None:
    ask_in_chat(chat, "What do critics say about Arrival?")
    second = ask_in_chat(chat, "Who disliked Her?")
    assert 0 <= log_offset(chat, 1) <= 24 or chat.evaluate(
        "(l => l.scrollTop + l.clientHeight >= l.scrollHeight - 2)"
        "(document.querySelector('.rq-chat'))"
    )
    third = ask_in_chat(chat, "What do critics say about Arrival?")
    offset = log_offset(chat, 2)
    assert 0 <= offset <= 24, f"the new question is {offset}px below the transcript's top"
    cards = third.locator(".rq-card")
    assert cards.count() == 4
    assert {c for c in cards.locator(".rq-film").all_inner_texts()} == {"Arrival (2016)"}
    dana = cards.filter(has_text="Dana Stevens")
    assert dana.locator(".rq-date").inner_text() == "date unknown"
    assert third.locator(".rq-positive").count() == 2 and third.locator(".rq-negative").count() == 2
    assert second.locator(".rq-card").count() == 1
    chat.screenshot(path=str(shots / "ui-desktop.png"))


def test_an_unknown_film_offers_the_closest_titles(chat: Any) -> None:
    answer = ask_in_chat(chat, "What did critics think of Arival?")
    assert answer.locator(".rq-card").count() == 0
    suggestion = answer.locator(".rq-suggest button", has_text="Arrival (2016)")
    assert suggestion.get_attribute("data-ask") == "What did critics think of Arrival (2016)?"
    suggestion.click()
    chat.wait_for_function(
        "document.querySelectorAll('#rq-transcript .rq-a.rq-done').length >= 2", timeout=30_000
    )
    assert chat.locator("#rq-transcript .rq-q").nth(1).inner_text() == (
        "What did critics think of Arrival (2016)?"
    )
    assert chat.locator("#rq-transcript .rq-a").nth(1).locator(".rq-card").count() >= 2


def test_a_question_too_long_stays_in_its_box(chat: Any) -> None:
    question = "What do critics say about Arrival? " + "x" * MAX_QUESTION
    chat.fill("#rq-question textarea", question)
    chat.keyboard.press("Enter")
    alert = chat.locator("#rq-status [role=alert]")
    alert.wait_for(timeout=30_000)
    assert "shorten it" in alert.inner_text()
    assert chat.input_value("#rq-question textarea") == question
    assert chat.locator("#rq-transcript .rq-q").count() == 0


def test_dropdowns_close_when_tab_moves_on(chat: Any) -> None:
    chat.get_by_role("combobox", name="Film").focus()
    expanded = "[...document.querySelectorAll('input[role=combobox]')].filter(i => i.getAttribute('aria-expanded') === 'true').length"  # noqa: E501
    for _ in range(3):
        chat.keyboard.press("Tab")
        chat.wait_for_timeout(150)
        assert chat.evaluate(expanded) <= 1  # at most the one that has focus
    chat.keyboard.press("Tab")
    chat.wait_for_timeout(150)
    assert chat.evaluate(expanded) == 0


def test_exports_group_by_film_and_stance_and_honour_the_ticks(chat: Any) -> None:
    ask_in_chat(chat, "Who disliked Her?")
    ask_in_chat(chat, "What do critics say about Arrival?")
    chat.get_by_text("Quotes to export").click()
    picks = chat.locator("#rq-export-quotes input[type=checkbox]")
    # The accordion draws its ticks after the click: wait for them, never count at once.
    sync_api.expect(picks).to_have_count(5, timeout=30_000)
    assert all(box.is_checked() for box in picks.all())
    chat.locator("#rq-export-quotes label", has_text="Rex Reed").click()
    sync_api.expect(chat.locator("#rq-export-quotes input:not(:checked)")).to_have_count(1)
    rows = csv_download_once(chat, lambda rows: len(rows) == 4)  # the files are written again
    assert sorted(r["critic"] for r in rows) == [
        "Ann Hornaday",
        "Armond White",
        "Dana Stevens",
        "Mallory Test",
    ]
    assert {r["critic"]: r["url"] for r in rows}["Ann Hornaday"] == ARRIVAL_URL
    with chat.expect_download() as download:
        chat.click("#rq-export-md")
    markdown = Path(download.value.path()).read_text(encoding="utf-8")
    headings = [line for line in markdown.splitlines() if line.startswith("# ")]
    assert headings == [
        "# Her (2013): negative reviews",
        "# Arrival (2016): positive reviews",
        "# Arrival (2016): negative reviews",
    ]
    assert "Rex Reed" not in markdown
    assert "— Dana Stevens, Slate, date unknown" in markdown
    assert f"> Review: <{HER_URL}>" in markdown
    assert "> Asked: What do critics say about Arrival?" in markdown


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_finds_nothing_serious_after_an_answer(browser: Any, server: str, theme: str) -> None:
    page = open_page(browser, f"{server}/?__theme={theme}", DESKTOP)
    try:
        page.wait_for_selector("#rq-transcript .rq-holdings", timeout=30_000)
        assert serious(page) == []
        ask_in_chat(page, "What do critics say about Arrival?")
        ask_in_chat(page, "What did critics think of Arival?")
        assert page.evaluate("document.body.classList.contains('dark')") == (theme == "dark")
        assert serious(page) == []
    finally:
        page.context.close()


def test_on_a_phone_the_question_stays_in_view(browser: Any, server: str, shots: Path) -> None:
    page = open_page(browser, server, PHONE, is_mobile=True, has_touch=True)
    try:
        page.wait_for_selector("#rq-transcript .rq-holdings", timeout=30_000)
        ask_in_chat(page, "What do critics say about Arrival?")
        page.wait_for_timeout(300)
        box = page.locator("#rq-question textarea").bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        for card in page.locator(".rq-card").all():
            edges = card.bounding_box()
            assert edges is not None and edges["x"] >= 0
            assert edges["x"] + edges["width"] <= PHONE["width"]
        size = page.locator(".rq-badge").first.evaluate("n => getComputedStyle(n).fontSize")
        assert float(size.rstrip("px")) >= 12
        page.screenshot(path=str(shots / "ui-mobile.png"))
    finally:
        page.context.close()


# -- the widget ---------------------------------------------------------------------------
def open_widget(browser: Any, server: str, viewport: dict[str, int], **options: Any) -> Any:
    # The demo page's CSP has no 'unsafe-eval': Chromium refuses the strings that Playwright
    # evaluates there (axe-core's injection, wait_for_function; EvalError), so these widget
    # tests alone bypass the page's CSP. tests/security/test_web_browser.py checks that the
    # widget itself works under that CSP.
    page = open_page(
        browser,
        f"{server}/widget/demo?film=Arrival%20(2016)",
        viewport,
        bypass_csp=True,
        **options,
    )
    page.wait_for_selector("[data-reviewqa-widget]", state="attached", timeout=30_000)
    page.locator("button.launch").click()
    return page


def widget_ask(page: Any, question: str) -> Any:
    answers = page.evaluate(f"{SHADOW}.querySelectorAll('.a .cites').length")
    page.locator("#rq-input").fill(question)
    page.keyboard.press("Enter")
    page.wait_for_function(  # generous: a loaded CI machine answers slower
        f"{SHADOW}.querySelectorAll('.a .cites').length > {answers}", timeout=60_000
    )
    return page.locator(".a").nth(answers)


def test_widget_shows_each_quote_once_with_links_to_it(
    browser: Any, server: str, shots: Path
) -> None:
    page = open_widget(browser, server, DESKTOP)
    try:
        widget_ask(page, "What do critics say about Arrival?")
        second = widget_ask(page, "Who disliked it?")
        top = page.evaluate(
            f"""(() => {{ const root = {SHADOW}; const log = root.querySelector('.log');
                const q = root.querySelectorAll('.q')[1];
                return q.getBoundingClientRect().top - log.getBoundingClientRect().top; }})()"""
        )
        at_end = page.evaluate(
            f"(l => l.scrollTop + l.clientHeight >= l.scrollHeight - 2)({SHADOW}.querySelector('.log'))"  # noqa: E501
        )
        assert 0 <= top <= 24 or at_end, top
        text = second.inner_text()
        assert text.count("ponderous bore") == 1  # in the citations, not again as a bullet
        lead = second.locator(".lead").inner_text()
        assert lead.strip()
        refs = second.locator(".lead button.ref")  # every [n] of the lead: a button to its quote
        assert refs.count() == len(re.findall(r"\[\d+\]", lead))
        for ref in refs.all():
            ref.click()
            assert page.evaluate(f"{SHADOW}.activeElement.className").startswith("cite")
        assert page.evaluate(f"{SHADOW}.querySelectorAll('a').length") == 0
        first = page.locator(".a").first
        assert "date unknown" in first.locator(".cites").inner_text()
        assert "Arrival (2016)" in first.locator(".cite .film").first.inner_text()
        assert serious(page) == []
        page.screenshot(path=str(shots / "widget-desktop.png"))
    finally:
        page.context.close()


def test_widget_on_a_phone_passes_axe(browser: Any, server: str, shots: Path) -> None:
    page = open_widget(browser, server, PHONE, is_mobile=True, has_touch=True)
    try:
        widget_ask(page, "What do critics say about Arrival?")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert serious(page) == []
        page.screenshot(path=str(shots / "widget-mobile.png"))
    finally:
        page.context.close()
