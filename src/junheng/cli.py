"""The `junheng` command.

Engine subcommands (allocate, verify, place, quotas, rotate, supply, balance, forecast, pair,
portraits, synth) work on plain files and never start Django; each lives in `junheng/commands/<name>.py` with
`add_arguments(parser)` and `run(args) -> dict` (the summary printed as the last stdout line).
Platform subcommands (demo, serve, worker, migrate, manage, i18n) set up Django first.

Exit status: 0 ok, 2 bad input (one line on stderr naming file, row and column).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from importlib import import_module
from typing import Any

ENGINE_COMMANDS = {
    "allocate": "after-school seats: deferred acceptance, draft or max-welfare, public lottery",
    "verify": "re-run a published draw (seats or classes) from its seed or the seed rule's parts",
    "place": "balanced class placement (均衡编班)",
    "quotas": "high-school quota places to junior schools (指标到校)",
    "rotate": "teacher rotation plan (交流轮岗)",
    "supply": "balanced supply of provider courses to schools",
    "balance": "the national balance indicators and coefficients of variation",
    "forecast": "enrolment projection and school-place warnings (学位预测预警)",
    "pair": "education-community pairing of member schools with core schools (教共体结对)",
    "portraits": "student growth portraits in five dimensions from records (综合素质评价)",
    "synth": "write a synthetic region (county or city profile) in the engines' formats",
}
PLATFORM_COMMANDS = {
    "demo": "fresh demo database with the county profile and demo accounts",
    "serve": "serve the platform with gunicorn on PORT (default 8000)",
    "worker": "run background workers for long jobs and periodic work",
    "migrate": "make the database ready: the whole schema at once when empty, else migrate",
    "manage": "run a Django management command (junheng manage migrate …)",
    "i18n": "compile the translations (.po -> .mo) without needing gettext",
}


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "junheng.config.settings")
    import django

    django.setup()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="junheng", description="均衡 junheng")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in {**ENGINE_COMMANDS, **PLATFORM_COMMANDS}.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == "manage":
            p.add_argument("rest", nargs=argparse.REMAINDER)
            continue
        if name in argv[:1]:
            import_module(f"junheng.commands.{name}").add_arguments(p)
    args = parser.parse_args(argv)
    if args.command == "manage":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "junheng.config.settings")
        from django.core.management import execute_from_command_line

        execute_from_command_line(["junheng manage", *args.rest])
        return 0
    if args.command in PLATFORM_COMMANDS and args.command != "i18n":
        _django_setup()
    module = import_module(f"junheng.commands.{args.command}")
    from junheng.engines.io import InputError

    try:
        summary: dict[str, Any] | None = module.run(args)
    except InputError as err:
        print(f"junheng {args.command}: error: {err}", file=sys.stderr)
        return 2
    if summary is not None:
        print(json.dumps(summary, ensure_ascii=False, sort_keys=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
