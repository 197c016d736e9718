"""`reviewqa report`: a film's reception at a glance (`assistant.reception`), as text, JSON or
article-ready Markdown; `--vs` compares two films; `--all --out DIR` writes every film's.

    reviewqa report "Finding Nemo"                  the report in the terminal
    reviewqa report "Finding Nemo" --markdown       Markdown, ready for an article
    reviewqa report "Cars 2" --vs "Cars 3" --json   two films side by side, as JSON
    reviewqa report --all --out reports/ --csv quotes.csv
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.reception import Report
    from index.store import Index

__all__ = ["add_report_command", "cmd_report", "file_stem"]


def add_report_command(sub: Any) -> None:
    """Register `report` on the CLI's subparsers."""
    from ui.options import name_value

    p = sub.add_parser(
        "report",
        help="a film's reception: counts, timeline, themes, pull quotes, consensus",
        description="A film's reception at a glance, built from its reviews: counts (top "
        "critics apart), reviews over time, the themes critics raise with quotes on each "
        "side, pull quotes, and a consensus whose every clause cites its quotes.",
    )
    p.add_argument("film", nargs="?", type=name_value, metavar="FILM", help="the film")
    output = p.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the report as JSON")
    output.add_argument("--markdown", action="store_true", help="print article-ready Markdown")
    p.add_argument("--vs", type=name_value, metavar="OTHER", help="compare FILM with OTHER")
    p.add_argument(
        "--all", action="store_true", help="every film's report (FILM.md and FILM.json in --out)"
    )
    p.add_argument("--out", metavar="DIR", help="with --all: the folder to write the reports to")
    p.add_argument("--csv", metavar="FILE", help="also write the quotes the report cites as CSV")
    p.set_defaults(handler=cmd_report, check=functools.partial(_check, p))


def _check(p: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """What one option cannot check alone; `p.error` prints the fix and exits 2."""
    if args.all:
        if args.film or args.vs:
            p.error("--all writes every film's report: leave out FILM and --vs")
        if not args.out:
            p.error("--all needs --out DIR: the folder to write the reports to")
        if args.json or args.markdown:
            p.error("--all writes both FILM.md and FILM.json: leave out --json and --markdown")
    elif not args.film:
        p.error("give a FILM (or --all --out DIR)")
    elif args.out:
        p.error("--out is for --all; redirect the output to write one report to a file")
    if args.csv and not Path(args.csv).resolve().parent.is_dir():
        p.error(f"--csv {args.csv}: no folder {Path(args.csv).resolve().parent}: create it first")


def file_stem(film: str, taken: set[str]) -> str:
    """A file name for a film's report: 'Monsters, Inc. (2001)' -> 'monsters-inc-2001'."""
    from index.names import name_key

    stem = name_key(film).replace(" ", "-") or "film"
    unique, n = stem, 2
    while unique in taken:
        unique, n = f"{stem}-{n}", n + 1
    taken.add(unique)
    return unique


def cmd_report(args: argparse.Namespace) -> int:
    from index.store import open_index
    from ui.settings import load_settings

    index = open_index(load_settings(home=args.home), readonly=True)
    try:
        if args.all:
            return _write_all(index, Path(args.out), Path(args.csv) if args.csv else None)
        return _one(index, args, sys.stdout)
    finally:
        index.close()


def _one(index: Index, args: argparse.Namespace, out: IO[str]) -> int:
    from assistant.reception import reception_comparison, reception_report
    from ui import report_render as render

    if args.vs:
        comparison = reception_comparison(index, args.film, args.vs)
        reports = [comparison.a, comparison.b]
        if args.json:
            out.write(json.dumps(comparison.to_json(), ensure_ascii=False, indent=1) + "\n")
        elif args.markdown:
            out.write(render.comparison_markdown(comparison))
        else:
            out.write(render.comparison_text(comparison))
    else:
        report = reception_report(index, args.film)
        reports = [report]
        if args.json:
            out.write(json.dumps(report.to_json(), ensure_ascii=False, indent=1) + "\n")
        elif args.markdown:
            out.write(render.report_markdown(report))
        else:
            out.write(render.report_text(report))
    if args.csv:
        Path(args.csv).write_text(render.quotes_csv(reports), encoding="utf-8")
        print(f"quotes: written to {args.csv}", file=sys.stderr)
    return 0


def _write_all(index: Index, folder: Path, csv_file: Path | None) -> int:
    from assistant.reception import reception_report
    from index.errors import ConfigError
    from ui import report_render as render

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"--out {folder}: cannot create it ({exc.strerror})") from None
    films = sorted(index.catalog.names("film"))
    taken: set[str] = set()
    reports: list[Report] = []
    for film in _progress(films):
        report = reception_report(index, film)
        stem = file_stem(report.film, taken)
        (folder / f"{stem}.md").write_text(render.report_markdown(report), encoding="utf-8")
        data = json.dumps(report.to_json(), ensure_ascii=False, indent=1) + "\n"
        (folder / f"{stem}.json").write_text(data, encoding="utf-8")
        reports.append(report)
    if csv_file is not None:
        csv_file.write_text(render.quotes_csv(reports), encoding="utf-8")
    print(
        f"{len(reports)} reports written to {folder}"
        + (f"; quotes to {csv_file}" if csv_file else "")
    )
    return 0


def _progress(films: Sequence[str]) -> Iterator[str]:
    """The films, with a progress bar on stderr when it is a terminal."""
    if not sys.stderr.isatty():
        yield from films
        return
    from tqdm import tqdm

    with tqdm(films, unit="film", file=sys.stderr, leave=False) as bar:
        yield from bar
