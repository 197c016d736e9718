"""The Gradio "Reception" accordion: pick a film, see its reception report (counts, the
timeline chart, themes with quotes, pull quotes, the consensus). A thin adapter: the report is
`assistant.reception.reception_report`, its HTML `ui.report_html.report_html` (every review
string escaped there); `reception_html` is the plain function behind it, tested without
Gradio.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from assistant.reception import reception_report
from assistant.service import Assistant
from index.errors import ReviewQAError
from ui.report_html import report_html
from ui.text_safety import reveal

if TYPE_CHECKING:
    import gradio as gr

__all__ = ["add_reception_view", "reception_html"]

PROMPT = "<p>Pick a film to see how critics received it.</p>"


def reception_html(assistant: Assistant, film: str | None) -> str:
    """The report of `film` as HTML; a prompt when none is picked, the error when it fails."""
    if not film:
        return PROMPT
    try:
        return report_html(reception_report(assistant, film))
    except ReviewQAError as exc:
        return f'<div class="rq-error" role="alert">{escape(reveal(str(exc)))}</div>'


def add_reception_view(demo: gr.Blocks, assistant: Assistant) -> None:
    """Add the accordion to `demo` (call it inside `with demo:`); its film list is read again
    on each page load, so films ingested since appear."""
    import gradio as gr

    def films() -> Any:
        return gr.Dropdown(choices=assistant.films())

    def show(film: str | None) -> str:
        return reception_html(assistant, film)

    with gr.Accordion("Reception", open=False, elem_id="rq-reception"):
        film = gr.Dropdown(
            choices=assistant.films(),
            value=None,
            label="Film",
            filterable=True,
            elem_id="rq-reception-film",
        )
        report = gr.HTML(PROMPT, elem_id="rq-reception-report", padding=False)
    film.change(show, [film], [report], api_visibility="private")
    demo.load(films, None, [film], api_visibility="private")
