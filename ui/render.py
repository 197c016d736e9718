"""Plain functions that turn results into HTML, CSV and Markdown for the faces.

Every string that comes from a review or an answer goes through `_html` (hidden characters
revealed as ⟦U+202E⟧ markers, then `html.escape`) before it is put in HTML; the only markup
emitted is this module's own, and its only links are the [n] anchors to citation cards. The
exports neutralise text the same way (`ui.text_safety`). Nothing here imports Gradio.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

from assistant.result import Citation, Result
from ui.text_safety import csv_cell, markdown_inline, reveal

__all__ = [
    "Exchange",
    "answer_html",
    "answer_text_html",
    "citation_cards_html",
    "conversation_html",
    "quote_html",
    "quotes_csv",
    "quotes_markdown",
    "status_html",
]

CONTEXT_CHARS = 240  # review text shown around a cited span, each side
_MARKERS = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_SENTIMENT_LABEL = {"positive": "Positive", "negative": "Negative"}
CSV_COLUMNS = (
    "question",
    "n",
    "film",
    "critic",
    "publication",
    "date",
    "sentiment",
    "quote",
    "verified",
    "review_id",
)


@dataclass
class Exchange:
    """One question of a conversation and its answer, streamed (`text`) or final (`result`)."""

    question: str
    text: str = ""
    result: Result | None = None
    error: str | None = None
    review_texts: dict[str, str] = field(default_factory=dict)


def _html(text: str, quote: bool = True) -> str:
    """Untrusted text as HTML text: hidden characters shown as markers, then escaped."""
    return escape(reveal(text), quote=quote)


def _anchor(prefix: str, n: int) -> str:
    return f"{prefix}-{n}"


# -- answers ------------------------------------------------------------------------------
def _inline(line: str, prefix: str, known: set[int] | None) -> str:
    """One escaped line with **bold** and [n] markers turned into links to their cards."""
    out = _BOLD.sub(r"<strong>\1</strong>", _html(line, quote=False))

    def link(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        if known is not None and not all(n in known for n in numbers):
            return match.group(0)
        return "".join(f'<a class="rq-ref" href="#{_anchor(prefix, n)}">[{n}]</a>' for n in numbers)

    return _MARKERS.sub(link, out)


def answer_text_html(text: str, prefix: str = "cite", known: set[int] | None = None) -> str:
    """An answer's text as HTML: paragraphs, "- " items as a list, [n] linked to #prefix-n."""
    parts: list[str] = []
    items: list[str] = []
    para: list[str] = []

    def flush() -> None:
        if items:
            parts.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
            items.clear()
        if para:
            parts.append("<p>" + "<br>".join(para) + "</p>")
            para.clear()

    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped:
            flush()
        elif stripped.startswith(("- ", "* ")):
            if para:
                flush()
            items.append(_inline(stripped[2:], prefix, known))
        else:
            if items:
                flush()
            para.append(_inline(stripped, prefix, known))
    flush()
    return f'<div class="rq-answer">{"".join(parts)}</div>'


def answer_html(result: Result, prefix: str = "cite") -> str:
    """The final answer, with only the markers of its citations linked."""
    return answer_text_html(result.answer, prefix, {c.n for c in result.citations})


# -- citation cards -----------------------------------------------------------------------
def quote_html(citation: Citation, review_text: str | None = None) -> str:
    """The quote as HTML: the cited span highlighted inside some of the review's own text."""
    start, end = citation.span
    if not citation.verified or review_text is None or not 0 <= start < end <= len(review_text):
        return (
            f"<mark>{_html(citation.quote)}</mark>" if citation.verified else _html(citation.quote)
        )
    lo, hi = max(0, start - CONTEXT_CHARS), min(len(review_text), end + CONTEXT_CHARS)
    before = ("…" if lo > 0 else "") + review_text[lo:start]
    after = review_text[end:hi] + ("…" if hi < len(review_text) else "")
    return f"{_html(before)}<mark>{_html(review_text[start:end])}</mark>{_html(after)}"


