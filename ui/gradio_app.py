"""The Gradio chat: a thin adapter over `Assistant.stream` and the plain renderers of
`ui.render`. Every review-derived string reaches the page through `ui.render` (escaped).
"""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.chat import SessionStore
from assistant.filters import Filters
from assistant.result import Result
from assistant.service import Assistant
from index.errors import ReviewQAError
from index.store import Index
from ui import render
from ui.admin import WriteRefused, check_token, ingest_upload, uploaded_file
from ui.assets import static_text
from ui.scratch import Scratch
from ui.server_settings import ServerSettings

if TYPE_CHECKING:
    import gradio as gr

STREAM_EVERY = 0.05  # seconds between transcript refreshes while an answer streams

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


@dataclass
class Conversation:
    """One browser session's chat (kept in gr.State); its context lives in the SessionStore."""

    session_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    exchanges: list[render.Exchange] = field(default_factory=list)
    unticked: set[str] = field(default_factory=set)  # quote keys left out of the exports

    @property
    def results(self) -> list[Result]:
        return [e.result for e in self.exchanges if e.result is not None]

    def picked(self) -> list[str]:
        """The keys of the quotes to export: every quote cited, less those unticked."""
        return [key for _, key in render.quote_choices(self.results) if key not in self.unticked]


# -- plain helpers (tested without Gradio) ------------------------------------------------
def review_texts(index: Index, ids: list[str]) -> dict[str, str]:
    """The full text of these reviews, for highlighting cited spans."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = index.catalog.execute(f"SELECT id, text FROM reviews WHERE id IN ({marks})", ids)
    return {str(rid): str(text) for rid, text in rows}


def names(index: Index, column: str) -> list[str]:
    """Distinct non-empty values of a reviews column (critic, publication), sorted."""
    assert column in ("critic", "publication")
    rows = index.catalog.execute(
        f"SELECT DISTINCT {column} FROM reviews WHERE {column} != '' ORDER BY {column}"
    )
    return [str(r[0]) for r in rows]


def example_questions(index: Index) -> list[str]:
    """Questions drawn from what the index holds: its biggest film, a critic of it."""
    top = index.catalog.execute(
        "SELECT film, sum(sentiment = 'negative') FROM reviews GROUP BY film "
        "ORDER BY count(*) DESC, film LIMIT 1"
    ).fetchone()
    if top is None:
        return []
    film, negatives = str(top[0]), int(top[1] or 0)
    questions = [f"What do critics say about {film}?"]
    questions.append(f"Who disliked {film}?" if negatives else f"What did critics like in {film}?")
    critic = index.catalog.execute(
        "SELECT critic FROM reviews WHERE film = ? AND critic != '' "
        "GROUP BY critic ORDER BY count(*) DESC, critic LIMIT 1",
        (film,),
    ).fetchone()
    if critic is not None:
        questions.append(f"What did {critic[0]} think of {film}?")
    return questions


def add_reviews(
    assistant: Assistant,
    path: str | None,
    token: str | None,
    settings: ServerSettings,
    scratch: Scratch,
    upload_root: str | Path,
) -> str:
    """The UI's "Add reviews": check the token and that the file is one the client uploaded,
    ingest it under its own name, and return the report as the CLI prints it."""
    from ui.cli import print_ingest_report

    if not path:
        return "Choose a review file first (.txt .csv .jsonl .json, gzipped too)."
    out = io.StringIO()
    try:
        check_token(settings, token, ui=True)
        source = uploaded_file(path, upload_root, settings.max_upload_bytes)
        try:
            report = ingest_upload(assistant, source, source.name, settings, scratch)
        finally:
            source.unlink(missing_ok=True)  # never left in Gradio's cache for /file= to serve
        print_ingest_report(report, out)
    except WriteRefused as exc:
        print(f"refused: {exc}", file=out)
    except ReviewQAError as exc:
        print(f"error: {exc}", file=out)
    return out.getvalue()


def write_exports(folder: Path, conversation: Conversation) -> tuple[Path, Path]:
    """The conversation's ticked quotes as CSV and Markdown files (rewritten on each answer
    and each change of the ticks)."""
    target = folder / conversation.session_id
    target.mkdir(parents=True, exist_ok=True)
    csv_path, md_path = target / "reviewqa-quotes.csv", target / "reviewqa-quotes.md"
    picked = set(conversation.picked())
    csv_path.write_text(render.quotes_csv(conversation.results, picked), encoding="utf-8")
    md_path.write_text(render.quotes_markdown(conversation.results, picked), encoding="utf-8")
    return csv_path, md_path


def first_visit(assistant: Assistant) -> str:
    """The empty transcript: what the index holds, and questions it can answer."""
    holdings = assistant.holdings()
    line = holdings.line() if holdings.reviews else ""
    return render.conversation_html([], line, example_questions(assistant.index))


def too_long(question: str, cap: int) -> str:
    """The status line's error for a question over the cap (the question stays in its box)."""
    return (
        f'<div class="rq-error" role="alert">The question is {len(question):,} characters '
        f"long; the limit is {cap:,}: shorten it.</div>"
    )


