"""Engines never import Django: importing every engine module in a fresh interpreter."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import junheng.engines


def test_importing_every_engine_module_does_not_import_django():
    names = sorted(m.name for m in pkgutil.iter_modules(junheng.engines.__path__))
    assert {"allocation", "lottery", "quotas", "io"} <= set(names)
    code = (
        "import importlib, sys\n"
        "import junheng.engines\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module('junheng.engines.' + name)\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(bad))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""


def test_the_engine_commands_do_not_import_django_either():
    code = (
        "import sys\n"
        "import junheng.commands.allocate, junheng.commands.verify, junheng.commands.quotas\n"
        "import junheng.commands.forecast\n"
        "print(any(m == 'django' or m.startswith('django.') for m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"
