"""The security headers in a real browser (system Chromium): the chat UI and the widget demo
work under their Content-Security-Policy with no violation, and a page of another origin
cannot frame the chat UI (frame-ancestors 'none')."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import NEEDS_CHROMIUM
from tests.test_browser import SecondOrigin

pytestmark = [pytest.mark.slow, NEEDS_CHROMIUM]

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")


def csp_errors(page: Any) -> list[str]:
    return [e for e in page.errors if "Content Security Policy" in e]


def test_the_chat_ui_works_under_its_csp(default_server: str, page: Any) -> None:
    page.goto(default_server)
    page.wait_for_selector("#rq-question textarea", timeout=30_000)
    page.fill("#rq-question textarea", "What do critics say about Phoenix?")
    page.click("#rq-ask")
    page.locator(".rq-card").first.wait_for(timeout=30_000)
    assert page.locator(".rq-card").count() >= 1
    assert csp_errors(page) == []


def test_the_widget_demo_works_under_its_strict_csp(default_server: str, page: Any) -> None:
    """The embed demo allows no inline script at all, and the widget still answers."""
    page.goto(f"{default_server}/widget/demo?film=Her%20(2013)")
    page.wait_for_selector("[data-reviewqa-widget]", state="attached", timeout=30_000)
    page.locator("button.launch").click()
    page.keyboard.type("Who disliked Her?")
    page.keyboard.press("Enter")
    page.locator(".cite").first.wait_for(timeout=30_000)
    assert csp_errors(page) == []


def test_another_origin_cannot_frame_the_chat(
    default_server: str, page: Any, tmp_path: Path
) -> None:
    (tmp_path / "frame.html").write_text(
        f"<!doctype html><title>framer</title><iframe id=f src='{default_server}/'></iframe>",
        encoding="utf-8",
    )
    site = SecondOrigin(tmp_path)
    try:
        page.goto(f"http://127.0.0.1:{site.port}/frame.html")
        page.wait_for_timeout(3000)
        frame = page.frame_locator("#f")
        assert frame.locator("#rq-question").count() == 0
        assert any("frame-ancestors" in e or "frame" in e for e in page.errors), page.errors
    finally:
        site.close()
