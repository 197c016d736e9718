"""The system Chromium (Debian's, never a downloaded browser), as the browser tests start it,
and what the browser tests share: a page that records its errors, axe-core's serious findings,
the screenshot folder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NEEDS_CHROMIUM = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is absent: apt-get install chromium"
)

# Read (and made absolute) when a test module imports this: conftest's autouse fixture drops
# the REVIEWQA_* variables and moves each test into its own folder.
SCREENSHOTS = (
    os.path.abspath(os.environ["REVIEWQA_SCREENSHOTS"])
    if os.environ.get("REVIEWQA_SCREENSHOTS")
    else ""
)


def screenshot_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: $REVIEWQA_SCREENSHOTS (`make screenshots`), else tmp."""
    target = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path_factory.mktemp("screenshots")
    target.mkdir(parents=True, exist_ok=True)
    return target


def open_page(browser: Any, url: str, viewport: dict[str, int], **options: Any) -> Any:
    """A page of a new context at `url`; `page.errors` holds its uncaught exceptions."""
    context = browser.new_context(viewport=viewport, accept_downloads=True, **options)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(url)
    return page


def serious(page: Any, context: str | None = None, settle_ms: int = 750) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each. Found ones are
    checked again after `settle_ms`: a colour measured while a button's transition runs (the
    chat re-rendering on a loaded machine) is no state a reader sees; a lasting one fails."""
    found = _violations(page, context)
    if found:
        page.wait_for_timeout(settle_ms)
        found = _violations(page, context)
    return found


def _violations(page: Any, context: str | None) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=context)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def ask_in_chat(page: Any, question: str, timeout_ms: int = 60_000) -> Any:
    """Ask in the Gradio chat's question box and wait for that question's answer to be final;
    its locator. The chat empties the box when it takes a question; an Enter while the
    previous answer's event is still finishing is ignored (Gradio's trigger_mode "once"), so
    Enter is pressed again until the box empties."""
    from playwright.sync_api import TimeoutError as Timeout

    done = page.locator("#rq-transcript .rq-a.rq-done").count()
    page.fill("#rq-question textarea", question)
    for _ in range(3):
        page.keyboard.press("Enter")
        try:
            page.wait_for_function(
                "document.querySelector('#rq-question textarea').value === ''", timeout=10_000
            )
            break
        except Timeout:
            continue
    page.wait_for_function(
        f"document.querySelectorAll('#rq-transcript .rq-a.rq-done').length > {done}",
        timeout=timeout_ms,
    )
    return page.locator("#rq-transcript .rq-a").nth(done)
