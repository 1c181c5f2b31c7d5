"""Serve the platform with gunicorn (a production WSGI server); whitenoise serves static files.

Static files are collected first (hashed, compressed names: `collectstatic`). With
`--with-worker` (what `make run` uses) one background worker runs beside the web server; both
stop on Ctrl-C. In production run `junheng worker` as its own service instead.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    parser.add_argument(
        "--with-worker",
        action="store_true",
        help="also run one background worker (jobs and periodic work) until Ctrl-C",
    )
    parser.add_argument(
        "--no-collectstatic", action="store_true", help="static files are already collected"
    )


def collect_static() -> None:
    from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
    from django.core.management import call_command

    if isinstance(staticfiles_storage, ManifestFilesMixin):  # a lazy object proxies isinstance
        call_command("collectstatic", interactive=False, verbosity=0)


def start_worker() -> subprocess.Popen[bytes]:
    # Its own session: Ctrl-C stops gunicorn, then `stop_worker` asks the worker once to finish.
    cmd = [sys.executable, "-m", "junheng.cli", "worker"]
    return subprocess.Popen(cmd, start_new_session=True)  # noqa: S603


def stop_worker(worker: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    """Ask the worker to stop after its current task; stop it outright after `timeout`."""
    if worker.poll() is not None:
        return
    worker.send_signal(signal.SIGINT)
    try:
        worker.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=5)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def refusal() -> str | None:
    """Why the platform must not be served with these settings, or None.

    The built-in SECRET_KEY is public (it is in the source): anyone could forge session cookies
    and password-reset tokens with it. It is tolerated only on the demo's own SQLite file.
    """
    from django.conf import settings

    if settings.SECRET_KEY != settings.DEMO_SECRET_KEY:
        return None
    if os.environ.get("DATABASE_URL", settings.DEMO_DATABASE_URL) == settings.DEMO_DATABASE_URL:
        return None
    return (
        "junheng serve: refusing to serve a real database with the built-in SECRET_KEY; "
        "set SECRET_KEY to a long random value (e.g. python -c "
        "'import secrets; print(secrets.token_urlsafe(50))')"
    )


def run(args: argparse.Namespace) -> None:
    reason = refusal()
    if reason:
        print(reason, file=sys.stderr)
        raise SystemExit(2)
    from gunicorn.app.wsgiapp import WSGIApplication

    if not args.no_collectstatic:
        collect_static()
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
        # A phone that reads the page a few seconds keeps its connection (gunicorn's default
        # 2 s closed it as the form was sent: the post then failed with no answer).
        "--keep-alive",
        "5",
    ]
    worker = start_worker() if args.with_worker else None
    print(
        f"junheng 均衡 serving at http://{args.host}:{args.port}/"
        + (" with a background worker (Ctrl-C stops both)" if worker else ""),
        flush=True,
    )
    sys.argv = argv
    try:
        WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()
    finally:
        if worker is not None:
            stop_worker(worker)
