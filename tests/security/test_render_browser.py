"""Hidden characters and Markdown links of a review in a real browser (system Chromium, never
downloaded): the Gradio chat and the widget show ⟦U+202E⟧ markers, not the raw characters,
and no javascript: link, over a real server and index of corpus/ plus one hostile review."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from index.ingest import ingest
from index.settings import Settings
from tests.conftest import CORPUS
from tests.support.browser import NEEDS_CHROMIUM
from tests.support.servers import served

RLO, PDF, ZWSP = "\u202e", "\u202c", "\u200b"
JS_LINK = "[click](javascript:alert(1))"
JS_AUTOLINK = "<javascript:alert(1)>"
CRITIC = f"Ida{RLO}Tset"
REVIEW = f"Phoenix is{ZWSP} oddly {RLO}detaw{PDF} as Theodore; {JS_LINK} or {JS_AUTOLINK} here."
QUESTION = "what do critics say about Phoenix?"
# The text a reader must see, and no raw hidden character anywhere in it.
SHOWN = ("Phoenix is⟦U+200B⟧ oddly ⟦U+202E⟧detaw⟦U+202C⟧", "Ida⟦U+202E⟧Tset", JS_LINK)
NO_JS_LINKS = """root => [...root.querySelectorAll('a[href], area[href]')]
    .map(a => a.getAttribute('href'))
    .filter(h => /^\\s*javascript:/i.test(h))"""

pytestmark = [
    pytest.mark.slow,
    NEEDS_CHROMIUM,
]

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")


def assert_shown_safely(text: str) -> None:
    for raw in (RLO, PDF, ZWSP):
        assert raw not in text, f"U+{ord(raw):04X} reached the page raw"
    for shown in SHOWN:
        assert shown in text


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Iterator[str]:
    """`reviewqa serve` (extractive engine, demo widget key) over corpus/ plus the review."""
    folder = tmp_path_factory.mktemp("render-browser")
    with (folder / "hostile.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["film", "critic", "publication", "date", "sentiment", "text"])
        writer.writerow(["Her (2013)", CRITIC, "The Gazette", "2014-02-02", "negative", REVIEW])
    settings = Settings(home=folder / "home", engine="extractive")
    report = ingest([CORPUS, folder / "hostile.csv"], settings)
    assert not report.failed and report.added == 27
    env = {"REVIEWQA_MODEL_CACHE": str(model_cache)}
    with served(settings.home, folder, env) as (url, _):
        yield url


def test_gradio_shows_markers_and_no_javascript_link(server: str, page: Any) -> None:
    page.goto(server)
    page.wait_for_selector("#rq-question textarea", timeout=30_000)
    page.fill("#rq-question textarea", QUESTION)
    page.keyboard.press("Enter")
    page.locator("#rq-transcript .rq-a.rq-done").first.wait_for(timeout=30_000)  # no eval: CSP
    transcript = page.locator("#rq-transcript")
    text = transcript.evaluate("node => node.textContent")
    assert_shown_safely(text)
    assert text.count("⟦U+202E⟧detaw") == 1  # once: on its card
    assert page.evaluate(NO_JS_LINKS, page.evaluate_handle("document")) == []
    for link in transcript.locator("a").all():
        assert link.get_attribute("class") == "rq-ref"
        assert (link.get_attribute("href") or "").startswith("#cite-")
    with page.expect_download() as download:
        page.click("#rq-export-md")
    markdown = Path(download.value.path()).read_text(encoding="utf-8")
    assert RLO not in markdown and ZWSP not in markdown and "⟦U+202E⟧detaw" in markdown
    assert "\\[click\\](javascript:alert(1))" in markdown
    assert page.dialogs == []


def test_widget_demo_shows_markers_and_no_javascript_link(server: str, page: Any) -> None:
    page.goto(f"{server}/widget/demo?film=Her%20(2013)")
    page.wait_for_selector("[data-reviewqa-widget]", state="attached")
    page.locator("button.launch").click()
    page.locator("#rq-input").fill(QUESTION)
    page.keyboard.press("Enter")
    page.wait_for_selector(".cite", timeout=30_000)
    shadow = page.evaluate_handle("document.querySelector('[data-reviewqa-widget]').shadowRoot")
    text = page.evaluate("root => root.querySelector('.log').textContent", shadow)
    assert_shown_safely(text)
    assert page.locator(".cite").filter(has_text="Ida⟦U+202E⟧Tset").count() == 1
    assert page.evaluate(NO_JS_LINKS, shadow) == []
    assert page.evaluate("root => root.querySelectorAll('a').length", shadow) == 0
    assert page.evaluate(NO_JS_LINKS, page.evaluate_handle("document")) == []
    assert page.dialogs == []
