"""The reception report's faces in a real browser (system Chromium, never downloaded), over a
real server and index (corpus/ plus a generated film whose sixteen reviews, both stances, are
dated over five months with one month empty): the chat page's Reception view and the widget's
`data-view="report"` each show the counts, the timeline chart with this fixture's figures, and
the consensus whose [n] lead to quotes found verbatim in the reviews of the critics they name;
axe-core finds nothing serious in either; screenshots to $REVIEWQA_SCREENSHOTS when set (e.g.
by `make screenshots`)."""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from index.ingest import ingest
from index.settings import Settings
from tests.conftest import CORPUS
from tests.support.browser import NEEDS_CHROMIUM, open_page, screenshot_folder, serious
from tests.support.servers import served

pytestmark = [pytest.mark.slow, NEEDS_CHROMIUM]

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
pytest.importorskip("axe_playwright_python", reason="pip install axe-playwright-python")

FILM = "Harbour Lights (2022)"
FERRY = "Night Ferry (2023)"  # a hostile film: markup in a critic's name and in a review
XSS = "<img src=x onerror=alert(1)>"
FERRY_REVIEWS = [
    (f"Rae Vell {XSS}", "Harbour Gazette", "2023-03-01", "positive",
     "The <b>ferry</b> scenes are gorgeous, moving and wonderfully acted."),
    ("Sol Tam", "Port Weekly", "2023-03-09", "negative", "A dull, tedious and lifeless mess."),
]  # fmt: skip
REVIEWS = [  # critic, outlet, date, label, text: the score and the ending, both ways
    ("Ada Quill", "The Lantern", "2022-01-14", "positive",
     "The score swells with a sweeping orchestral theme that lifts every scene."),
    ("Ben Marsh", "Coastal Review", "2022-01-20", "positive",
     "Its soundtrack of haunting sea shanties is the best thing about the film."),
    ("Cora Vance", "Daily Reel", "2022-01-28", "negative",
     "The ending collapses into a rushed and muddled final act."),
    ("Mo Reyes", "Weekend Arts", "2022-01-31", "positive",
     "Composer Mara Lind writes music that breathes with the waves."),
    ("Dov Ashe", "Film Quarterly", "2022-02-03", "positive",
     "The songs are lovely and their melodies linger long after the credits roll."),
    ("Eli Stone", "The Ledger", "2022-02-11", "negative",
     "Its finale is a letdown after so much patient build-up."),
    ("Fay Lorne", "Screen Weekly", "2022-02-19", "positive",
     "The orchestral score is gorgeous and never intrusive."),
    ("Nia Ford", "The Tribune", "2022-02-25", "negative",
     "The score hammers every emotion home with relentless violins."),
    ("Gus Hale", "Night Edition", "2022-04-02", "negative",
     "The last act fizzles out with a twist nobody needed."),
    ("Hana Roe", "Picture House", "2022-04-09", "positive",
     "The ending is bold and earns every one of its tears."),
    ("Ivo Crane", "The Courier", "2022-04-22", "negative",
     "The music is overbearing, a wall of strings drowning every scene."),
    ("Oren Lake", "Film Digest", "2022-04-28", "positive",
     "The finale lands with quiet, devastating force."),
    ("Jun Park", "Metro Film", "2022-05-05", "negative",
     "The conclusion feels tacked on, as if the writers ran out of time."),
    ("Kit Ames", "The Post", "2022-05-12", "positive",
     "A lush soundtrack carries the quieter moments beautifully."),
    ("Pia Wren", "Reel Talk", "2022-05-18", "positive",
     "Its last act is the most moving stretch of the whole thing."),
    ("Lea Moss", "Cinema Notes", "2022-05-30", "negative",
     "The final twenty minutes throw away everything the story built."),
]  # fmt: skip
TEXT_BY_CRITIC = {critic: text for critic, _, _, _, text in REVIEWS}
MONTHS = ["2022-01", "2022-02", "2022-03", "2022-04", "2022-05"]
DESKTOP = {"width": 1280, "height": 1000}
SHADOW = "document.querySelector('[data-reviewqa-widget]').shadowRoot"


