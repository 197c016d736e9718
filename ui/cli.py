"""The `reviewqa` command line. Imports stay lazy so that `reviewqa --help` starts fast."""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from index.ingest import Progress
    from index.settings import Settings

Handler = Callable[[argparse.Namespace], int]


def _settings(args: argparse.Namespace) -> Settings:
    from ui.settings import load_settings

    return load_settings(home=getattr(args, "home", None))


# -- ingest -------------------------------------------------------------------------------
def _progress_bar(total: int) -> Progress:
    from tqdm import tqdm

    from index.ingest import Progress

    class Bar(Progress):
        def __init__(self) -> None:
            self._bar = tqdm(total=total, unit="review", file=sys.stderr, leave=False)

        def update(self, n: int) -> None:
            self._bar.update(n)

        def close(self) -> None:
            self._bar.close()

    return Bar()


def cmd_ingest(args: argparse.Namespace) -> int:
    from index.errors import ConfigError
    from index.ingest import ingest
    from index.loaders import parse_column_map
    from ui.ingest_report import ingest_report_text
    from ui.options import wait_seconds

    skipped = Path(args.skipped) if args.skipped else None
    if skipped is not None and not skipped.parent.is_dir():
        raise ConfigError(f"--skipped {skipped}: no folder {skipped.parent}: create it first")
    settings = _settings(args)
    report = ingest(
        [Path(p) for p in args.paths],
        settings,
        film=args.film,
        column_map=parse_column_map(args.map),
        strict=args.strict,
        prune=args.prune,
        progress=_progress_bar if sys.stderr.isatty() else None,
        wait=wait_seconds(args),
        global_ids=args.global_ids,
    )
    if skipped is not None:
        report.write_skipped(skipped)
    sys.stdout.write(ingest_report_text(report, skipped))
    return 1 if report.failed else 0


# -- stats --------------------------------------------------------------------------------
def cmd_stats(args: argparse.Namespace) -> int:
    from index.stats import collect_stats
    from index.store import open_index

    index = open_index(_settings(args), readonly=True)
    try:
        stats = collect_stats(index)
    finally:
        index.close()
    if args.json:
        print(json.dumps(stats.to_json(), indent=2, ensure_ascii=False))
        return 0
    print(
        f"{stats.reviews} reviews, {stats.chunks} chunks, {stats.films} films, "
        f"{stats.critics} critics, {stats.outlets} outlets"
    )
    if not stats.consistent:
        print(
            f"warning: Chroma holds {stats.vectors} vectors for {stats.chunks} chunks: "
            "run 'reviewqa check' to see why and 'reviewqa repair' to fix it"
        )
    shown = sorted(stats.per_film.items(), key=lambda kv: (-kv[1].reviews, kv[0]))
    for title, count in shown[: args.films]:
        print(f"  {title}: {count.reviews} reviews ({count.positive}+ / {count.negative}-)")
    if len(shown) > args.films:
        print(f"  ... and {len(shown) - args.films} more films (--films N shows more)")
    return 0


# -- serve --------------------------------------------------------------------------------
def check_port(host: str, port: int) -> None:
    """Raise ConfigError when nothing could listen on host:port (in use, not allowed, no such
    address), before the app is built; uvicorn would otherwise fail after starting it."""
    import errno
    import socket

    from index.errors import ConfigError

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ConfigError(f"--host {host}: not an address here ({exc.strerror})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ConfigError(
                    f"port {port} on {host} is in use (another server?): stop it, or pass "
                    "--port with a free port"
                ) from None
            raise ConfigError(
                f"cannot listen on {host}:{port} ({exc.strerror}): pass another --host or "
                "--port (ports below 1024 need privileges)"
            ) from None


def cmd_serve(args: argparse.Namespace) -> int:
    from ui.serve import serve
    from ui.settings import load_settings

    settings = load_settings(home=args.home, engine=args.engine)
    check_port(args.host, args.port)
    serve(settings, host=args.host, port=args.port)
    return 0


# -- parser -------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reviewqa",
        description="Answers questions about films from what critics wrote, with citations.",
    )
    parser.add_argument("--home", help="state folder (default: $REVIEWQA_HOME or ./.reviewqa)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    from ui.ask import add_ask_command
    from ui.evaluate import add_eval_command
    from ui.maintenance import add_maintenance_commands
    from ui.options import add_wait_option, name_value, whole_number
    from ui.terminal_chat import add_chat_command

    p = sub.add_parser("ingest", help="index review files (.txt .csv .jsonl .json, gzipped too)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    p.add_argument(
        "--film", type=name_value, help="the film of every review read (overrides the files)"
    )
    p.add_argument("--map", help="column mapping, e.g. text=quote,film=title")
    p.add_argument("--strict", action="store_true", help="a bad row fails its whole file")
    p.add_argument(
        "--prune",
        action="store_true",
        help="also remove the sources under PATHs that are gone (deleted files, vanished paths)",
    )
    p.add_argument(
        "--global-ids",
        action="store_true",
        help="the same review id in two files is the same review (else it is refused)",
    )
    p.add_argument(
        "--skipped",
        metavar="FILE",
        help="write every skipped row (file, line, reason, raw row) to FILE as JSON Lines",
    )
    add_wait_option(p)
    p.set_defaults(handler=cmd_ingest)

    p = sub.add_parser("stats", help="what the index holds")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument(
        "--films", type=whole_number(0), default=20, metavar="N", help="films to list (default 20)"
    )
    p.set_defaults(handler=cmd_stats)

    add_ask_command(sub)
    add_chat_command(sub)
    add_eval_command(sub)
    add_maintenance_commands(sub)
    from ui.passwords import add_password_command  # `reviewqa password`: REVIEWQA_CHAT_USERS

    add_password_command(sub)
    from ui.report_cli import add_report_command

    add_report_command(sub)
    from ui.mcp_server import add_mcp_command  # the MCP SDK loads only when `mcp` runs

    add_mcp_command(sub)

    p = sub.add_parser("serve", help="the chat UI, the HTTP API and the widget in one server")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    p.add_argument(
        "--port", type=whole_number(1, 65535), default=7860, help="port, 1 to 65535 (7860)"
    )
    p.add_argument("--engine", choices=["auto", "ollama", "extractive"], help="answer engine")
    p.set_defaults(handler=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from index.errors import ReviewQAError

    for stream in (sys.stdout, sys.stderr):  # a file name that is not UTF-8 still prints
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    args = build_parser().parse_args(argv)
    check: Callable[[argparse.Namespace], None] | None = getattr(args, "check", None)
    if check is not None:
        check(args)  # what one option cannot check alone: exits 2 with the fix
    handler: Handler = args.handler
    try:
        return handler(args)
    except ReviewQAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: run the same command again to finish", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `reviewqa ask ... | head`: the reader left, not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
