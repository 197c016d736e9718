"""The faces in a real browser (system Chromium, never downloaded): the Gradio chat and the
widget embedded in a page from a second origin, over a real server and a real index of
corpus/ plus a review carrying an XSS payload."""

from __future__ import annotations

import csv
import json
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from index.ingest import ingest
from index.settings import Settings
from tests.conftest import CORPUS
from tests.support.browser import NEEDS_CHROMIUM, ask_in_chat
from tests.support.servers import served

XSS = "<img src=x onerror=alert(1)>"
QUESTION = "what do critics say about Phoenix?"
WIDGET_KEY = "pagekey"
ADMIN_TOKEN = "browser-test-admin-token"

pytestmark = [
    pytest.mark.slow,
    NEEDS_CHROMIUM,
]

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("browser")
    with (folder / "xss.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["film", "critic", "publication", "date", "sentiment", "text"])
        writer.writerow(
            [
                "Her (2013)",
                "Mallory Test",
                "The Gazette",
                "2014-01-10",
                "negative",
                f"Phoenix is {XSS} oddly flat as Theodore, and the film never earns its ache.",
            ]
        )
        writer.writerow(  # a positive review whose own words on the ending are negative
            [
                "Her (2013)",
                "Ada Quill",
                "The Post",
                "2014-01-12",
                "positive",
                "A wonderful film, although the ending is a dull, clumsy letdown.",
            ]
        )
    settings = Settings(home=folder / "home", engine="extractive")
    report = ingest([CORPUS, folder / "xss.csv"], settings)
    assert not report.failed and report.added == 28
    return settings.home


class SecondOrigin:
    """A static web server on loopback: another origin than the API's."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.httpd = ThreadingHTTPServer(
            ("127.0.0.1", 0), partial(QuietHandler, directory=str(root))
        )
        self.port = int(self.httpd.server_address[1])
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def second_origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecondOrigin]:
    origin = SecondOrigin(tmp_path_factory.mktemp("site"))
    yield origin
    origin.close()


@contextmanager
def serving(
    home: Path, logs: Path, env: dict[str, str]
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`reviewqa serve` over `home` in a subprocess (extractive engine); yields its URL."""
    with served(home, logs, env) as running:
        yield running


@pytest.fixture(scope="module")
def server(
    home: Path,
    second_origin: SecondOrigin,
    tmp_path_factory: pytest.TempPathFactory,
    model_cache: Path,
) -> Iterator[str]:
    """The app in a subprocess; its one widget key allows the second origin only."""
    env = {
        "REVIEWQA_MODEL_CACHE": str(model_cache),
        "REVIEWQA_WIDGET_KEYS": json.dumps(
            {WIDGET_KEY: [f"http://127.0.0.1:{second_origin.port}"]}
        ),
        "REVIEWQA_UI_INGEST": "true",
        "REVIEWQA_ADMIN_TOKEN": ADMIN_TOKEN,
        "REVIEWQA_RATE_IP_PER_MINUTE": "0",  # one client IP asks all the module's questions
    }
    with serving(home, tmp_path_factory.mktemp("server"), env) as (url, _):
        yield url


@pytest.fixture(scope="module")
def site_url(second_origin: SecondOrigin, server: str) -> str:
    """A page on the second origin that embeds the widget with the snippet, hostile CSS too."""
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Film blog</title>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<style>*{color:green!important;font-size:30px!important}"
        "button{display:none!important}</style></head>"
        "<body><h1>My film blog</h1><p>Her (2013): the round-up.</p>"
        f'<script src="{server}/widget.js" data-film="Her (2013)" data-key="{WIDGET_KEY}" '
        "async></script></body></html>"
    )
    (second_origin.root / "page.html").write_text(page, encoding="utf-8")
    return f"http://127.0.0.1:{second_origin.port}/page.html"


