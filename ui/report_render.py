"""Plain functions that turn a reception report (`assistant.reception.Report`) into terminal
text, article-ready Markdown and a CSV of its quotes. The HTML of the Gradio view is in
`ui.report_html`. Nothing here computes: every figure and quote is the report's.

Review text is untrusted: the Markdown goes through `markdown_inline` (never a link, image or
HTML of the review's own), the CSV through `csv_cell` (never a formula), URLs through
`safe_url` (http(s) only); the terminal text shows hidden characters as markers (`reveal`).
"""

from __future__ import annotations

import csv
import io
import textwrap
from collections.abc import Iterable

from assistant.reception import Comparison, Counts, Quote, Report, Theme
from ui.text_safety import csv_cell, markdown_inline, reveal, safe_url

__all__ = [
    "CSV_COLUMNS",
    "comparison_markdown",
    "comparison_text",
    "counts_line",
    "quotes_csv",
    "report_markdown",
    "report_text",
    "uses",
]

WIDTH = 92
BAR = 40  # characters of the longest timeline bar
SIDE_MARK = {"positive": "+", "negative": "-"}
CSV_COLUMNS = (
    "film",
    "n",
    "used_in",
    "stance",
    "stance_from",
    "critic",
    "publication",
    "date",
    "sentiment",
    "top_critic",
    "quote",
    "review_id",
    "start",
    "end",
    "url",
)


def counts_line(counts: Counts) -> str:
    """'267 reviews: 265 positive, 2 negative, 0 unlabelled'."""
    return (
        f"{counts.reviews} reviews: {counts.positive} positive, {counts.negative} negative, "
        f"{counts.unlabelled} unlabelled"
    )


def theme_line(theme: Theme) -> str:
    """'41 reviews: 40 positive, 1 negative (stance: 40 from labels, 1 from the stance head)'."""
    unclear = f", {theme.unclear} unclear" if theme.unclear else ""
    decided = theme.stance_from
    return (
        f"{theme.reviews} reviews: {theme.positive} positive, {theme.negative} negative{unclear} "
        f"(stance: {decided.get('label', 0)} from review labels, "
        f"{decided.get('stance head', 0)} from the stance head)"
    )


def attribution(quote: Quote) -> str:
    c = quote.citation
    parts = [p.strip() for p in (c.critic, c.publication) if p.strip()] or ["unnamed critic"]
    parts.append(c.date.strip() or "date unknown")
    return ", ".join(parts)


def uses(report: Report) -> dict[int, list[str]]:
    """Where the report uses each quote: n -> ["consensus", "theme: music", "pull quote"]."""
    found: dict[int, list[str]] = {}
    for q in report.citations:
        if f"[{q.n}]" in report.consensus:
            found.setdefault(q.n, []).append("consensus")
    for theme in report.themes:
        for quotes in theme.quotes.values():
            for q in quotes:
                found.setdefault(q.n, []).append(f"theme: {theme.label}")
    for quotes in report.pull_quotes.values():
        for q in quotes:
            found.setdefault(q.n, []).append("pull quote")
    return found


# -- terminal text ------------------------------------------------------------------------
def _wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(
        reveal(text), WIDTH, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False
    )


def _timeline_text(report: Report) -> list[str]:
    timeline = report.timeline
    if not timeline.bins:
        return [f"  no dated reviews ({timeline.undated.reviews} undated)"]
    most = max(b.counts.reviews for b in timeline.bins) or 1
    lines = []
    for b in timeline.bins:
        bar = "#" * round(BAR * b.counts.reviews / most)
        share = "" if b.share_positive is None else f"  {b.share_positive:.0%} positive"
        lines.append(f"  {b.period:<8} {bar:<{BAR}} {b.counts.reviews:>4}{share}")
    if timeline.undated.reviews:
        lines.append(f"  undated: {counts_line(timeline.undated)}")
    return lines


def _quote_text(q: Quote) -> str:
    mark = SIDE_MARK.get(q.stance, "?")
    return _wrap(f'{mark} "{q.citation.quote}" — {attribution(q)} [{q.n}]', "    ")


