"""Render deploy/reviewqa.nginx.conf.template: nginx in front of `reviewqa serve` processes.

    # a site for the system's nginx (Debian: in the http context via conf.d/)
    python3 deploy/render_nginx.py --server 10.0.0.11:7860 --server 10.0.0.12:7860 \\
        --listen 80 --server-name reviews.example.org > /etc/nginx/conf.d/reviewqa.conf

    # a whole unprivileged nginx in DIR (config, pid, logs, temp files), as the tests run it
    python3 deploy/render_nginx.py --server 127.0.0.1:7861 --listen 127.0.0.1:8080 \\
        --standalone DIR
    nginx -p DIR -c DIR/nginx.conf -e DIR/error.log

Standard library only: the nginx host needs python3, not reviewqa.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path

TEMPLATE = Path(__file__).with_name("reviewqa.nginx.conf.template")
PLACEHOLDER = re.compile(r"\{\{ (\w+) \}\}")
SERVER = re.compile(r"^[A-Za-z0-9.\-]+:(\d{1,5})$|^\[[0-9A-Fa-f:.]+\]:(\d{1,5})$")
WORD = re.compile(r"^[^\s;{}'\"]+$")  # one nginx token: no spaces, quotes, braces or `;`
MAX_FAILS, FAIL_TIMEOUT = 1, 10

STANDALONE = """\
# An unprivileged nginx whose every file is under {prefix} (rendered by render_nginx.py).
daemon off;
worker_processes auto;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log notice;
events {{
    worker_connections 1024;
}}
http {{
    access_log off;  # the site logs to its own file
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    include {prefix}/reviewqa.conf;
}}
"""


def render(template: str, values: dict[str, str]) -> str:
    """`template` with every `{{ name }}` replaced; a name without a value is an error."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"the template names {{{{ {name} }}}} but nothing gives it a value")
        return values[name]

    return PLACEHOLDER.sub(value, template)


def site(args: argparse.Namespace) -> str:
    """The site configuration for the parsed command line."""
    servers = "\n".join(
        f"    server {s} max_fails={MAX_FAILS} fail_timeout={FAIL_TIMEOUT}s;" for s in args.server
    )
    return render(
        TEMPLATE.read_text(encoding="utf-8"),
        {
            "upstream_servers": servers,
            "listen": args.listen,
            "server_name": args.server_name,
            "access_log": args.access_log,
            "ip_per_minute": str(args.ip_per_minute),
            "ip_burst": str(args.ip_burst),
            "retry_after": str(math.ceil(60 / args.ip_per_minute)),
        },
    )


def write_standalone(prefix: Path, text: str) -> Path:
    """The site and a main config around it in `prefix`; returns the main config's path."""
    for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / "tmp" / folder).mkdir(parents=True, exist_ok=True)
    (prefix / "reviewqa.conf").write_text(text, encoding="utf-8")
    main = prefix / "nginx.conf"
    main.write_text(STANDALONE.format(prefix=prefix), encoding="utf-8")
    return main


def server_address(text: str) -> str:
    match = SERVER.match(text)
    port = match and int(match.group(1) or match.group(2))
    if not port or port > 65535:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not HOST:PORT: give a process's address, e.g. 10.0.0.11:7860"
        )
    return text


def token(text: str) -> str:
    if not WORD.match(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not one nginx word: no spaces, quotes, braces or ';'"
        )
    return text


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="render_nginx.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--server",
        action="append",
        required=True,
        type=server_address,
        metavar="HOST:PORT",
        help="a `reviewqa serve` process; repeat for each",
    )
    parser.add_argument("--listen", default="80", type=token, help="nginx's listen (80)")
    parser.add_argument("--server-name", default="_", type=token, help="the site's name (_)")
    parser.add_argument(
        "--access-log",
        type=token,
        help="access log file (/var/log/nginx/reviewqa.access.log; PREFIX/access.log)",
    )
    parser.add_argument(
        "--ip-per-minute",
        type=positive,
        default=60,
        help="requests a minute per client address, all processes together (60)",
    )
    parser.add_argument(
        "--ip-burst", type=positive, default=20, help="requests an address may make at once (20)"
    )
    parser.add_argument(
        "--standalone",
        type=Path,
        metavar="PREFIX",
        help="write PREFIX/nginx.conf and PREFIX/reviewqa.conf for an unprivileged nginx",
    )
    args = parser.parse_args(argv)
    if args.standalone is not None:
        prefix = args.standalone.resolve()
        if not WORD.match(str(prefix)):
            parser.error(f"--standalone {prefix}: nginx needs a folder path without spaces")
        args.access_log = args.access_log or str(prefix / "access.log")
        main_config = write_standalone(prefix, site(args))
        print(f"nginx -p {prefix} -c {main_config} -e {prefix / 'error.log'}")
    else:
        args.access_log = args.access_log or "/var/log/nginx/reviewqa.access.log"
        sys.stdout.write(site(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
