"""`reviewqa check` and `reviewqa repair`: the index' health, read-only, and its repair."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from ui.options import add_wait_option, wait_seconds

if TYPE_CHECKING:
    from index.repair import CheckReport


def print_check(report: CheckReport, out: Any = None) -> None:
    out = out or sys.stdout
    vectors = "unreadable" if report.vectors is None else str(report.vectors)
    print(
        f"{report.reviews} reviews, {report.chunks} chunks, {vectors} vectors in Chroma "
        f"(generation {report.generation}), checked in {report.seconds:.1f}s",
        file=out,
    )
    for finding in report.findings:
        print(f"problem: {finding.message}", file=out)
        print(f"  fix: {finding.fix}", file=out)
    if report.ok:
        print("ok: the catalog, the lexical index and Chroma agree", file=out)


def cmd_check(args: argparse.Namespace) -> int:
    from index.repair import check_index
    from index.store import open_index
    from ui.settings import load_settings

    index = open_index(load_settings(home=args.home), readonly=True)
    try:
        report = check_index(index)
    finally:
        index.close()
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        print_check(report)
    return 0 if report.ok else 1


def cmd_repair(args: argparse.Namespace) -> int:
    from index.disk import full_disk_explained
    from index.lock import hold_home
    from index.repair import repair_index
    from index.store import open_index
    from ui.settings import load_settings

    settings = load_settings(home=args.home)
    say = (lambda line: None) if args.json else (lambda line: print(line, file=sys.stderr))
    with full_disk_explained(settings), hold_home(settings, "repair", wait=wait_seconds(args)):
        index = open_index(settings)
        try:
            report = repair_index(index, say=say, bar=_bar() if sys.stderr.isatty() else None)
        finally:
            index.close()
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
        return 0 if report.after.ok else 1
    for action in report.actions or ["nothing to repair"]:
        print(f"repaired: {action}")
    print_check(report.after)
    return 0 if report.after.ok else 1


def _bar() -> Any:
    from tqdm import tqdm

    state: dict[str, Any] = {}

    def bar(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = tqdm(total=total, unit="chunk", file=sys.stderr, leave=False)
        state["bar"].update(done - state["bar"].n)
        if done >= total:
            state["bar"].close()

    return bar


def add_maintenance_commands(sub: Any) -> None:
    p = sub.add_parser(
        "check", help="check the index (catalog, lexical index, Chroma) without changing it"
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=cmd_check)
    p = sub.add_parser("repair", help="put right what 'reviewqa check' finds")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    add_wait_option(p)
    p.set_defaults(handler=cmd_repair)
