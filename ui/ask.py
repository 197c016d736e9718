"""`reviewqa ask`, `reviewqa chat` and `reviewqa eval`: the answering commands of the CLI."""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.filters import Filters
    from assistant.result import Result
    from assistant.service import Assistant


MAX_K = 50  # as the HTTP API and Settings.top_k
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
SENTIMENTS = ("positive", "negative")
ENGINES = ("auto", "ollama", "extractive")


class BadValue(argparse.ArgumentTypeError, ValueError):
    """An option's or a batch line's value that cannot be used; the message says the fix.

    argparse prints it as `reviewqa ask: error: argument --since: MESSAGE` and exits 2.
    """


def date_value(value: object) -> str:
    """`value` if it is a real date written YYYY-MM-DD."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise BadValue(f"{value!r} is not a date: write YYYY-MM-DD, e.g. 2013-12-18")
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise BadValue(
            f"{value!r} is not a real date: write YYYY-MM-DD with a month from 01 to 12 "
            "and a day that month has"
        ) from None
    return value


def whole_number(low: int, high: int | None = None) -> Callable[[object], int]:
    """A check that a value is a whole number from `low` to `high` (no upper bound: None)."""
    wanted = f"from {low} to {high}" if high is not None else f"of {low} or more"

    def check(value: object) -> int:
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+\s*", value):
            number = int(value)
        if number is None:
            raise BadValue(f"{value!r} is not a whole number: give one {wanted}")
        if number < low or (high is not None and number > high):
            raise BadValue(f"{number} is out of range: give a whole number {wanted}")
        return number

    return check


k_value = whole_number(1, MAX_K)


def name_value(value: object) -> str:
    """A film, critic or outlet name: some text."""
    if not isinstance(value, str):
        raise BadValue(f"{value!r} is not a name: give it as text")
    if not value.strip():
        raise BadValue(f"{value!r} is empty: give a name or leave the option out")
    return value.strip()


def add_filter_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--film", action="append", type=name_value, help="only reviews of this film (repeatable)"
    )
    p.add_argument("--critic", action="append", type=name_value, help="only reviews by this critic")
    p.add_argument(
        "--outlet", action="append", type=name_value, help="only reviews from this outlet"
    )
    p.add_argument("--sentiment", choices=SENTIMENTS, help="only this stance")
    p.add_argument(
        "--since", type=date_value, metavar="YYYY-MM-DD", help="only reviews dated on/after it"
    )
    p.add_argument(
        "--until", type=date_value, metavar="YYYY-MM-DD", help="only reviews dated on/before it"
    )
    p.add_argument("--top-critics", action="store_true", help="only top critics")
    p.add_argument(
        "--k",
        type=k_value,
        metavar="N",
        help=f"most citations, 1 to {MAX_K} (a ceiling, not a quota)",
    )
    p.add_argument("--engine", choices=ENGINES, help="answer engine")
    p.set_defaults(check=functools.partial(check_filter_args, p))


def check_filter_args(p: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """What one option cannot check alone; `p.error` prints the fix and exits 2."""
    if args.since and args.until and args.since > args.until:
        p.error(
            f"argument --until: {args.until} is before --since {args.since}: no review can "
            "match; swap the two dates"
        )


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


def filters_from(args: argparse.Namespace | dict[str, Any]) -> Filters:
    from assistant.filters import Filters

    get = args.get if isinstance(args, dict) else lambda k: getattr(args, k, None)

    def names(key: str) -> tuple[str, ...]:
        value = get(key)
        if value is None:
            return ()
        return (value,) if isinstance(value, str) else tuple(value)

    return Filters(
        films=names("film"),
        critics=names("critic"),
        outlets=names("outlet"),
        sentiment=get("sentiment"),
        since=get("since"),
        until=get("until"),
        top_critics=bool(get("top_critics")),
    )


def _assistant(args: argparse.Namespace) -> Assistant:
    from assistant.service import Assistant
    from index.settings import load_settings

    return Assistant(load_settings(home=args.home, engine=getattr(args, "engine", None)))


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


def cmd_ask(args: argparse.Namespace) -> int:
    assistant = _assistant(args)
    try:
        if args.batch:
            return _batch(assistant, Path(args.batch), args)
        if not args.question:
            print("error: give a QUESTION or --batch FILE.jsonl", file=sys.stderr)
            return 2
        options = {"filters": filters_from(args), "k": args.k, "engine": args.engine}
        if args.json:
            result = assistant.ask(args.question, **options)
            print(json.dumps(result.to_json(), ensure_ascii=False))
            return 0
        for event in assistant.stream(args.question, **options):
            if event.result is not None:
                print(file=sys.stdout)
                format_result_tail(event.result, sys.stdout)
            else:
                sys.stdout.write(event.text)
                sys.stdout.flush()
        return 0
    finally:
        assistant.close()


def format_result_tail(result: Result, out: IO[str]) -> None:
    """What follows a streamed answer: the sources and notes (the answer was printed)."""
    buffer: list[str] = []

    class Sink:
        def write(self, text: str) -> None:
            buffer.append(text)

    format_result(result, Sink())  # type: ignore[arg-type]
    text = "".join(buffer)
    out.write(text[len(result.answer) :] if text.startswith(result.answer) else text)


def _batch(assistant: Assistant, path: Path, args: argparse.Namespace) -> int:
    """One JSON object a line in, one result a line out, in order; models load once."""
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
            filters = filters_from(options).merged_over(filters_from(args))
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


def cmd_chat(args: argparse.Namespace) -> int:
    from assistant.chat import ChatSession
    from index.errors import ReviewQAError

    assistant = _assistant(args)
    session = ChatSession()
    print("reviewqa chat: ask about films; an empty line or Ctrl-D quits.")
    try:
        while True:
            try:
                question = input("\n> ").strip()
            except EOFError:
                return 0
            if not question:
                return 0
            try:
                for event in assistant.stream(
                    question, filters=filters_from(args), k=args.k, session=session
                ):
                    if event.result is not None:
                        print()
                        format_result_tail(event.result, sys.stdout)
                    else:
                        sys.stdout.write(event.text)
                        sys.stdout.flush()
            except ReviewQAError as exc:
                print(f"error: {exc}")
    finally:
        assistant.close()


def cmd_eval(args: argparse.Namespace) -> int:
    from assistant.eval_tables import format_comparison, format_markdown, format_report
    from assistant.evaluation import evaluate
    from index.settings import load_settings

    settings = load_settings(home=args.home)
    k = args.k or settings.top_k
    ours = evaluate(settings, Path(args.file), k=k, baseline=False)
    base = evaluate(settings, Path(args.file), k=k, baseline=True) if args.baseline else None
    if args.json:
        data = {"reviewqa": ours.to_json()}
        if base is not None:
            data["baseline"] = base.to_json()
        print(json.dumps(data, indent=2))
    elif base is None:
        print(format_report(ours))
    elif args.markdown:
        print(format_markdown(ours, base))
    else:
        print(format_comparison(ours, base))
    return 0


def _check_eval(p: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.markdown and not args.baseline:
        p.error("--markdown prints the comparison: add --baseline (or use --json)")


def add_commands(sub: Any) -> None:
    """Register ask and chat on the CLI's subparsers."""
    p = sub.add_parser("ask", help="answer a question with citations")
    p.add_argument("question", nargs="?", help="the question")
    add_filter_options(p)
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--batch", metavar="FILE.jsonl", help="one JSON question a line (with --json)")
    p.set_defaults(handler=cmd_ask, check=functools.partial(_check_ask, p))

    p = sub.add_parser("chat", help="a terminal chat; follow-ups keep context")
    add_filter_options(p)
    p.set_defaults(handler=cmd_chat)

    p = sub.add_parser("eval", help="score retrieval on questions with gold review ids")
    p.add_argument(
        "file",
        metavar="FILE.jsonl",
        help='lines of {"id","kind","question","gold"} (+ "syn_gold"; "film", "answer_spans" '
        "for kind subjqa, whose film is the scope)",
    )
    p.add_argument(
        "--k",
        type=k_value,
        metavar="N",
        help=f"citations per answer, 1 to {MAX_K} (default: settings top_k)",
    )
    p.add_argument(
        "--baseline", action="store_true", help="also score stock llama-index, side by side"
    )
    output = p.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the reports as JSON")
    output.add_argument(
        "--markdown", action="store_true", help="with --baseline: the comparison as Markdown"
    )
    p.set_defaults(handler=cmd_eval, check=functools.partial(_check_eval, p))