def month_counts() -> dict[str, tuple[int, int, int]]:
    """The fixture's own count per month: reviews, positive, negative (0s for March)."""
    by = {m: Counter(label for _, _, day, label, _ in REVIEWS if day[:7] == m) for m in MONTHS}
    return {m: (c.total(), c["positive"], c["negative"]) for m, c in by.items()}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("reception-browser")
    with (folder / "harbour.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["film", "critic", "publication", "date", "sentiment", "url", "text"])
        for i, (critic, outlet, day, label, text) in enumerate(REVIEWS):
            url = f"https://reviews.example/harbour/{i}" if i % 4 == 0 else ""
            writer.writerow([FILM, critic, outlet, day, label, url, text])
        writer.writerows([FERRY, *row[:4], "", row[4]] for row in FERRY_REVIEWS)
    settings = Settings(home=folder / "home", engine="extractive")
    report = ingest([CORPUS, folder / "harbour.csv"], settings)
    assert not report.failed and report.added == 26 + len(REVIEWS) + len(FERRY_REVIEWS)
    # The page load and the report are a handful of requests; the limits are tested elsewhere.
    env = {"REVIEWQA_MODEL_CACHE": str(model_cache), "REVIEWQA_RATE_IP_PER_MINUTE": "0"}
    with served(settings.home, folder, env) as (url, _):
        yield url


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return screenshot_folder(tmp_path_factory)


def check_quote(quote: str, byline: str) -> None:
    """`quote` is a verbatim sentence of the review of the critic `byline` names."""
    critic = next((c for c in TEXT_BY_CRITIC if c in byline), None)
    assert critic is not None, f"no fixture critic in {byline!r}"
    assert quote and quote in TEXT_BY_CRITIC[critic], (quote, critic)


# -- the chat page's Reception view --------------------------------------------------------
@pytest.fixture(scope="module")
def reception(browser: Any, server: str) -> Iterator[Any]:
    """The chat page with the Reception view open on FILM."""
    page = open_page(browser, server, DESKTOP)
    page.wait_for_selector("#rq-transcript .rq-holdings", timeout=30_000)
    page.locator("#rq-reception").get_by_role("button", name="Reception").click()
    picker = page.locator("#rq-reception-film input")
    picker.click()
    picker.fill("Harbour")
    page.get_by_role("option", name=FILM).click()
    page.wait_for_selector("#rq-reception-report .rq-report svg", timeout=60_000)
    yield page
    page.context.close()


def test_the_reception_view_shows_counts_chart_and_cited_quotes(reception: Any) -> None:
    view = reception.locator("#rq-reception-report .rq-report")
    assert view.locator("h3").inner_text() == FILM
    positive = sum(1 for r in REVIEWS if r[3] == "positive")
    assert f"{len(REVIEWS)} reviews: {positive} positive, {len(REVIEWS) - positive} negative" in (
        view.inner_text()
    )
    chart = view.locator("svg[role=img]")
    assert chart.count() == 1
    assert "Reviews by month, 2022-01 to 2022-05" in chart.locator("title").first.text_content()
    rows = view.locator("details table tbody tr")
    shown = {
        cells[0]: (int(cells[1]), int(cells[2]), int(cells[3]))
        for cells in (row.locator("td").all_text_contents() for row in rows.all())
    }
    assert shown == month_counts()  # March listed, empty
    cards = view.locator(".rq-card")
    assert cards.count() >= 4
    for card in cards.all():
        check_quote(card.locator(".rq-quote").inner_text(), card.locator(".rq-by").inner_text())
    assert {"Positive", "Negative"} <= set(view.locator(".rq-badge").all_inner_texts())
    refs = view.locator(".rq-answer a.rq-ref")
    assert refs.count() >= 1
    for ref in refs.all():  # the consensus cites cards that exist
        target = ref.get_attribute("href")
        assert target and reception.locator(target).count() == 1
    assert reception.errors == []


def test_the_reception_view_passes_axe(reception: Any, shots: Path) -> None:
    assert serious(reception, "#rq-reception") == []
    reception.locator("#rq-reception").screenshot(path=str(shots / "reception-desktop.png"))


# -- the widget with data-view="report" ----------------------------------------------------
def test_the_widget_shows_the_report(browser: Any, server: str, shots: Path) -> None:
    # The demo page's CSP has no 'unsafe-eval' (Playwright's evaluate, axe's injection): these
    # tests bypass it, as tests/test_page_browser.py's widget tests do.
    demo = f"{server}/widget/demo?film=Harbour%20Lights%20(2022)&view=report"
    page = open_page(browser, demo, DESKTOP, bypass_csp=True)
    try:
        snippet = page.locator("pre code").inner_text()
        assert 'data-view="report"' in snippet and 'data-film="Harbour Lights (2022)"' in snippet
        page.wait_for_selector("[data-reviewqa-widget]", state="attached", timeout=30_000)
        with page.expect_response(lambda r: "/report?key=demo" in r.url) as fetched:
            page.locator("button.launch").click()  # the report is fetched with the widget's key
        assert fetched.value.status == 200
        report = page.locator(".rep")
        report.locator("svg.chart").wait_for(timeout=60_000)
        assert report.locator("h3").inner_text() == FILM
        assert page.locator("#rq-input").is_visible() is False  # no chat form in this view
        label = report.locator("svg.chart").get_attribute("aria-label") or ""
        for month, (n, pos, neg) in month_counts().items():
            assert f"{month}, {n} reviews: {pos} positive, {neg} negative" in label
        bars = report.locator("svg.chart text").all_text_contents()
        assert sum(int(t) for t in bars if t.isdigit()) == len(REVIEWS)
        quotes = report.locator(".cite")
        assert quotes.count() >= 4
        for cite in quotes.all():
            text = cite.locator(".quote").text_content() or ""
            check_quote(text.strip("\u201c\u201d"), cite.locator(".who").text_content() or "")
        themes = report.locator("details")
        assert themes.count() >= 1
        assert not any(d.get_attribute("open") is not None for d in themes.all())  # collapsed
        page.screenshot(path=str(shots / "widget-report.png"))  # the report's top
        lead = report.locator(".lead").inner_text()
        refs = report.locator(".lead button.ref")
        assert refs.count() == len(re.findall(r"\[\d+\]", lead)) >= 1
        for ref in refs.all():  # each [n] opens and focuses its quote, even in a theme
            ref.click()
            assert page.evaluate(f"{SHADOW}.activeElement.className").startswith("cite")
            assert page.evaluate(f"{SHADOW}.activeElement.closest('details')?.open ?? true")
        assert page.evaluate(f"{SHADOW}.querySelectorAll('a').length") == 0
        assert serious(page) == []
        assert page.errors == []
    finally:
        page.context.close()


def test_markup_from_reviews_is_text_in_both_faces(browser: Any, server: str) -> None:
    """A critic named with an <img> tag and a review with <b>: shown as typed, in the chat
    page's view (escaped HTML) and in the widget (textContent)."""
    chat = open_page(browser, server, DESKTOP)
    demo = f"{server}/widget/demo?film=Night%20Ferry%20(2023)&view=report"
    widget = open_page(browser, demo, DESKTOP, bypass_csp=True)
    try:
        chat.wait_for_selector("#rq-transcript .rq-holdings", timeout=30_000)
        chat.locator("#rq-reception").get_by_role("button", name="Reception").click()
        chat.locator("#rq-reception-film input").fill("Night Ferry")
        chat.get_by_role("option", name=FERRY).click()
        view = chat.locator("#rq-reception-report .rq-report")
        view.wait_for(timeout=60_000)
        widget.wait_for_selector("[data-reviewqa-widget]", state="attached", timeout=30_000)
        widget.locator("button.launch").click()
        report = widget.locator(".rep")
        report.locator("h3").wait_for(timeout=60_000)
        for shown in (view.inner_text(), report.inner_text()):
            assert f"Rae Vell {XSS}" in shown and "The <b>ferry</b> scenes" in shown
        assert view.locator("img, b").count() == 0 and report.locator("img, b").count() == 0
        assert chat.errors == [] and widget.errors == []
    finally:
        chat.context.close()
        widget.context.close()