def test_gradio_chat_answers_with_citation_cards(server: str, page: Any) -> None:
    page.goto(server)
    page.wait_for_selector("#rq-question textarea", timeout=30_000)
    ask_in_chat(page, QUESTION)
    cards = page.locator("#rq-transcript .rq-card")
    assert cards.count() >= 2
    xss_card = cards.filter(has_text="Mallory Test")
    assert XSS in xss_card.inner_text()
    assert xss_card.locator("mark").inner_text().startswith("Phoenix is <img")
    assert xss_card.locator(".rq-negative").inner_text() == "Negative"
    assert page.locator("#rq-transcript img").count() == 0
    for ref in page.locator("#rq-transcript a.rq-ref").all():
        target = ref.get_attribute("href")
        assert target and page.locator(target).count() == 1
    assert page.locator("#rq-transcript").inner_text().count("Based on") == 1  # said once
    assert "extractive" in page.locator("#rq-status").inner_text()  # the engine: in the status
    assert "extractive" not in page.locator("#rq-transcript").inner_text()
    page.screenshot(path="/tmp/reviewqa-gradio.png", full_page=True)
    assert page.dialogs == []


def test_gradio_follow_up_and_exports(server: str, page: Any) -> None:
    page.goto(server)
    page.wait_for_selector("#rq-question textarea", timeout=30_000)
    ask_in_chat(page, QUESTION)
    ask_in_chat(page, "Who disliked it?")
    second = page.locator("#rq-transcript .rq-a").nth(1)
    assert second.locator(".rq-card").count() == 1
    assert "Her (2013)" in second.locator(".rq-card .rq-film").inner_text()
    assert "Mallory Test" in second.locator(".rq-card .rq-critic").inner_text()
    with page.expect_download() as download:
        page.click("#rq-export-csv")
    assert download.value.suggested_filename == "reviewqa-quotes.csv"
    text = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert any(XSS in row["quote"] and row["critic"] == "Mallory Test" for row in rows)
    with page.expect_download() as download:
        page.click("#rq-export-md")
    markdown = Path(download.value.path()).read_text(encoding="utf-8")
    assert "— Mallory Test, The Gazette, 2014-01-10" in markdown
    assert page.dialogs == []


def widget(page: Any, url: str, question: str = QUESTION) -> None:
    page.goto(url)
    page.wait_for_selector("[data-reviewqa-widget]", state="attached")
    launcher = page.locator("button.launch")
    assert launcher.get_attribute("aria-label") == "Ask about critics' reviews of Her (2013)"
    launcher.click()
    assert page.evaluate(
        "document.querySelector('[data-reviewqa-widget]').shadowRoot.activeElement.id"
    ) == ("rq-input")
    page.keyboard.type(question)
    page.keyboard.press("Enter")


def test_widget_on_a_second_origin_answers_with_citations(site_url: str, page: Any) -> None:
    widget(page, site_url)
    page.wait_for_selector(".cite", timeout=30_000)
    cites = page.locator(".cite")
    assert cites.count() >= 2
    xss = cites.filter(has_text="Mallory Test")
    assert "Mallory Test, The Gazette, 2014-01-10" in xss.locator(".who").inner_text()
    assert XSS in xss.locator(".quote").inner_text()
    shadow_imgs = "document.querySelector('[data-reviewqa-widget]').shadowRoot"
    assert page.evaluate(f"{shadow_imgs}.querySelectorAll('img').length") == 0
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert "Based on" in page.locator(".a").first.inner_text()
    page.screenshot(path="/tmp/reviewqa-widget.png")
    page.keyboard.press("Escape")
    assert page.locator(".panel").is_hidden()
    assert page.evaluate(f"{shadow_imgs}.activeElement.className") == "launch"
    assert page.dialogs == []


def test_widget_shows_a_quote_read_otherwise_than_its_label(site_url: str, page: Any) -> None:
    widget(page, site_url, "What do critics say about the ending?")
    page.wait_for_selector(".cite", timeout=30_000)
    who = page.locator(".cite").filter(has_text="Ada Quill").locator(".who").inner_text()
    assert "\u25b2 positive" in who and "\u25bc negative on this point" in who, who