def citation_cards_html(
    result: Result,
    review_texts: Mapping[str, str] | None = None,
    prefix: str = "cite",
) -> str:
    """One card per citation: who, where, when, stance, and the highlighted quote."""
    if not result.citations:
        return ""
    texts = review_texts or {}
    cards: list[str] = []
    anchored: set[int] = set()
    for c in result.citations:
        anchor = "" if c.n in anchored else f' id="{_anchor(prefix, c.n)}"'
        anchored.add(c.n)
        who = (
            " · ".join(
                f'<span class="rq-{cls}">{_html(value)}</span>'
                for cls, value in (
                    ("critic", c.critic),
                    ("outlet", c.publication),
                    ("date", c.date),
                )
                if value.strip()
            )
            or '<span class="rq-critic">Unnamed critic</span>'
        )
        badges = []
        if c.sentiment in _SENTIMENT_LABEL:
            badges.append(
                f'<span class="rq-badge rq-{c.sentiment}">{_SENTIMENT_LABEL[c.sentiment]}</span>'
            )
        if not c.verified:
            badges.append(
                '<span class="rq-badge rq-unverified" title="This text was not found in the '
                'review">⚠ Unverified quote</span>'
            )
        state = "rq-card" if c.verified else "rq-card rq-card-unverified"
        cards.append(
            f'<div class="{state}"{anchor}>'
            f'<div class="rq-card-head"><span class="rq-n">[{c.n}]</span> {who} {"".join(badges)}'
            f"</div>"
            f'<div class="rq-film">{_html(c.film)}</div>'
            f'<blockquote class="rq-quote">{quote_html(c, texts.get(c.review_id))}</blockquote>'
            "</div>"
        )
    return f'<div class="rq-cards">{"".join(cards)}</div>'


def status_html(result: Result) -> str:
    """The engine that answered (and why) and the coverage line."""
    return (
        f'<div class="rq-status"><span class="rq-engine">Engine: {_html(result.engine)}'
        f"</span> — {_html(result.engine_reason)}<br>"
        f'<span class="rq-coverage">{_html(result.coverage.line())}</span></div>'
    )


def conversation_html(exchanges: Sequence[Exchange]) -> str:
    """The whole chat: each question, its (streaming or final) answer and its cards."""
    if not exchanges:
        return (
            '<div class="rq-chat"><p class="rq-empty">Ask what critics said about a film: '
            "every claim comes with the critic's own words.</p></div>"
        )
    blocks: list[str] = []
    for i, ex in enumerate(exchanges, 1):
        prefix = f"cite-{i}"
        blocks.append(f'<div class="rq-q">{_html(ex.question)}</div>')
        if ex.error:
            body = f'<div class="rq-error" role="alert">{_html(ex.error)}</div>'
        elif ex.result is not None:
            body = (
                answer_html(ex.result, prefix)
                + citation_cards_html(ex.result, ex.review_texts, prefix)
                + status_html(ex.result)
            )
        else:
            body = answer_text_html(ex.text, prefix, known=set()) + (
                '<div class="rq-typing">…</div>'
            )
        blocks.append(f'<div class="rq-a">{body}</div>')
    return f'<div class="rq-chat">{"".join(blocks)}</div>'


# -- exports ------------------------------------------------------------------------------
def _unique(results: Iterable[Result]) -> list[tuple[Result, Citation]]:
    seen: set[tuple[str, tuple[int, int], str]] = set()
    out: list[tuple[Result, Citation]] = []
    for result in results:
        for c in result.citations:
            key = (c.review_id, c.span, c.quote)
            if key not in seen:
                seen.add(key)
                out.append((result, c))
    return out


def quotes_csv(results: Iterable[Result]) -> str:
    """Every quote the conversation cited (once each), one CSV row each.

    Every cell goes through `csv_cell`: hidden characters shown as markers, and a leading '
    on anything a spreadsheet could run as a formula (= + - @ TAB CR LF, full-width too).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for result, c in _unique(results):
        row = (
            result.question,
            c.n,
            c.film,
            c.critic,
            c.publication,
            c.date,
            c.sentiment,
            c.quote,
            "yes" if c.verified else "no",
            c.review_id,
        )
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue()


def _attribution(c: Citation) -> str:
    parts = [p.strip() for p in (c.critic, c.publication) if p.strip()]
    if not parts:
        parts = [f"a review of {c.film}"]
    if c.date.strip():
        parts.append(c.date.strip())
    return ", ".join(parts)


def quotes_markdown(results: Iterable[Result]) -> str:
    """Verified quotes as Markdown pull quotes: > "quote" — Critic, Outlet, date.

    Unverified quotes are left out (they may not be the critic's words). Review text goes
    through `markdown_inline`, so a CommonMark renderer shows it as text: never a link, image,
    autolink or HTML. The export writes no links of its own (a citation has no URL).
    """
    lines = ["# Pull quotes", ""]
    for _, c in _unique(results):
        if not c.verified:
            continue
        lines += [f'> "{markdown_inline(c.quote)}" — {markdown_inline(_attribution(c))}', ""]
    return "\n".join(lines)
