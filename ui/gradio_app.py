"""The Gradio chat: the Blocks of the page, each event a thin adapter over a plain callback of
`ui.chat_page.ChatPage` (tested without Gradio), whose `Update`s become component updates.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.chat import SessionStore
from assistant.service import Assistant
from ui import render
from ui.assets import static_text
from ui.chat_page import ChatPage, Conversation, Exports
from ui.scratch import Scratch
from ui.server_settings import ServerSettings

if TYPE_CHECKING:
    import gradio as gr

# ui/static/chat.css: colours for both themes (Gradio's dark mode puts `dark` on <body>),
# every text at least 4.5:1 on its background (WCAG 2.1 AA), the figures in its comments; one
# selector per rule, as Gradio prefixes custom CSS and mangles the later selectors of a list
# that starts with `.dark`.
CSS_FILE = "chat.css"
# ui/static/transcript.js: the page's behaviour, run once by the transcript (gr.HTML
# js_on_load; the chat page's CSP allows it): buttons that carry a question ask it, the
# examples are one tab stop (arrow keys move between them), a new question scrolls to its own
# top (not past its answer), the question box stays in view, and a dropdown closes when focus
# leaves it.
TRANSCRIPT_JS_FILE = "transcript.js"


def build_demo(
    assistant: Assistant,
    sessions: SessionStore,
    settings: ServerSettings,
    scratch: Scratch,
) -> gr.Blocks:
    """The chat UI over `assistant`; one ChatSession per browser session. Export files live in
    `scratch` (swept after `settings.export_max_age`); "Add reviews" shows when
    `settings.ui_ingest` is on, with a token box when an admin token is set."""
    import gradio as gr
    from gradio.utils import get_upload_folder

    page = ChatPage(assistant, sessions, settings, scratch)

    def shown(value: str | None) -> Any:
        return gr.skip() if value is None else value

    def export_widgets(exports: Exports | None) -> tuple[Any, Any, Any]:
        """The two download buttons and the quote picker."""
        if exports is None:
            return gr.skip(), gr.skip(), gr.skip()

        def button(path: Path | None) -> Any:
            value = None if path is None else str(path)
            return gr.DownloadButton(value=value, interactive=bool(exports.picked))

        return (
            button(exports.csv),
            button(exports.markdown),
            gr.CheckboxGroup(choices=exports.choices, value=exports.picked),
        )

    # Gradio names each event after its function (its api_name): keep these names.
    def dropdowns() -> tuple[Any, ...]:
        return tuple(gr.Dropdown(choices=c) for c in page.choices())

    def respond(
        question: str, film: str, critic: str, outlet: str, conv: Conversation | None
    ) -> Iterator[tuple[Any, ...]]:
        conv = conv or Conversation()
        for update in page.respond(question, film, critic, outlet, conv):
            yield (
                shown(update.transcript),
                shown(update.status),
                conv,
                shown(update.question),
                *export_widgets(update.exports),
            )

    def pick(evt: gr.EventData) -> str:
        return page.asked(getattr(evt, "_data", None))

    # Gradio passes the event data to a parameter typed gr.EventData; the string annotation
    # (from __future__) names `gr`, which its module does not import at run time.
    pick.__annotations__["evt"] = gr.EventData

    def tick(picked: list[str] | None, conv: Conversation | None) -> tuple[Any, ...]:
        conv = conv or Conversation()
        return (conv, *export_widgets(page.tick(picked, conv))[:2])

    def reset() -> tuple[Any, ...]:
        update, conv = page.reset()
        return (update.transcript, update.status, conv, *export_widgets(update.exports))

    def welcome() -> str:
        return page.welcome()

    def on_add_reviews(path: str | None, token: str | None) -> tuple[Any, ...]:
        return (page.add_reviews(path, token, get_upload_folder()), *dropdowns())

    age = settings.export_max_age
    demo = gr.Blocks(
        title="reviewqa: ask the critics",
        analytics_enabled=False,
        delete_cache=(max(60, age // 4), age),  # Gradio's copies of the exports
    )
    with demo:
        conv = gr.State(None)
        gr.Markdown(
            "# reviewqa — ask the critics\n"
            "Answers come from critics' reviews; every claim cites the review it quotes."
        )
        transcript = gr.HTML(
            render.conversation_html([]),
            elem_id="rq-transcript",
            js_on_load=static_text(TRANSCRIPT_JS_FILE),
            autoscroll=False,  # transcript.js scrolls to a new question, not to the bottom
            padding=False,
            container=False,
        )
        with gr.Row():
            question = gr.Textbox(
                label="Question",
                placeholder="What do critics say about …?",
                max_lines=3,
                scale=5,
                min_width=200,
                elem_id="rq-question",
            )
            ask = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="rq-ask")
        status = gr.HTML("", elem_id="rq-status", js_on_load=None)
        with gr.Row():
            film, critic, outlet = (
                gr.Dropdown(choices=c, label=label, value="", filterable=True, scale=1)
                for c, label in zip(page.choices(), ("Film", "Critic", "Outlet"), strict=True)
            )
        with gr.Row():
            csv_button = gr.DownloadButton(
                "Export quotes (CSV)", interactive=False, elem_id="rq-export-csv"
            )
            md_button = gr.DownloadButton(
                "Export quotes (Markdown)", interactive=False, elem_id="rq-export-md"
            )
            new_chat = gr.Button("New conversation", elem_id="rq-new")
        with gr.Accordion("Quotes to export", open=False, elem_id="rq-export-pick"):
            picks = gr.CheckboxGroup(
                choices=[],
                value=[],
                label="Untick the quotes to leave out of the exports",
                elem_id="rq-export-quotes",
            )
        if settings.ui_ingest:
            with gr.Accordion("Add reviews", open=False):
                upload = gr.File(
                    label="Review file (.txt .csv .jsonl .json, gzipped too)",
                    file_types=[".txt", ".csv", ".jsonl", ".json", ".gz"],
                    type="filepath",
                    elem_id="rq-upload",
                )
                token = gr.Textbox(
                    label="Admin token",
                    type="password",
                    visible=settings.admin_token is not None,
                    elem_id="rq-admin-token",
                )
                ingest_button = gr.Button("Ingest", elem_id="rq-ingest")
                report = gr.Textbox(label="Ingest report", lines=6, interactive=False)
            ingest_button.click(
                on_add_reviews,
                inputs=[upload, token],
                outputs=[report, film, critic, outlet],
                concurrency_limit=1,
                api_visibility="private",
            )
        from ui.reception_view import add_reception_view  # the "Reception" accordion

        add_reception_view(demo, assistant)
        gr.Markdown(
            "Also: the [HTTP API](/docs) and the [embeddable widget](/widget/demo).",
            elem_id="rq-links",
        )
        outputs = [transcript, status, conv, question, csv_button, md_button, picks]
        inputs = [question, film, critic, outlet, conv]
        ask.click(respond, inputs, outputs, api_visibility="private")
        question.submit(respond, inputs, outputs, api_visibility="private")
        transcript.click(pick, None, [question], api_visibility="private").then(
            respond, inputs, outputs, api_visibility="private"
        )
        picks.input(tick, [picks, conv], [conv, csv_button, md_button], api_visibility="private")
        new_chat.click(
            reset,
            None,
            [transcript, status, conv, csv_button, md_button, picks],
            api_visibility="private",
        )
        demo.load(dropdowns, None, [film, critic, outlet], api_visibility="private")
        demo.load(welcome, None, [transcript], api_visibility="private")
    return demo
