"""The evaluation's tables: one system per kind, or two side by side with ratios (text and
Markdown). Scores a question set lacks (syn_recall, gold cited, span covered) get no column."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.evaluation import EvalReport, KindScore

__all__ = ["format_comparison", "format_markdown", "format_report"]


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _ratio(ours: float | None, theirs: float | None) -> str:
    if ours is None or theirs is None:
        return "n/a"
    if theirs == 0:
        return "inf" if ours else "n/a"
    return f"{ours / theirs:.2f}x"


# The scores a set may lack: (column, attribute, shown when the set's "all" has this one).
# Span covered goes with gold cited: it is n/a, not absent, for a system that quotes nothing.
_OPTIONAL = (
    ("syn_recall", "syn_recall", "syn_recall"),
    ("gold cited", "gold_cited", "gold_cited"),
    ("span covered", "span_covered", "gold_cited"),
)


def _optional(report: EvalReport) -> list[tuple[str, str]]:
    """The optional columns of a report: those its question set scores."""
    return [
        (name, attr) for name, attr, when in _OPTIONAL if getattr(report.overall, when) is not None
    ]


def _row(s: KindScore, optional: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    return (
        s.kind,
        str(s.questions),
        _pct(s.recall),
        _pct(s.precision),
        *(_pct(getattr(s, attr)) for _, attr in optional),
        _pct(s.verified_rate),
        f"{s.cited_mean:.1f}",
        f"{s.p50_ms:.0f}",
        f"{s.p95_ms:.0f}",
    )


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    ]
    return "\n".join(line.rstrip() for line in lines)


def format_report(report: EvalReport) -> str:
    """A text table: one row per kind, then all."""
    optional = _optional(report)
    header = (
        "kind",
        "n",
        "recall@k",
        "precision",
        *(name for name, _ in optional),
        "verified",
        "cited",
        "p50 ms",
        "p95 ms",
    )
    rows = [header, *(_row(s, optional) for s in [*report.kinds, report.overall])]
    return f"{report.system} (k={report.k})\n{_table(rows)}"


def _comparison_rows(ours: EvalReport, base: EvalReport) -> list[tuple[str, ...]]:
    kinds = [s.kind for s in ours.kinds] + ["all"]
    scored = [("recall", "recall"), ("precision", "precision"), *_optional(ours)]
    rows: list[tuple[str, ...]] = []
    for kind in kinds:
        a, b = ours.kind(kind), base.kind(kind)
        cells = [kind, str(a.questions)]
        for _, attr in scored:
            mine, theirs = getattr(a, attr), getattr(b, attr)
            cells += [_pct(mine), _pct(theirs), _ratio(mine, theirs)]
        cells += [
            _pct(a.verified_rate),
            f"{a.p50_ms:.0f} / {b.p50_ms:.0f}",
            f"{a.p95_ms:.0f} / {b.p95_ms:.0f}",
        ]
        rows.append(tuple(cells))
    return rows


def format_comparison(ours: EvalReport, base: EvalReport) -> str:
    """Two systems side by side per kind, with the ratios ours / base."""
    scored = ["recall", "precision", *(name for name, _ in _optional(ours))]
    header = (
        "kind",
        "n",
        *(c for name in scored for c in (name, "base", "ratio")),
        "verified",
        "p50 ms (ours / base)",
        "p95 ms (ours / base)",
    )
    rows = [header, *_comparison_rows(ours, base)]
    return f"{ours.system} vs {base.system} (k={ours.k})\n{_table(rows)}"


def format_markdown(ours: EvalReport, base: EvalReport) -> str:
    """The comparison as a Markdown table (for BENCHMARKS.md)."""
    scored = [f"recall@{ours.k}", "precision", *(name for name, _ in _optional(ours))]
    header = [
        "kind",
        "n",
        *(
            c
            for name in scored
            for c in (f"{name} ({ours.system})", f"{name} ({base.system})", "ratio")
        ),
        "verified quotes",
        "p50 ms",
        "p95 ms",
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in _comparison_rows(ours, base):
        cells = list(row)
        cells[0] = f"**{cells[0]}**" if cells[0] == "all" else cells[0]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
