"""`reviewqa ask`: one question (streamed, or `--json`) or a batch of them, and the plain-text
form of a result that `reviewqa chat` and the MCP tools share."""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ui.options import (
    ENGINES,
    SENTIMENTS,
    BadValue,
    add_filter_options,
    assistant_from,
    check_filter_args,
    date_value,
    k_value,
    name_value,
)

if TYPE_CHECKING:
    from assistant.result import Result
    from assistant.service import Assistant

# BadValue, date_value and ENGINES are ui.options' (ui.mcp_server imports them from here)
__all__ = [
    "ENGINES",
    "BadValue",
    "add_ask_command",
    "cmd_ask",
    "date_value",
    "format_result",
    "format_result_tail",
    "line_options",
]


def _check_ask(p: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    check_filter_args(p, args)
    if args.batch and args.question:
        p.error("give a QUESTION or --batch FILE.jsonl, not both")
    if not args.batch and not args.question:
        p.error("give a QUESTION or --batch FILE.jsonl")


def _choice(*allowed: str) -> Callable[[object], str]:
    def check(value: object) -> str:
        if value not in allowed:
            raise BadValue(f"{value!r} is not one of {', '.join(allowed)}: use one of them")
        return str(value)

    return check


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise BadValue(f"{value!r} is not true or false: write true or false (JSON)")
    return value


# what a batch line may set besides "question" and "id" (the command line's options apply
# to what it leaves out); other keys are ignored
_LINE_NAMES = ("film", "critic", "outlet")
_LINE_CHECKS: dict[str, Callable[[object], Any]] = {
    "sentiment": _choice(*SENTIMENTS),
    "since": date_value,
    "until": date_value,
    "top_critics": _flag,
    "k": k_value,
    "engine": _choice(*ENGINES),
}


def line_options(item: dict[str, Any]) -> dict[str, Any]:
    """The options a batch line sets, checked; a bad one raises ValueError naming its key."""
    options: dict[str, Any] = {}
    for key, value in item.items():
        if value is None or key not in (*_LINE_NAMES, *_LINE_CHECKS):
            continue
        try:
            if key in _LINE_NAMES:
                values = value if isinstance(value, list) else [value]
                options[key] = tuple(name_value(v) for v in values)
            else:
                options[key] = _LINE_CHECKS[key](value)
        except BadValue as exc:
            raise ValueError(f'"{key}": {exc}') from None
    return options


def format_result(result: Result, out: IO[str]) -> None:
    """A result as plain text: the answer, then its sources."""
    print(result.answer, file=out)
    if result.citations:
        print("\nSources:", file=out)
    for c in result.citations:
        who = ", ".join(x for x in (c.critic, c.publication) if x) or "a critic"
        who += f", {c.date or 'date unknown'}"
        mark = "" if c.verified else "  [UNVERIFIED QUOTE]"
        print(f"  [{c.n}] {who} ({c.film}; review {c.review_id}){mark}", file=out)
    for problem in result.problems:
        print(f"note: {problem}", file=out)
    print(f"\n(engine: {result.engine}: {result.engine_reason})", file=out)


def format_result_tail(result: Result, out: IO[str]) -> None:
    """What follows a streamed answer: the sources and notes (the answer was printed)."""
    buffer: list[str] = []

    class Sink:
        def write(self, text: str) -> None:
            buffer.append(text)

    format_result(result, Sink())  # type: ignore[arg-type]
    text = "".join(buffer)
    out.write(text[len(result.answer) :] if text.startswith(result.answer) else text)


def cmd_ask(args: argparse.Namespace) -> int:
    from assistant.questions import checked_question, filters_from

    question = None if args.batch else checked_question(args.question or "")
    assistant = assistant_from(args)
    try:
        if question is None:
            return _batch(assistant, Path(args.batch), args)
        options = {"filters": filters_from(vars(args)), "k": args.k, "engine": args.engine}
        if args.json:
            result = assistant.ask(question, **options)
            print(json.dumps(result.to_json(), ensure_ascii=False))
            return 0
        for event in assistant.stream(question, **options):
            if event.result is not None:
                print(file=sys.stdout)
                format_result_tail(event.result, sys.stdout)
            else:
                sys.stdout.write(event.text)
                sys.stdout.flush()
        return 0
    finally:
        assistant.close()


def _batch(assistant: Assistant, path: Path, args: argparse.Namespace) -> int:
    """One JSON object a line in, one result a line out, in order; models load once."""
    from assistant.questions import filters_from
    from index.errors import ReviewQAError

    failed = 0
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        print(f"error: cannot read {path}: {exc}", file=sys.stderr)
        return 2
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        request_id: str | None = None
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or not str(item.get("question", "")).strip():
                raise ValueError('each line needs an object with a "question"')
            request_id = None if item.get("id") is None else str(item["id"])
            options = line_options(item)
            filters = filters_from(options).merged_over(filters_from(vars(args)))
            if filters.since and filters.until and filters.since > filters.until:
                raise ValueError(
                    f'"until": {filters.until} is before "since" {filters.since} (a date the '
                    "line leaves out comes from --since/--until): swap the two dates"
                )
            result = assistant.ask(
                str(item["question"]),
                filters=filters,
                k=options.get("k", args.k),
                engine=options.get("engine", args.engine),
                request_id=request_id,
            )
            print(json.dumps(result.to_json(), ensure_ascii=False), flush=True)
        except (ValueError, ReviewQAError) as exc:
            failed += 1
            error = f"{path}:{number}: {exc}"
            print(json.dumps({"id": request_id, "error": error}), flush=True)
            print(f"error: {error}", file=sys.stderr)
    return 1 if failed else 0


def add_ask_command(sub: Any) -> None:
    """Register `reviewqa ask` on the CLI's subparsers."""
    p = sub.add_parser("ask", help="answer a question with citations")
    p.add_argument("question", nargs="?", help="the question")
    add_filter_options(p)
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--batch", metavar="FILE.jsonl", help="one JSON question a line (with --json)")
    p.set_defaults(handler=cmd_ask, check=functools.partial(_check_ask, p))