# -- the Blocks ---------------------------------------------------------------------------
def _choices(label: str, values: list[str]) -> list[tuple[str, str]]:
    return [(label, ""), *((v, v) for v in values)]


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

    index = assistant.index
    max_question_chars = settings.max_question_chars

    def choices() -> list[list[tuple[str, str]]]:
        return [
            _choices("Any film", assistant.films()),
            _choices("Any critic", names(index, "critic")),
            _choices("Any outlet", names(index, "publication")),
        ]

    def dropdowns() -> tuple[Any, ...]:
        return tuple(gr.Dropdown(choices=c) for c in choices())

    def exports(conv: Conversation) -> tuple[Any, Any, Any]:
        """The two download buttons and the quote picker, for the conversation as it is."""
        picked = conv.picked()
        csv_path, md_path = write_exports(scratch.folder("exports"), conv)
        return (
            gr.DownloadButton(value=str(csv_path), interactive=bool(picked)),
            gr.DownloadButton(value=str(md_path), interactive=bool(picked)),
            gr.CheckboxGroup(choices=render.quote_choices(conv.results), value=picked),
        )

    def respond(
        question: str, film: str, critic: str, outlet: str, conv: Conversation | None
    ) -> Iterator[tuple[Any, ...]]:
        conv = conv or Conversation()
        question = (question or "").strip()
        skip = gr.skip()
        if not question:
            yield skip, skip, conv, skip, skip, skip, skip
            return
        if len(question) > max_question_chars:  # kept in its box, the error beside it
            yield skip, too_long(question, max_question_chars), conv, skip, skip, skip, skip
            return
        exchange = render.Exchange(question)
        conv.exchanges.append(exchange)
        filters = Filters(
            films=(film,) if film else (),
            critics=(critic,) if critic else (),
            outlets=(outlet,) if outlet else (),
        )
        yield render.conversation_html(conv.exchanges), "", conv, "", skip, skip, skip
        shown = time.monotonic()
        try:
            for event in assistant.stream(
                question, filters=filters, session=sessions.get(conv.session_id)
            ):
                if event.result is not None:
                    exchange.result = event.result
                    ids = sorted({c.review_id for c in event.result.citations})
                    exchange.review_texts = review_texts(index, ids)
                    break
                exchange.text += event.text
                if time.monotonic() - shown >= STREAM_EVERY:
                    shown = time.monotonic()
                    html = render.conversation_html(conv.exchanges)
                    yield html, skip, conv, skip, skip, skip, skip
        except ReviewQAError as exc:
            exchange.error = str(exc)
        html = render.conversation_html(conv.exchanges)
        if exchange.result is None:
            yield html, skip, conv, skip, skip, skip, skip
            return
        yield (html, render.status_html(exchange.result), conv, skip, *exports(conv))

    def pick(evt: gr.EventData) -> str:
        """The question a button in the transcript carries (an example, a suggested film)."""
        data = getattr(evt, "_data", None) or {}
        return str(data.get("ask") or "")[: max_question_chars + 1]

    # Gradio passes the event data to a parameter typed gr.EventData; the string annotation
    # (from __future__) names `gr`, which its module does not import at run time.
    pick.__annotations__["evt"] = gr.EventData

    def tick(picked: list[str] | None, conv: Conversation | None) -> tuple[Any, ...]:
        conv = conv or Conversation()
        keys = {key for _, key in render.quote_choices(conv.results)}
        conv.unticked = keys - set(picked or [])
        return (conv, *exports(conv)[:2])

    def reset() -> tuple[Any, ...]:
        return (
            first_visit(assistant),
            "",
            Conversation(),
            gr.DownloadButton(value=None, interactive=False),
            gr.DownloadButton(value=None, interactive=False),
            gr.CheckboxGroup(choices=[], value=[]),
        )

    def welcome() -> str:
        return first_visit(assistant)

    def on_add_reviews(path: str | None, token: str | None) -> tuple[Any, ...]:
        report = add_reviews(assistant, path, token, settings, scratch, get_upload_folder())
        return (report, *dropdowns())

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
                for c, label in zip(choices(), ("Film", "Critic", "Outlet"), strict=True)
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
