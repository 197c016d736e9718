"""An ingest report as text: what `reviewqa ingest` prints and the chat page's "Add reviews"
shows (the HTTP API's JSON form is `ui.admin.report_json`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from index.ingest import IngestReport

SHOWN_SKIPPED = 50


def ingest_report_text(report: IngestReport, skipped_file: Path | None = None) -> str:
    """The summary of an ingest run, a line each; `skipped_file` is where every skipped row
    was written (`--skipped FILE`), if anywhere."""
    lines: list[str] = []
    more = 0
    for f in report.files:
        if f.gone:
            lines.append(f"{f.path}: gone: {f.removed} removed (--prune)")
            continue
        if f.error:
            where = "" if f.error.startswith(str(f.path)) else f"{f.path}: "
            lines.append(f"error: {where}{f.error}")
            label = "bad row"
        else:
            film_note = f" (film from {f.film_from})" if f.film_from else ""
            lines.append(
                f"{f.path}: {f.reviews} reviews{film_note}: {f.added} added, {f.updated} "
                f"updated, {f.unchanged} unchanged, {f.removed} removed, "
                f"{len(f.problems)} skipped"
            )
            lines.extend(f"  note: {note}" for note in f.notes)
            label = "skipped"
        lines.extend(f"  {label} {problem}" for problem in f.problems[:SHOWN_SKIPPED])
        if len(f.problems) > SHOWN_SKIPPED:
            more += len(f.problems) - SHOWN_SKIPPED
            lines.append(f"  ... and {len(f.problems) - SHOWN_SKIPPED} more skipped rows")
    lines.extend(f"repaired the index: {action}" for action in report.repaired)
    if report.recovered:
        lines.append(f"recovered from an interrupted run: {report.recovered} reviews re-done")
    lines.append(
        f"total: {report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.removed} removed, {report.skipped} skipped, {report.chunks_written} chunks "
        f"embedded in {report.seconds:.1f}s"
    )
    if skipped_file is not None:
        lines.append(f"skipped rows: all {report.skipped} written to {skipped_file}")
    elif more:
        lines.append(
            f"skipped rows: {more} not listed above; --skipped FILE writes every one "
            "(file, line, reason, raw row) as JSON Lines"
        )
    return "".join(line + "\n" for line in lines)
