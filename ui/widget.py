"""The embeddable widget: `GET /widget.js` (the script a site pastes) and `GET /widget/demo`."""

from __future__ import annotations

from html import escape
from string import Template
from typing import Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from assistant.service import Assistant
from ui.assets import static_text
from ui.security import DEMO_KEY
from ui.server_settings import ServerSettings

View = Literal["chat", "report"]  # data-view: the chat, or the film's reception report


def snippet(base: str, film: str, key: str, view: View = "chat") -> str:
    """The tag a site pastes to embed the widget for `film` (`view="report"`: its reception
    report instead of the chat)."""
    attrs = f' data-film="{_attribute(film)}"' if film else ""
    attrs += f' data-key="{_attribute(key)}"' if key else ""
    attrs += ' data-view="report"' if view == "report" and film else ""
    return f'<script src="{_attribute(base)}/widget.js"{attrs} async></script>'


def _attribute(value: str) -> str:
    """`value` escaped for a double-quoted attribute: an apostrophe stays one ("A Bug's
    Life", was "A Bug&#x27;s Life" in the tag a site copies)."""
    return escape(value, quote=False).replace('"', "&quot;")


def demo_page(base: str, film: str, key: str, films: list[str], view: View = "chat") -> str:
    """The demo page: the snippet shown as text and used for real."""
    tag = snippet(base, film, key, view)
    other = "chat" if view == "report" else "report"
    flip = urlencode({"film": film, "key": key, "view": other})
    view_link = f'See <a href="/widget/demo?{escape(flip)}">the {other} view</a>.' if film else ""
    links = ", ".join(
        f'<a href="/widget/demo?{escape(urlencode({"film": f, "key": key, "view": view}))}">'
        f"{escape(f)}</a>"
        for f in films[:40]
        if f != film
    )
    return Template(static_text("demo.html")).substitute(
        film_html=escape(film or "every film in the index"),
        snippet_html=escape(tag, quote=False),  # text: quotes need no escaping
        snippet_tag=tag,
        film_links=links or "none",
        view_link=view_link,
    )


def build_widget_router(assistant: Assistant, settings: ServerSettings) -> APIRouter:
    router = APIRouter(tags=["widget"])
    default_key = "" if settings.widget_keys else DEMO_KEY

    @router.get("/widget.js", summary="The embeddable chat widget script")
    def widget_js() -> Response:
        return Response(
            static_text("widget.js"),
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=300"},
        )

    @router.get("/widget/demo", summary="A page showing the widget in use")
    def widget_demo(
        request: Request,
        film: str | None = None,
        key: str | None = None,
        view: View = "chat",
    ) -> Response:
        films = assistant.films()
        chosen = film if film is not None else (films[0] if films else "")
        base = str(request.base_url).rstrip("/")
        page = demo_page(base, chosen, default_key if key is None else key, films, view)
        return HTMLResponse(page)

    return router
