"""`reviewqa ask`, `reviewqa chat` and `reviewqa eval`: the answering commands of the CLI."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.filters import Filters
    from assistant.result import Result
    from assistant.service import Assistant


def add_filter_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--film", action="append", help="only reviews of this film (repeatable)")
    p.add_argument("--critic", action="append", help="only reviews by this critic")
    p.add_argument("--outlet", action="append", help="only reviews from this outlet")
    p.add_argument("--sentiment", choices=["positive", "negative"], help="only this stance")
    p.add_argument("--since", help="only reviews dated on/after YYYY-MM-DD")
    p.add_argument("--until", help="only reviews dated on/before YYYY-MM-DD")
    p.add_argument("--top-critics", action="store_true", help="only top critics")
    p.add_argument("--k", type=int, help="most citations (a ceiling, not a quota)")
    p.add_argument("--engine", choices=["auto", "ollama", "extractive"], help="answer engine")


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
        who = ", ".join(x for x in (c.critic, c.publication, c.date) if x) or "a critic"
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
            filters = filters_from({"film": item.get("film"), "critic": item.get("critic")})
            result = assistant.ask(
                str(item["question"]),
                filters=filters,
                k=args.k,
                engine=args.engine,
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
    from assistant.evaluation import evaluate, format_comparison, format_report
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
    else:
        print(format_report(ours) if base is None else format_comparison(ours, base))
    return 0


def add_commands(sub: Any) -> None:
    """Register ask and chat on the CLI's subparsers."""
    p = sub.add_parser("ask", help="answer a question with citations")
    p.add_argument("question", nargs="?", help="the question")
    add_filter_options(p)
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--batch", metavar="FILE.jsonl", help="one JSON question a line (with --json)")
    p.set_defaults(handler=cmd_ask)

    p = sub.add_parser("chat", help="a terminal chat; follow-ups keep context")
    add_filter_options(p)
    p.set_defaults(handler=cmd_chat)

    p = sub.add_parser("eval", help="score retrieval on questions with gold review ids")
    p.add_argument("file", metavar="FILE.jsonl", help='lines of {"id","kind","question","gold"}')
    p.add_argument("--k", type=int, help="citations per answer (default: settings top_k)")
    p.add_argument("--baseline", action="store_true", help="also score stock llama-index")
    p.add_argument("--json", action="store_true", help="print the reports as JSON")
    p.set_defaults(handler=cmd_eval)