def test_widget_follow_up_carries_the_chat_shown(site_url: str, page: Any) -> None:
    """The widget sends the turns it shows as `history` (no session): any worker answers."""
    widget(page, site_url)
    page.wait_for_selector(".cite", timeout=30_000)
    with page.expect_request(lambda r: r.url.split("?")[0].endswith("/api/ask/stream")) as sent:
        page.keyboard.type("Who disliked it?")
        page.keyboard.press("Enter")
    page.wait_for_function(
        "document.querySelector('[data-reviewqa-widget]').shadowRoot"
        ".querySelectorAll('.a .cites').length >= 2",
        timeout=30_000,
    )
    body = json.loads(sent.value.post_data)
    assert set(body) == {"question", "film", "history"}
    assert [turn["question"] for turn in body["history"]] == [QUESTION]
    assert body["history"][0]["answer"].startswith(
        "3 of the 28 reviews of Her (2013) name Phoenix:"
    )
    second = page.locator(".a").nth(1)
    assert second.locator(".cite").count() == 1
    assert "Mallory Test" in second.locator(".who").inner_text()
    assert page.dialogs == []


def test_widget_from_an_origin_not_allowed_is_refused(
    site_url: str, second_origin: SecondOrigin, server: str, page: Any
) -> None:
    other = site_url.replace("127.0.0.1", "localhost")
    widget(page, other)
    page.wait_for_selector(".err", timeout=30_000)
    assert "Could not reach the assistant" in page.locator(".err").inner_text()
    assert page.locator(".cite").count() == 0
    origin = f"http://localhost:{second_origin.port}"
    preflight = httpx.options(
        f"{server}/api/ask/stream?key={WIDGET_KEY}",
        headers={"origin": origin, "access-control-request-method": "POST"},
    )
    assert preflight.status_code == 403
    assert "access-control-allow-origin" not in preflight.headers
    post = httpx.post(
        f"{server}/api/ask/stream?key={WIDGET_KEY}",
        json={"question": QUESTION},
        headers={"origin": origin},
    )
    assert post.status_code == 403 and "access-control-allow-origin" not in post.headers


def test_widget_is_full_width_on_a_phone(site_url: str, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 800}, is_mobile=True)
    try:
        page = context.new_page()
        page.goto(site_url)
        page.wait_for_selector("[data-reviewqa-widget]", state="attached")
        page.locator("button.launch").click()
        box = page.locator(".panel").bounding_box()
        assert box is not None and box["width"] == 390 and box["x"] == 0
        page.screenshot(path="/tmp/reviewqa-widget-phone.png")
    finally:
        context.close()


def test_widget_demo_page_same_origin(server: str, page: Any) -> None:
    widget(page, f"{server}/widget/demo?film=Her%20(2013)")
    page.wait_for_selector(".cite", timeout=30_000)
    assert page.locator("pre code").inner_text().startswith(f'<script src="{server}/widget.js"')
    assert page.dialogs == []


def test_gradio_ingest_upload_refreshes_the_filters(server: str, page: Any, tmp_path: Path) -> None:
    """Runs last: it adds a film to the shared index."""
    upload = tmp_path / "coco.txt"
    upload.write_text("# film: Coco (2017)\nA joyous, tender film about family and music.\n")
    page.goto(server)
    page.wait_for_selector("#rq-question textarea", timeout=30_000)
    page.get_by_text("Add reviews").click()
    page.set_input_files("input[type=file]", str(upload))
    page.wait_for_function(
        "(document.querySelector('#rq-upload table') || {}).innerText?.includes('coco')",
        timeout=30_000,
    )
    report = page.get_by_label("Ingest report")
    page.fill("#rq-admin-token input", "not-the-admin-token")
    page.click("#rq-ingest")
    page.wait_for_function(
        "[...document.querySelectorAll('textarea')].some(t => t.value.includes('refused'))",
        timeout=60_000,
    )
    assert "the admin token is missing or wrong" in report.input_value()
    page.fill("#rq-admin-token input", ADMIN_TOKEN)
    page.click("#rq-ingest")
    page.wait_for_function(
        "[...document.querySelectorAll('textarea')].some(t => t.value.includes('total:'))",
        timeout=60_000,
    )
    text = report.input_value()
    assert "coco.txt: 1 reviews (film from first line): 1 added" in text
    assert "total: 1 added" in text
    page.get_by_label("Film").click()
    assert "Coco (2017)" in page.get_by_role("option").all_inner_texts()
