"""Run background workers (后台任务处理进程) for the configured task backend.

One process per `--processes`; run as many as the machines allow, on as many machines as share
the database (or the Redis of the RQ backend): a job is claimed by exactly one worker.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--processes",
        type=int,
        default=int(os.environ.get("JUNHENG_WORKERS", "1")),
        help="worker processes to run (default JUNHENG_WORKERS or 1)",
    )
    parser.add_argument("--queue", default="default", help="queue to work on (default: default)")
    parser.add_argument(
        "--interval", type=float, default=1.0, help="seconds between polls when idle"
    )
    parser.add_argument(
        "--batch", action="store_true", help="run what is queued (and due), then exit"
    )
    parser.add_argument("--max-tasks", type=int, default=None, help="exit after this many tasks")
    parser.add_argument(
        "--no-scheduler",
        action="store_true",
        help="do not start periodic jobs from this worker (another worker does)",
    )


def run(args: argparse.Namespace) -> None:
    if args.processes > 1:
        _run_many(args)
        return
    from junheng.jobs.worker import run_worker

    run_worker(
        queue=args.queue,
        interval=args.interval,
        batch=args.batch,
        schedule=not args.no_scheduler,
        max_tasks=args.max_tasks,
    )


def _run_many(args: argparse.Namespace) -> None:
    base = [sys.executable, "-m", "junheng.cli", "worker", "--processes", "1"]
    base += ["--queue", args.queue, "--interval", str(args.interval)]
    if args.batch:
        base.append("--batch")
    if args.max_tasks:
        base += ["--max-tasks", str(args.max_tasks)]
    children = []
    extra = ["--no-scheduler"] if args.no_scheduler else []
    for _ in range(args.processes):
        children.append(subprocess.Popen([*base, *extra]))  # noqa: S603

    def stop(signum: int, frame: object) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    # Ctrl-C reaches the children from the terminal already; a second one would force them.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for child in children:
        child.wait()
