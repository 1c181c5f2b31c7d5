"""`junheng migrate`: the database ready for this release — an empty database gets the whole
schema in one step (`junheng.fresh_schema.create_schema`, equal to a migrated one), any other is
migrated by Django's `migrate`. `make install` runs it."""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> None:
    from django.conf import settings

    from junheng.fresh_schema import create_or_migrate

    how = create_or_migrate()
    db = settings.DATABASES["default"]
    print(
        f"junheng migrate: {db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']}: {how}", file=sys.stderr
    )