def report_text(report: Report) -> str:
    """The report as the terminal shows it."""
    unit = "month" if report.timeline.unit == "month" else "year"
    lines = [
        reveal(report.film),
        f"  {counts_line(report.counts)}",
        f"  top critics: {counts_line(report.top_critics)}",
        "",
        "Consensus",
        _wrap(report.consensus or "No reviews."),
        "",
        f"Reviews by {unit} (share positive of the labelled ones)",
        *_timeline_text(report),
        "",
        "Themes (found in the reviews; named by their own words)",
    ]
    if not report.themes:
        lines.append("  none found: too few reviews share a subject")
    for theme in report.themes:
        lines.append(_wrap(f"“{theme.label}”: {theme_line(theme)}"))
        lines += [_quote_text(q) for side in ("positive", "negative") for q in theme.quotes[side]]
    lines += ["", "Pull quotes"]
    pulls = [q for side in ("positive", "negative") for q in report.pull_quotes.get(side, [])]
    lines += [_quote_text(q) for q in pulls] or ["  none"]
    lines += ["", "Sources"]
    for q in report.citations:
        c = q.citation
        where = f"review {c.review_id}, characters {c.span[0]}-{c.span[1]}"
        url = safe_url(c.url)
        lines.append(reveal(f"  [{q.n}] {attribution(q)} ({where})" + (f" {url}" if url else "")))
    return "\n".join(lines) + "\n"


def comparison_text(comparison: Comparison) -> str:
    """Two films side by side, then the themes they share."""
    a, b = comparison.a, comparison.b
    width = max(len(a.film), len(b.film), 12)
    lines = [
        f"{'':<14}{reveal(a.film):<{width}}  {reveal(b.film)}",
        *(
            f"{label:<14}{getattr(a.counts, attr):<{width}}  {getattr(b.counts, attr)}"
            for label, attr in (
                ("reviews", "reviews"),
                ("positive", "positive"),
                ("negative", "negative"),
                ("unlabelled", "unlabelled"),
            )
        ),
        f"{'top critics':<14}{a.top_critics.reviews:<{width}}  {b.top_critics.reviews}",
        "",
        "Shared themes (each film's own words; reviews: positive / negative)",
    ]
    for shared in comparison.shared:
        x, y = shared.a, shared.b
        lines.append(
            reveal(
                f"  “{x.label}” {x.reviews}: {x.positive}/{x.negative}   vs   "
                f"“{y.label}” {y.reviews}: {y.positive}/{y.negative}"
            )
        )
    if not comparison.shared:
        lines.append("  none")
    lines += ["", f"Consensus on {reveal(a.film)}", _wrap(a.consensus)]
    lines += ["", f"Consensus on {reveal(b.film)}", _wrap(b.consensus)]
    return "\n".join(lines) + "\n"


# -- Markdown -----------------------------------------------------------------------------
def _md_quote(q: Quote) -> list[str]:
    url = safe_url(q.citation.url)
    link = f" — <{url}>" if url else ""
    byline = f"{_md_byline(q)} \\[{q.n}\\]"
    return [f'> "{markdown_inline(q.citation.quote)}"', ">", f"> — {byline}{link}", ""]


def _md_byline(q: Quote) -> str:
    c = q.citation
    who = markdown_inline(c.critic) or "Unnamed critic"
    outlet = f", *{markdown_inline(c.publication)}*" if c.publication.strip() else ""
    return f"{who}{outlet}, {markdown_inline(c.date) or 'date unknown'}"


