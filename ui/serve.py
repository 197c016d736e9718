"""Run the web app (API + widget + Gradio chat) with uvicorn.

python -m ui.serve [--home DIR] [--host 127.0.0.1] [--port 7860] [--engine extractive]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from contextlib import ExitStack

from index.errors import ConfigError
from index.lock import hold_home
from index.settings import Settings, load_settings
from ui.scratch import Scratch
from ui.server_settings import ServerSettings, load_server_settings, trusted_hosts


def serve(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 7860,
    server: ServerSettings | None = None,
    log_level: str = "info",
    workers: int = 1,
) -> None:
    """Serve `create_app(settings)` on host:port until interrupted.

    With `workers` > 1, that many processes share the port, each with its own assistant over
    one store: the store must then be a Chroma server (REVIEWQA_CHROMA_URL).
    """
    import uvicorn

    from ui.app import create_app

    server = (server or load_server_settings()).model_copy(update={"host": host})
    hosts = trusted_hosts(server)  # a listen-everywhere server must say its names first
    print(f"reviewqa: chat http://{host}:{port}/  API docs http://{host}:{port}/docs", flush=True)
    if workers > 1:
        if not settings.chroma_url:
            raise ConfigError(
                f"--workers {workers} needs a Chroma server that every worker shares: start "
                "'chroma run --path DIR --port 8000' and set REVIEWQA_CHROMA_URL="
                "http://127.0.0.1:8000 (the embedded store belongs to one process)"
            )
        from ui.balancer import serve_balanced

        env = {**os.environ, **settings_env(settings)}
        env["REVIEWQA_ALLOWED_HOSTS"] = json.dumps(hosts)  # the front's names, not the workers'
        serve_balanced(env, host=host, port=port, workers=workers, log_level=log_level)
        return
    scratch = Scratch(max_age=server.export_max_age)
    # Gradio's uploads and cached files go into this process's scratch folder, removed at exit.
    os.environ["GRADIO_TEMP_DIR"] = str(scratch.folder("gradio"))
    with ExitStack() as held:
        if not settings.chroma_url:  # the embedded store is this process's alone
            held.enter_context(hold_home(settings, "serve"))
        held.callback(scratch.close)  # when startup fails; a started app closes it on stop
        uvicorn.run(
            create_app(settings, server=server, scratch=scratch),
            host=host,
            port=port,
            log_level=log_level,
            timeout_graceful_shutdown=5,
            proxy_headers=False,
        )


def settings_env(settings: Settings) -> dict[str, str]:
    """`settings` as REVIEWQA_* environment variables, for worker processes to load."""
    return {
        f"REVIEWQA_{name.upper()}": str(value)
        for name, value in settings.model_dump().items()
        if value is not None
    }


def main(argv: Sequence[str] | None = None) -> int:
    from index.errors import ReviewQAError

    parser = argparse.ArgumentParser(prog="python -m ui.serve", description=__doc__)
    parser.add_argument("--home", help="state folder (default: $REVIEWQA_HOME or ./.reviewqa)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    parser.add_argument("--engine", choices=["auto", "ollama", "extractive"], help="answer engine")
    parser.add_argument("--log-level", default="info", help="uvicorn log level (default info)")
    parser.add_argument("--workers", type=int, default=1, help="processes (needs a Chroma server)")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(home=args.home, engine=args.engine)
        serve(settings, args.host, args.port, log_level=args.log_level, workers=args.workers)
    except ReviewQAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
