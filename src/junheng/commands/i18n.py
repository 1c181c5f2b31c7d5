"""Compile every .po file of the package into .mo with polib (no gettext install needed)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polib

PACKAGE = Path(__file__).resolve().parent.parent


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> None:
    n = 0
    for po_path in sorted(PACKAGE.rglob("locale/*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        n += 1
    print(f"junheng i18n: {n} catalogue(s) compiled", file=sys.stderr)
