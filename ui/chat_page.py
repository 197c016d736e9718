"""What the chat page does, without Gradio: each callback takes the page's plain values and
returns what changes (`Update`, `Exports`); `ui.gradio_app` binds them to components. Every
review-derived string reaches the page through `ui.render` (escaped).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.chat import SessionStore
from assistant.questions import QuestionError, checked_question, filters_from
from assistant.result import Result
from assistant.service import Assistant
from index.errors import ReviewQAError
from ui import render
from ui.admin import WriteRefused, check_token, ingest_upload, uploaded_file
from ui.ingest_report import ingest_report_text
from ui.scratch import Scratch
from ui.server_settings import ServerSettings

STREAM_EVERY = 0.05  # seconds between transcript refreshes while an answer streams


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


@dataclass(frozen=True)
class Exports:
    """The two export files (None: none written yet), the quotes to pick from (label, key)
    and the keys picked; the download buttons work when a quote is picked."""

    csv: Path | None = None
    markdown: Path | None = None
    choices: list[tuple[str, str]] = field(default_factory=list)
    picked: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Update:
    """What one step of an answer changes on the page; None leaves that part as it is."""

    transcript: str | None = None  # the conversation's HTML
    status: str | None = None  # the line under the question box (HTML)
    question: str | None = None  # "" empties the question box
    exports: Exports | None = None


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
    return render.conversation_html([], line, assistant.examples())


def too_long(length: int, cap: int) -> str:
    """The status line's error for a question over the cap (the question stays in its box)."""
    return (
        f'<div class="rq-error" role="alert">The question is {length:,} characters '
        f"long; the limit is {cap:,}: shorten it.</div>"
    )


def _choices(label: str, values: list[str]) -> list[tuple[str, str]]:
    return [(label, ""), *((v, v) for v in values)]


class ChatPage:
    """The page's callbacks over one assistant; one ChatSession per browser session. Export
    files live in `scratch`; "Add reviews" ingests with `Assistant.ingest`."""

    def __init__(
        self,
        assistant: Assistant,
        sessions: SessionStore,
        settings: ServerSettings,
        scratch: Scratch,
    ) -> None:
        self.assistant = assistant
        self.sessions = sessions
        self.settings = settings
        self.scratch = scratch

    def choices(self) -> list[list[tuple[str, str]]]:
        """The film, critic and outlet dropdowns' (label, value) choices, "any" first."""
        return [
            _choices("Any film", self.assistant.films()),
            _choices("Any critic", self.assistant.critics()),
            _choices("Any outlet", self.assistant.outlets()),
        ]

    def welcome(self) -> str:
        return first_visit(self.assistant)

    def respond(
        self, question: str | None, film: str, critic: str, outlet: str, conv: Conversation
    ) -> Iterator[Update]:
        """Ask `question` in `conv` (which records the exchange): the transcript as the answer
        streams, then the status line and the exports. An empty question changes nothing; a
        long one stays in its box, the error beside it."""
        try:
            question = checked_question(question or "", self.settings.max_question_chars)
        except QuestionError as exc:  # empty: nothing to do
            yield Update(status=None if exc.limit is None else too_long(exc.length, exc.limit))
            return
        exchange = render.Exchange(question)
        conv.exchanges.append(exchange)
        filters = filters_from({"film": film, "critic": critic, "outlet": outlet})
        yield Update(transcript=render.conversation_html(conv.exchanges), status="", question="")
        shown = time.monotonic()
        try:
            for event in self.assistant.stream(
                question, filters=filters, session=self.sessions.get(conv.session_id)
            ):
                if event.result is not None:
                    exchange.result = event.result
                    ids = sorted({c.review_id for c in event.result.citations})
                    exchange.review_texts = self.assistant.review_texts(ids)
                    break
                exchange.text += event.text
                if time.monotonic() - shown >= STREAM_EVERY:
                    shown = time.monotonic()
                    yield Update(transcript=render.conversation_html(conv.exchanges))
        except ReviewQAError as exc:
            exchange.error = str(exc)
        html = render.conversation_html(conv.exchanges)
        if exchange.result is None:
            yield Update(transcript=html)
            return
        yield Update(
            transcript=html, status=render.status_html(exchange.result), exports=self.exports(conv)
        )

    def exports(self, conv: Conversation) -> Exports:
        """Write the conversation's exports as its ticks stand."""
        picked = conv.picked()
        csv_path, md_path = write_exports(self.scratch.folder("exports"), conv)
        return Exports(csv_path, md_path, render.quote_choices(conv.results), picked)

    def tick(self, picked: list[str] | None, conv: Conversation) -> Exports:
        """The quotes ticked now are `picked`: the exports rewritten without the others."""
        keys = {key for _, key in render.quote_choices(conv.results)}
        conv.unticked = keys - set(picked or [])
        return self.exports(conv)

    def reset(self) -> tuple[Update, Conversation]:
        """A new conversation: the first visit's transcript, nothing to export."""
        return Update(transcript=self.welcome(), status="", exports=Exports()), Conversation()

    def asked(self, data: Mapping[str, Any] | None) -> str:
        """The question a button in the transcript carries (an example, a suggested film),
        cut just past the limit (the question box then says it is too long)."""
        return str((data or {}).get("ask") or "")[: self.settings.max_question_chars + 1]

    def add_reviews(self, path: str | None, token: str | None, upload_root: str | Path) -> str:
        """The "Add reviews" button: check the token and that the file is one the client
        uploaded, ingest it under its own name, and return the report as the CLI prints it."""
        if not path:
            return "Choose a review file first (.txt .csv .jsonl .json, gzipped too)."
        try:
            check_token(self.settings, token, ui=True)
            source = uploaded_file(path, upload_root, self.settings.max_upload_bytes)
            try:
                report = ingest_upload(
                    self.assistant, source, source.name, self.settings, self.scratch
                )
            finally:
                source.unlink(missing_ok=True)  # never left in Gradio's cache for /file= to serve
        except WriteRefused as exc:
            return f"refused: {exc}\n"
        except ReviewQAError as exc:
            return f"error: {exc}\n"
        return ingest_report_text(report)
