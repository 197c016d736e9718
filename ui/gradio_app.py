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
from ui.scratch import Scratch
from ui.server_settings import ServerSettings

if TYPE_CHECKING:
    import gradio as gr

STREAM_EVERY = 0.05  # seconds between transcript refreshes while an answer streams

CSS = """
.rq-chat { display: flex; flex-direction: column; gap: 8px; padding: 4px; }
.rq-empty { color: var(--body-text-color-subdued); }
.rq-q { align-self: flex-end; max-width: 80%; background: var(--color-accent-soft);
        padding: 8px 12px; border-radius: 12px; white-space: pre-wrap; }
.rq-a { align-self: flex-start; max-width: 100%; background: var(--background-fill-secondary);
        border: 1px solid var(--border-color-primary); padding: 10px 14px; border-radius: 12px; }
.rq-answer p { margin: 0 0 8px; } .rq-answer ul { margin: 0 0 8px 18px; padding: 0; }
.rq-answer li { margin: 2px 0; }
.rq-answer a.rq-ref { font-weight: 600; text-decoration: none; color: var(--color-accent);
                      padding: 0; margin: 0; font-size: inherit; }
.rq-cards { display: grid; gap: 8px; margin-top: 10px; }
.rq-card { border: 1px solid var(--border-color-primary);
           border-left: 4px solid var(--color-accent); border-radius: 8px; padding: 8px 10px;
           background: var(--background-fill-primary);
           scroll-margin-top: 12px; }
.rq-card:target { box-shadow: 0 0 0 3px var(--color-accent-soft); }
.rq-card-unverified { border-left-color: #c77700; border-style: dashed; }
.rq-card-head { font-size: 0.9em; }
.rq-n { font-weight: 700; } .rq-critic { font-weight: 600; }
.rq-film { font-size: 0.8em; color: var(--body-text-color-subdued); }
.rq-cards .rq-quote { margin: 6px 0 0; padding: 0 0 0 10px; white-space: pre-wrap;
                      border-left: 2px solid var(--border-color-primary); font-style: normal; }
.rq-quote mark { background: #fff1a8; color: #1b1b1b; padding: 0 1px; }
.rq-badge { display: inline-block; font-size: 0.75em; font-weight: 600; padding: 1px 7px;
            border-radius: 999px; margin-left: 4px; vertical-align: 1px; }
.rq-positive { background: #dcfce7; color: #14532d; }
.rq-negative { background: #fee2e2; color: #7f1d1d; }
.rq-unverified { background: #fef3c7; color: #78350f; }
.rq-status { font-size: 0.85em; color: var(--body-text-color-subdued); margin-top: 8px; }
.rq-error { color: #b42318; }
.rq-typing { color: var(--body-text-color-subdued); }
"""


@dataclass
class Conversation:
    """One browser session's chat (kept in gr.State); its context lives in the SessionStore."""

    session_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    exchanges: list[render.Exchange] = field(default_factory=list)

    @property
    def results(self) -> list[Result]:
        return [e.result for e in self.exchanges if e.result is not None]


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
    """The conversation's quotes as CSV and Markdown files (overwritten each answer)."""
    target = folder / conversation.session_id
    target.mkdir(parents=True, exist_ok=True)
    csv_path, md_path = target / "reviewqa-quotes.csv", target / "reviewqa-quotes.md"
    csv_path.write_text(render.quotes_csv(conversation.results), encoding="utf-8")
    md_path.write_text(render.quotes_markdown(conversation.results), encoding="utf-8")
    return csv_path, md_path


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

    def respond(
        question: str, film: str, critic: str, outlet: str, conv: Conversation | None
    ) -> Iterator[tuple[Any, ...]]:
        conv = conv or Conversation()
        question = (question or "").strip()
        if not question:
            yield gr.skip(), gr.skip(), conv, gr.skip(), gr.skip(), gr.skip()
            return
        exchange = render.Exchange(question[:max_question_chars])
        conv.exchanges.append(exchange)
        if len(question) > max_question_chars:
            exchange.error = f"The question is over {max_question_chars} characters: shorten it."
            yield (
                render.conversation_html(conv.exchanges),
                gr.skip(),
                conv,
                "",
                gr.skip(),
                gr.skip(),
            )
            return
        filters = Filters(
            films=(film,) if film else (),
            critics=(critic,) if critic else (),
            outlets=(outlet,) if outlet else (),
        )
        yield render.conversation_html(conv.exchanges), gr.skip(), conv, "", gr.skip(), gr.skip()
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
                    yield html, gr.skip(), conv, gr.skip(), gr.skip(), gr.skip()
        except ReviewQAError as exc:
            exchange.error = str(exc)
        html = render.conversation_html(conv.exchanges)
        if exchange.result is None:
            yield html, gr.skip(), conv, gr.skip(), gr.skip(), gr.skip()
            return
        csv_path, md_path = write_exports(scratch.folder("exports"), conv)
        yield (
            html,
            render.status_html(exchange.result),
            conv,
            gr.skip(),
            gr.DownloadButton(value=str(csv_path), interactive=True),
            gr.DownloadButton(value=str(md_path), interactive=True),
        )

    def reset() -> tuple[Any, ...]:
        return (
            render.conversation_html([]),
            "",
            Conversation(),
            gr.DownloadButton(value=None, interactive=False),
            gr.DownloadButton(value=None, interactive=False),
        )

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
            "## reviewqa — ask the critics\n"
            "Answers come from critics' reviews; every claim cites the review it quotes. "
            "Also: the [HTTP API](/docs) and the [embeddable widget](/widget/demo)."
        )
        with gr.Row():
            film, critic, outlet = (
                gr.Dropdown(choices=c, label=label, value="", filterable=True, scale=1)
                for c, label in zip(choices(), ("Film", "Critic", "Outlet"), strict=True)
            )
        transcript = gr.HTML(
            render.conversation_html([]),
            elem_id="rq-transcript",
            js_on_load=None,
            autoscroll=True,
            max_height=640,
            padding=True,
            container=True,
        )
        status = gr.HTML("", elem_id="rq-status", js_on_load=None)
        with gr.Row():
            question = gr.Textbox(
                label="Question",
                placeholder="What do critics say about …?",
                max_lines=3,
                scale=5,
                elem_id="rq-question",
            )
            ask = gr.Button("Ask", variant="primary", scale=1, elem_id="rq-ask")
        examples = example_questions(index)
        if examples:
            gr.Examples([[q] for q in examples], inputs=[question], label="Try asking")
        with gr.Row():
            csv_button = gr.DownloadButton(
                "Export quotes (CSV)", interactive=False, elem_id="rq-export-csv"
            )
            md_button = gr.DownloadButton(
                "Export quotes (Markdown)", interactive=False, elem_id="rq-export-md"
            )
            new_chat = gr.Button("New conversation", elem_id="rq-new")
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
        outputs = [transcript, status, conv, question, csv_button, md_button]
        inputs = [question, film, critic, outlet, conv]
        ask.click(respond, inputs, outputs, api_visibility="private")
        question.submit(respond, inputs, outputs, api_visibility="private")
        new_chat.click(
            reset, None, [transcript, status, conv, csv_button, md_button], api_visibility="private"
        )
        demo.load(dropdowns, None, [film, critic, outlet], api_visibility="private")
    return demo
