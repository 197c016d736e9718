"""Plain functions that turn results into HTML, CSV and Markdown for the faces.

Every string that comes from a review or an answer goes through `_html` (hidden characters
revealed as ⟦U+202E⟧ markers, then `html.escape`) before it is put in HTML; the only markup
emitted is this module's own, its only links are the [n] anchors to citation cards, and its
only buttons carry a question to ask (`data-ask`, escaped). The exports neutralise text the same
way (`ui.text_safety`). Nothing here imports Gradio.

An answer is shown once: its lead (the finding, [n] linked to the cards), then one card per
quote (film, critic, outlet, date, stance), then the filters that applied.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

from assistant.result import Citation, Result
from ui.text_safety import csv_cell, markdown_inline, reveal, safe_url

__all__ = [
    "Exchange",
    "answer_html",
    "answer_text_html",
    "citation_cards_html",
    "conversation_html",
    "filters_line",
    "lead_of",
    "quote_choices",
    "quote_html",
    "quote_key",
    "quotes_csv",
    "quotes_markdown",
    "status_html",
]

CONTEXT_CHARS = 240  # review text shown around a cited span, each side
DATE_UNKNOWN = "date unknown"
_MARKERS = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_QUOTE_BULLET = re.compile(r"^[-*]\s+[\"“]")
_HEADING = re.compile(r"^\*\*[^*]+\*\*(?:\s*\(\d+\))?:?$")
_SENTIMENT_LABEL = {"positive": "Positive", "negative": "Negative"}
_STANCE_HEADING = {
    "positive": "positive reviews",
    "negative": "negative reviews",
    "unknown": "reviews without a stance label",
}
_FILTER_LABEL = {
    "film": "film",
    "critic": "critic",
    "outlet": "outlet",
    "sentiment": "sentiment",
    "since": "since",
    "until": "until",
    "top_critics": "top critics",
}
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
    "url",
    "side",  # the quote's own stance on the thing asked, where it differs from `sentiment`
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


# -- the lead -----------------------------------------------------------------------------
def lead_from_answer(text: str) -> str:
    """An answer's text without its quote bullets (`- "…" — critic [n]`) and the stance
    headings over them: what is left is the finding, for faces that show quotes as cards."""
    kept: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line.rstrip() for line in block.split("\n")]
        quotes = [line for line in lines if _QUOTE_BULLET.match(line.strip())]
        rest = [line for line in lines if line not in quotes]
        if quotes:
            rest = [line for line in rest if not _HEADING.match(line.strip())]
        if any(line.strip() for line in rest):
            kept.append("\n".join(rest).strip())
    return "\n\n".join(kept)


def lead_of(result: Result) -> str:
    """The finding to show above the cards: the core's `lead`, else the answer's non-quote
    paragraphs."""
    return result.lead.strip() or lead_from_answer(result.answer)


def ask_film(title: str) -> str:
    """The question a suggested film title asks."""
    return f"What did critics think of {title}?"


def filters_line(result: Result) -> str:
    """'Filters: film Her (2013) · sentiment negative' ("" when none applied)."""
    parts = []
    for key, value in result.filters.items():
        label = _FILTER_LABEL.get(key, key.replace("_", " "))
        shown = str(value).strip()
        if key == "top_critics":
            parts.append("top critics only" if shown.lower() in ("true", "yes", "1", "") else label)
        elif shown:
            parts.append(f"{label} {shown}")
    return "Filters: " + " · ".join(parts) if parts else ""


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


def _ask_button(question: str, label: str) -> str:
    return (
        f'<button type="button" class="rq-ask" data-ask="{_html(question)}">{_html(label)}</button>'
    )


def answer_html(result: Result, prefix: str = "cite") -> str:
    """The lead, with only the markers of its citations linked; for a refusal with
    suggestions (the closest titles to an unknown film, the films an ambiguous name may mean),
    buttons that ask about them."""
    html = answer_text_html(lead_of(result), prefix, {c.n for c in result.citations})
    if result.kind != "answer" and result.suggestions:
        buttons = "".join(_ask_button(ask_film(t), t) for t in result.suggestions)
        html += (
            '<div class="rq-suggest"><span class="rq-suggest-label">Ask about:</span> '
            f"{buttons}</div>"
        )
    return html


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


def _byline(c: Citation) -> str:
    """Critic · outlet · date, each shown (an unnamed critic and an unknown date said so)."""
    parts = [("critic", c.critic.strip()), ("outlet", c.publication.strip())]
    shown = [(cls, value) for cls, value in parts if value]
    if not shown:
        shown = [("critic", "Unnamed critic")]
    shown.append(("date", c.date.strip() or DATE_UNKNOWN))
    return " · ".join(f'<span class="rq-{cls}">{_html(value)}</span>' for cls, value in shown)


def _badges(c: Citation) -> str:
    badges = []
    if c.sentiment in _SENTIMENT_LABEL:
        badges.append(
            f'<span class="rq-badge rq-{c.sentiment}">{_SENTIMENT_LABEL[c.sentiment]}</span>'
        )
    if c.side in _SENTIMENT_LABEL and c.side != c.sentiment:
        badges.append(
            f'<span class="rq-badge rq-{c.side}" title="Read clause by clause: this quote '
            f'judges the thing asked about otherwise than its review">'
            f"{_SENTIMENT_LABEL[c.side]} on this point</span>"
        )
    if not c.verified:
        badges.append(
            '<span class="rq-badge rq-unverified" title="This text was not found in the '
            'review">⚠ Unverified quote</span>'
        )
    return "".join(badges)


def citation_cards_html(
    result: Result,
    review_texts: Mapping[str, str] | None = None,
    prefix: str = "cite",
) -> str:
    """One card per citation: the film, who, where, when, stance, and the highlighted quote."""
    if not result.citations:
        return ""
    texts = review_texts or {}
    cards: list[str] = []
    anchored: set[int] = set()
    for c in result.citations:
        anchor = "" if c.n in anchored else f' id="{_anchor(prefix, c.n)}"'
        anchored.add(c.n)
        state = "rq-card" if c.verified else "rq-card rq-card-unverified"
        cards.append(
            f'<div class="{state}"{anchor}>'
            f'<div class="rq-card-head"><span class="rq-n">[{c.n}]</span> '
            f'<span class="rq-film">{_html(c.film or "Unknown film")}</span>{_badges(c)}</div>'
            f'<div class="rq-by">{_byline(c)}</div>'
            f'<blockquote class="rq-quote">{quote_html(c, texts.get(c.review_id))}</blockquote>'
            "</div>"
        )
    return f'<div class="rq-cards">{"".join(cards)}</div>'


def _footer_html(result: Result) -> str:
    """Under an answer: the filters that applied, and the coverage when the lead lacks it."""
    lines = []
    coverage = result.coverage.line()
    if result.kind == "answer" and coverage not in lead_of(result):
        lines.append(f'<p class="rq-coverage">{_html(coverage)}</p>')
    filters = filters_line(result)
    if filters:
        lines.append(f'<p class="rq-filters">{_html(filters)}</p>')
    return f'<div class="rq-foot">{"".join(lines)}</div>'


def status_html(result: Result) -> str:
    """The status line: which engine answered, and why (said once, not under every answer)."""
    reason = f" — {_html(result.engine_reason)}" if result.engine_reason.strip() else ""
    return (
        f'<div class="rq-status"><span class="rq-engine">Engine: {_html(result.engine)}</span>'
        f"{reason}</div>"
    )


def _empty_html(holdings: str, examples: Sequence[str]) -> str:
    intro = (
        "Ask what critics said about a film: every claim comes with the critic's own words, "
        "each quote on a card with its film, critic, outlet and date."
    )
    parts = [f'<p class="rq-empty">{_html(intro)}</p>']
    if holdings:
        parts.append(f'<p class="rq-holdings">The index holds {_html(holdings)}</p>')
    if examples:
        # One tab stop for the group; the arrow keys move between the questions.
        buttons = "".join(
            f'<button type="button" class="rq-ask" data-ask="{_html(q)}" '
            f'tabindex="{0 if i == 0 else -1}">{_html(q)}</button>'
            for i, q in enumerate(examples)
        )
        parts.append(
            '<p class="rq-try" id="rq-try-label">Try asking:</p>'
            '<div class="rq-examples" role="toolbar" aria-orientation="vertical" '
            f'aria-labelledby="rq-try-label">{buttons}</div>'
        )
    return "".join(parts)


def conversation_html(
    exchanges: Sequence[Exchange], holdings: str = "", examples: Sequence[str] = ()
) -> str:
    """The whole chat: each question, its (streaming or final) answer and its cards. Empty, it
    says what the index holds (`holdings`) and offers `examples` to ask."""
    busy = any(ex.result is None and ex.error is None for ex in exchanges)
    head = (
        '<div class="rq-chat" role="log" aria-live="polite" aria-label="Conversation" '
        f'aria-busy="{"true" if busy else "false"}" tabindex="0">'
    )
    if not exchanges:
        return head + _empty_html(holdings, examples) + "</div>"
    blocks: list[str] = []
    for i, ex in enumerate(exchanges, 1):
        prefix = f"cite-{i}"
        blocks.append(f'<div class="rq-q" id="rq-q-{i}">{_html(ex.question)}</div>')
        if ex.error:
            body = f'<div class="rq-error" role="alert">{_html(ex.error)}</div>'
            state = "rq-a rq-done"
        elif ex.result is not None:
            body = (
                answer_html(ex.result, prefix)
                + citation_cards_html(ex.result, ex.review_texts, prefix)
                + _footer_html(ex.result)
            )
            state = "rq-a rq-done"
        else:
            body = answer_text_html(lead_from_answer(ex.text), prefix, known=set()) + (
                '<div class="rq-typing">Answering…</div>'
            )
            state = "rq-a"
        blocks.append(f'<div class="{state}">{body}</div>')
    return head + "".join(blocks) + "</div>"


# -- exports ------------------------------------------------------------------------------
def quote_key(c: Citation) -> str:
    """A quote's identity across a conversation (its review and span)."""
    return f"{c.review_id}@{c.span[0]}-{c.span[1]}"


