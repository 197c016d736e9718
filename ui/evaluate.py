"""`reviewqa eval`: score retrieval on questions with gold review ids, alone or beside stock
llama-index."""

from __future__ import annotations

import argparse
import functools
import json
from pathlib import Path
from typing import Any

from ui.options import MAX_K, k_value


def cmd_eval(args: argparse.Namespace) -> int:
    from assistant.eval_tables import format_comparison, format_markdown, format_report
    from assistant.evaluation import evaluate
    from ui.settings import load_settings

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


def add_eval_command(sub: Any) -> None:
    """Register `reviewqa eval` on the CLI's subparsers."""
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
