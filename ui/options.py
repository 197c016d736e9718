"""The CLI's option values, checked as argparse reads them (a bad one exits 2 with the fix),
the filter options every answering command takes, and the assistant they configure."""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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


def add_wait_option(p: argparse.ArgumentParser) -> None:
    """`--wait SECONDS`, for the commands that write the index (one writer at a time)."""
    p.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="when another process holds the index, wait this long for it (default 0: refuse)",
    )


def wait_seconds(args: argparse.Namespace) -> float:
    """The `--wait` given, checked: a number of seconds, 0 or more (else ConfigError)."""
    from index.errors import ConfigError

    if not 0 <= args.wait < float("inf"):
        raise ConfigError(f"--wait {args.wait}: give a number of seconds, 0 or more")
    return float(args.wait)


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


def assistant_from(args: argparse.Namespace) -> Assistant:
    """The assistant over `--home`, answering with `--engine` if given."""
    from assistant.service import Assistant
    from ui.settings import load_settings

    return Assistant(load_settings(home=args.home, engine=getattr(args, "engine", None)))