def _unique(
    results: Iterable[Result], only: Collection[str] | None = None
) -> list[tuple[Result, Citation]]:
    seen: set[tuple[str, tuple[int, int], str]] = set()
    out: list[tuple[Result, Citation]] = []
    for result in results:
        for c in result.citations:
            key = (c.review_id, c.span, c.quote)
            if key not in seen and (only is None or quote_key(c) in only):
                seen.add(key)
                out.append((result, c))
    return out


def quote_choices(results: Iterable[Result], width: int = 90) -> list[tuple[str, str]]:
    """(label, key) for each quote the conversation cited, once each, for a picker: the
    label shows the film, the critic and the start of the quote (markers for hidden
    characters; a picker shows labels as text)."""
    choices = []
    for _, c in _unique(results):
        who = c.critic.strip() or c.publication.strip() or "Unnamed critic"
        quote = " ".join(c.quote.split())
        if len(quote) > width:
            quote = quote[: width - 1].rstrip() + "…"
        label = f"{c.film} — {who}: “{quote}”" + ("" if c.verified else " (unverified)")
        choices.append((reveal(label), quote_key(c)))
    return choices


def quotes_csv(results: Iterable[Result], only: Collection[str] | None = None) -> str:
    """Every quote the conversation cited (once each; those whose `quote_key` is in `only`
    when given), one CSV row each, with the review's URL where it is http(s).

    Every cell goes through `csv_cell`: hidden characters shown as markers, and a leading '
    on anything a spreadsheet could run as a formula (= + - @ TAB CR LF, full-width too).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for result, c in _unique(results, only):
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
            safe_url(c.url),
            c.side or "",
        )
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue()


def _attribution(c: Citation) -> str:
    parts = [p.strip() for p in (c.critic, c.publication) if p.strip()] or ["unnamed critic"]
    parts.append(c.date.strip() or DATE_UNKNOWN)
    return ", ".join(parts)


def quotes_markdown(results: Iterable[Result], only: Collection[str] | None = None) -> str:
    """Verified quotes as Markdown pull quotes, grouped by film then stance (positive,
    negative, unlabelled), each with the question it answered and the review's URL:

        # Her (2013): negative reviews

        > "quote" — Critic, Outlet, 2014-01-10
        >
        > Asked: Who disliked Her?
        >
        > Review: <https://…>

    Unverified quotes are left out (they may not be the critic's words); `only` keeps the
    quotes whose `quote_key` it holds. Review text goes through `markdown_inline`, so a
    CommonMark renderer shows it as text: never a link, image, autolink or HTML. The only
    links are the reviews' own http(s) URLs (`safe_url`), written as autolinks.
    """
    groups: dict[str, dict[str, list[tuple[Result, Citation]]]] = {}
    for result, c in _unique(results, only):
        if c.verified:
            stance = c.sentiment if c.sentiment in ("positive", "negative") else "unknown"
            groups.setdefault(c.film, {}).setdefault(stance, []).append((result, c))
    lines: list[str] = []
    for film, stances in groups.items():
        for stance in ("positive", "negative", "unknown"):
            if stance not in stances:
                continue
            title = markdown_inline(film or "Unknown film")
            lines += [f"# {title}: {_STANCE_HEADING[stance]}", ""]
            for result, c in stances[stance]:
                lines += [
                    f'> "{markdown_inline(c.quote)}" — {markdown_inline(_attribution(c))}',
                    ">",
                    f"> Asked: {markdown_inline(result.question)}",
                ]
                url = safe_url(c.url)
                if url:
                    lines += [">", f"> Review: <{url}>"]
                lines.append("")
    if not lines:
        lines = ["No verified quotes to export.", ""]
    return "\n".join(lines)
