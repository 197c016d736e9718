"""Run the web app (API + widget + Gradio chat) with uvicorn.

python -m ui.serve [--home DIR] [--host 127.0.0.1] [--port 7860] [--engine extractive]
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from contextlib import ExitStack

from index.lock import hold_home
from index.repair import repair_before_serving
from ui.scratch import Scratch
from ui.server_settings import trusted_hosts
from ui.settings import AppSettings, load_settings


def serve(
    settings: AppSettings, host: str = "127.0.0.1", port: int = 7860, log_level: str = "info"
) -> None:
    """Serve `create_app(settings)` on host:port until interrupted.

    One process; to scale out, run several over a Chroma server behind nginx (deploy/,
    docs/DEPLOY.md).
    """
    import uvicorn

    from ui.app import create_app

    server = settings.server.model_copy(update={"host": host})
    trusted_hosts(server)  # a listen-everywhere server must say its names first
    print(f"reviewqa: chat http://{host}:{port}/  API docs http://{host}:{port}/docs", flush=True)
    scratch = Scratch(max_age=server.export_max_age)
    # Gradio's uploads and cached files go into this process's scratch folder, removed at exit.
    os.environ["GRADIO_TEMP_DIR"] = str(scratch.folder("gradio"))
    with ExitStack() as held:
        if not settings.chroma_url:  # the embedded store is this process's alone
            held.enter_context(hold_home(settings, "serve"))
        held.callback(scratch.close)  # when startup fails; a started app closes it on stop
        repair_before_serving(settings, holding=not settings.chroma_url)
        uvicorn.run(
            create_app(settings, server=server, scratch=scratch),
            host=host,
            port=port,
            log_level=log_level,
            timeout_graceful_shutdown=5,
            proxy_headers=False,
        )


def main(argv: Sequence[str] | None = None) -> int:
    from index.errors import ReviewQAError

    parser = argparse.ArgumentParser(prog="python -m ui.serve", description=__doc__)
    parser.add_argument("--home", help="state folder (default: $REVIEWQA_HOME or ./.reviewqa)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    parser.add_argument("--engine", choices=["auto", "ollama", "extractive"], help="answer engine")
    parser.add_argument("--log-level", default="info", help="uvicorn log level (default info)")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(home=args.home, engine=args.engine)
        serve(settings, args.host, args.port, log_level=args.log_level)
    except ReviewQAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
