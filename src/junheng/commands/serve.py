"""Serve the platform with gunicorn (a production WSGI server); whitenoise serves static files."""

from __future__ import annotations

import argparse
import os


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))


def run(args: argparse.Namespace) -> None:
    from gunicorn.app.wsgiapp import WSGIApplication

    argv = [
        "gunicorn",
        "junheng.config.wsgi:application",
        "--bind",
        f"{args.host}:{args.port}",
        "--workers",
        str(args.workers),
        "--threads",
        "4",
        "--access-logfile",
        "-",
        "--timeout",
        "300",
    ]
    print(f"junheng 均衡 serving at http://{args.host}:{args.port}/", flush=True)
    import sys

    sys.argv = argv
    WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()