def report_markdown(report: Report) -> str:
    """The report as an article-ready Markdown document."""
    film = markdown_inline(report.film)
    c, top = report.counts, report.top_critics
    lines = [
        f"# {film}: what the critics said",
        "",
        f"**{c.positive} of {c.reviews} reviews positive**, {c.negative} negative, "
        f"{c.unlabelled} unlabelled. Top critics: {top.positive} of {top.reviews} positive, "
        f"{top.negative} negative.",
        "",
        "## Consensus",
        "",
        markdown_inline(report.consensus) or "No reviews.",
        "",
        "## What critics talk about",
        "",
    ]
    for theme in report.themes:
        lines += [f"### “{markdown_inline(theme.label)}”", "", theme_line(theme) + ".", ""]
        for side in ("positive", "negative"):
            for q in theme.quotes[side]:
                lines += _md_quote(q)
    if not report.themes:
        lines += ["No theme found: too few reviews share a subject.", ""]
    lines += ["## Pull quotes", ""]
    for side, title in (("positive", "For"), ("negative", "Against")):
        quotes = report.pull_quotes.get(side, [])
        if quotes:
            lines += [f"### {title}", ""]
            for q in quotes:
                lines += _md_quote(q)
    unit = "Month" if report.timeline.unit == "month" else "Year"
    lines += [
        "## Reviews over time",
        "",
        f"| {unit} | Reviews | Positive | Negative | Share positive |",
        "|---|---:|---:|---:|---:|",
    ]
    for b in report.timeline.bins:
        share = "" if b.share_positive is None else f"{b.share_positive:.0%}"
        n = b.counts
        lines.append(f"| {b.period} | {n.reviews} | {n.positive} | {n.negative} | {share} |")
    if report.timeline.undated.reviews:
        n = report.timeline.undated
        lines.append(f"| undated | {n.reviews} | {n.positive} | {n.negative} | |")
    lines += ["", "## Sources", ""]
    for q in report.citations:
        url = safe_url(q.citation.url)
        start, end = q.citation.span
        where = f"review {markdown_inline(q.citation.review_id)}, characters {start}–{end}"
        lines.append(f"{q.n}. {_md_byline(q)} — {where}" + (f" — <{url}>" if url else ""))
    lines += ["", "*Quotes are verbatim; counts are the reviews' own positive/negative labels.*"]
    return "\n".join(lines) + "\n"


def comparison_markdown(comparison: Comparison) -> str:
    """Two films side by side, the themes they share, then each film's report."""
    a, b = comparison.a, comparison.b
    fa, fb = markdown_inline(a.film), markdown_inline(b.film)
    lines = [
        f"# {fa} and {fb}: the critics compared",
        "",
        f"| | {fa} | {fb} |",
        "|---|---:|---:|",
    ]
    for label, attr in (("Reviews", "reviews"), ("Positive", "positive"), ("Negative", "negative")):
        lines.append(f"| {label} | {getattr(a.counts, attr)} | {getattr(b.counts, attr)} |")
    lines += ["", "## Shared themes", ""]
    if comparison.shared:
        lines += [
            f"| {fa} | positive / negative | {fb} | positive / negative |",
            "|---|---|---|---|",
        ]
    for s in comparison.shared:
        lines.append(
            f"| “{markdown_inline(s.a.label)}” ({s.a.reviews}) | {s.a.positive} / {s.a.negative} "
            f"| “{markdown_inline(s.b.label)}” ({s.b.reviews}) | {s.b.positive} / {s.b.negative} |"
        )
    if not comparison.shared:
        lines.append("None found.")
    for report in (a, b):  # each film's report, its headings one level down
        lines += [""] + [
            "#" + line if line.startswith("#") else line
            for line in report_markdown(report).splitlines()
        ]
    return "\n".join(lines) + "\n"


# -- CSV ----------------------------------------------------------------------------------
def quotes_csv(reports: Iterable[Report]) -> str:
    """Every quote the reports cite, one row each, with where the report uses it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for report in reports:
        used = uses(report)
        for q in report.citations:
            c = q.citation
            row = (
                report.film,
                q.n,
                "; ".join(used.get(q.n, [])),
                q.stance,
                q.stance_from,
                c.critic,
                c.publication,
                c.date,
                c.sentiment,
                "yes" if q.top_critic else "no",
                c.quote,
                c.review_id,
                c.span[0],
                c.span[1],
                safe_url(c.url),
            )
            writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue()
