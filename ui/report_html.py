"""A reception report (`assistant.reception.Report`) as HTML for the Gradio view, with its
timeline drawn as an inline SVG made here (no script, no external asset).

Review text is untrusted: every string from a review or the catalog goes through `_html`
(hidden characters revealed, then `html.escape`); the only markup is this module's own; its
only links are the [n] anchors to the quote cards and the reviews' own http(s) URLs
(`safe_url`, escaped). The chart reads without colour: positive reviews are solid bars,
negative ones hatched, unlabelled ones outlined, all in `currentColor`, each bar labelled with
its count, and the same figures are in a table beneath it.
"""

from __future__ import annotations

import re
from html import escape

from assistant.reception import Quote, Report, Theme, Timeline
from ui.report_render import counts_line, theme_line
from ui.text_safety import reveal, safe_url

__all__ = ["report_html", "timeline_svg"]

CHART_WIDTH = 640
CHART_HEIGHT = 180
_LABELS = {"positive": "Positive", "negative": "Negative"}
_MARKER = re.compile(r"\[(\d+)\]")


def _html(text: str) -> str:
    return escape(reveal(text), quote=True)


def _id(prefix: str, name: str) -> str:
    return f"{prefix}-{name}"


# -- the timeline -------------------------------------------------------------------------
def timeline_svg(timeline: Timeline, prefix: str = "rq-rep") -> str:
    """Stacked bars per period: positive solid, negative hatched, unlabelled outlined."""
    bins = timeline.bins
    if not bins:
        return '<p class="rq-chart-empty">No dated reviews.</p>'
    top, bottom, left = 18, 34, 8
    plot = CHART_HEIGHT - top - bottom
    most = max(b.counts.reviews for b in bins) or 1
    step = (CHART_WIDTH - 2 * left) / len(bins)
    width = max(2.0, step * 0.7)
    every = max(1, round(len(bins) / 12))  # period labels that fit
    hatch = _id(prefix, "hatch")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" '
        f'width="100%" role="img" aria-labelledby="{_id(prefix, "chart-title")}" '
        'style="max-width:100%;height:auto;color:inherit">',
        f'<title id="{_id(prefix, "chart-title")}">{_html(_chart_title(timeline))}</title>',
        f'<defs><pattern id="{hatch}" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="none"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="currentColor" stroke-width="2.5"/>'
        "</pattern></defs>",
        f'<line x1="{left}" y1="{top + plot}" x2="{CHART_WIDTH - left}" y2="{top + plot}" '
        'stroke="currentColor" stroke-width="1"/>',
    ]
    for i, b in enumerate(bins):
        x = left + i * step + (step - width) / 2
        y = float(top + plot)
        segments = (
            (b.counts.positive, 'fill="currentColor"'),
            (b.counts.negative, f'fill="url(#{hatch})" stroke="currentColor" stroke-width="1"'),
            (b.counts.unlabelled, 'fill="none" stroke="currentColor" stroke-width="1"'),
        )
        share = "" if b.share_positive is None else f", {b.share_positive:.0%} positive"
        parts.append(f"<g><title>{_html(b.period)}: {_html(counts_line(b.counts))}{share}</title>")
        for n, style in segments:
            if n:
                h = plot * n / most
                y -= h
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{h:.1f}" {style}/>'
                )
        if b.counts.reviews:
            parts.append(
                f'<text x="{x + width / 2:.1f}" y="{y - 4:.1f}" font-size="11" '
                f'text-anchor="middle" fill="currentColor">{b.counts.reviews}</text>'
            )
        if i % every == 0:
            parts.append(
                f'<text x="{x + width / 2:.1f}" y="{top + plot + 16}" font-size="11" '
                f'text-anchor="middle" fill="currentColor">{_html(b.period)}</text>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def _chart_title(timeline: Timeline) -> str:
    first, last = timeline.bins[0].period, timeline.bins[-1].period
    return (
        f"Reviews by {timeline.unit}, {first} to {last}: positive solid, negative hatched, "
        "unlabelled outlined"
    )


def _legend(prefix: str) -> str:
    def swatch(style: str) -> str:
        return (
            '<svg width="14" height="14" viewBox="0 0 14 14" aria-hidden="true">'
            f'<rect x="1" y="1" width="12" height="12" {style}/></svg>'
        )

    hatch = _id(prefix, "hatch")
    items = (
        (swatch('fill="currentColor"'), "positive"),
        (swatch(f'fill="url(#{hatch})" stroke="currentColor"'), "negative"),
        (swatch('fill="none" stroke="currentColor"'), "unlabelled"),
    )
    return (
        '<p class="rq-legend" aria-hidden="true">'
        + " ".join(f"{icon} {label}" for icon, label in items)
        + "</p>"
    )


def _timeline_table(timeline: Timeline) -> str:
    unit = "Month" if timeline.unit == "month" else "Year"
    rows = []
    for b in timeline.bins:
        share = "" if b.share_positive is None else f"{b.share_positive:.0%}"
        c = b.counts
        rows.append(
            f"<tr><td>{_html(b.period)}</td><td>{c.reviews}</td><td>{c.positive}</td>"
            f"<td>{c.negative}</td><td>{share}</td></tr>"
        )
    if timeline.undated.reviews:
        c = timeline.undated
        rows.append(
            f"<tr><td>undated</td><td>{c.reviews}</td><td>{c.positive}</td>"
            f"<td>{c.negative}</td><td></td></tr>"
        )
    return (
        "<details><summary>The figures</summary><table>"
        f"<thead><tr><th>{unit}</th><th>Reviews</th><th>Positive</th><th>Negative</th>"
        f"<th>Share positive</th></tr></thead><tbody>{''.join(rows)}</tbody></table></details>"
    )


# -- quotes -------------------------------------------------------------------------------
def _card(q: Quote, prefix: str, anchored: set[int]) -> str:
    c = q.citation
    anchor = "" if q.n in anchored else f' id="{_id(prefix, f"q{q.n}")}"'
    anchored.add(q.n)
    shown = [v for v in (c.critic.strip(), c.publication.strip()) if v] or ["Unnamed critic"]
    shown.append(c.date.strip() or "date unknown")
    byline = " · ".join(_html(v) for v in shown)
    badge = ""
    if q.stance in _LABELS:
        how = "review label" if q.stance_from == "label" else "stance head"
        badge = (
            f'<span class="rq-badge rq-{q.stance}" title="stance from the {how}">'
            f"{_LABELS[q.stance]}</span>"
        )
    url = safe_url(c.url)
    link = (
        f' · <a href="{escape(url, quote=True)}" rel="noopener noreferrer nofollow" '
        'target="_blank">review</a>'
        if url
        else ""
    )
    return (
        f'<div class="rq-card"{anchor}><div class="rq-card-head"><span class="rq-n">[{q.n}]</span>'
        f" {badge}</div>"
        f'<div class="rq-by">{byline}{link}</div>'
        f'<blockquote class="rq-quote">{_html(c.quote)}</blockquote></div>'
    )


def _theme_html(theme: Theme, prefix: str, anchored: set[int]) -> str:
    quotes = [q for side in ("positive", "negative") for q in theme.quotes.get(side, [])]
    cards = "".join(_card(q, prefix, anchored) for q in quotes)
    return (
        f"<section><h4>“{_html(theme.label)}”</h4><p>{_html(theme_line(theme))}</p>"
        f'<div class="rq-cards">{cards}</div></section>'
    )


def _linked(text: str, prefix: str) -> str:
    """Escaped text with its [n] markers linked to the quote cards."""
    return _MARKER.sub(
        lambda m: f'<a class="rq-ref" href="#{_id(prefix, "q" + m.group(1))}">[{m.group(1)}]</a>',
        _html(text),
    )


def report_html(report: Report, prefix: str = "rq-rep") -> str:
    """The whole report: counts, consensus, timeline, themes with quotes, pull quotes."""
    anchored: set[int] = set()
    themes = "".join(_theme_html(t, prefix, anchored) for t in report.themes)
    pulls = [q for side in ("positive", "negative") for q in report.pull_quotes.get(side, [])]
    pull_cards = "".join(_card(q, prefix, anchored) for q in pulls)
    return (
        '<div class="rq-report">'
        f"<h3>{_html(report.film)}</h3>"
        f"<p><strong>{_html(counts_line(report.counts))}</strong><br>"
        f"Top critics: {_html(counts_line(report.top_critics))}</p>"
        f'<h4>Consensus</h4><p class="rq-answer">{_linked(report.consensus, prefix)}</p>'
        f"<h4>Reviews by {report.timeline.unit}</h4>"
        f"{timeline_svg(report.timeline, prefix)}"
        f"{_legend(prefix) if report.timeline.bins else ''}"
        f"{_timeline_table(report.timeline)}"
        "<h4>What critics talk about</h4>"
        f"{themes or '<p>No theme found: too few reviews share a subject.</p>'}"
        f'<h4>Pull quotes</h4><div class="rq-cards">{pull_cards or "<p>None.</p>"}</div>'
        "</div>"
    )
