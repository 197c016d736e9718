"""`reviewqa chat`: a chat in the terminal; a follow-up keeps the context of the turns before."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ui.ask import format_result_tail
from ui.options import add_filter_options, assistant_from


def cmd_chat(args: argparse.Namespace) -> int:
    from assistant.chat import ChatSession
    from assistant.questions import filters_from
    from index.errors import ReviewQAError

    assistant = assistant_from(args)
    session = ChatSession()
    filters = filters_from(vars(args))
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
                for event in assistant.stream(question, filters=filters, k=args.k, session=session):
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


def add_chat_command(sub: Any) -> None:
    """Register `reviewqa chat` on the CLI's subparsers."""
    p = sub.add_parser("chat", help="a terminal chat; follow-ups keep context")
    add_filter_options(p)
    p.set_defaults(handler=cmd_chat)
