"""Engine commands start fast: `--help` never loads numpy, pandas, OR-Tools or SciPy.

The heavy libraries are imported only when a command runs, so the vocabularies the argument
parser needs (methods, levels) are spelled in the command modules too; these tests keep them
equal to the engines' own.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("numpy", "pandas", "ortools", "scipy", "django", "duckdb")
FAST = (
    "allocate",
    "verify",
    "place",
    "quotas",
    "supply",
    "balance",
    "forecast",
    "pair",
    "rotate",
    "portraits",
)


@pytest.mark.parametrize("command", FAST)
def test_help_of_an_engine_command_loads_no_heavy_library(command: str) -> None:
    probe = (
        "import sys, contextlib, io\n"
        "from junheng.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        f"        main([{command!r}, '--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "[]", out


def test_command_vocabularies_equal_the_engines() -> None:
    from junheng.commands import balance as balance_cmd
    from junheng.commands import place as place_cmd
    from junheng.commands import quotas as quotas_cmd
    from junheng.commands import supply as supply_cmd
    from junheng.engines import balance, placement, quotas, supply

    assert place_cmd.METHODS == placement.METHODS
    assert quotas_cmd.METHODS == quotas.METHODS
    assert balance_cmd.LEVELS == balance.LEVELS
    assert balance_cmd.TOTALS == balance.TOTALS
    assert supply_cmd.URBAN_RURAL == supply.URBAN_RURAL


def test_portraits_command_default_group_size_equals_the_engines() -> None:
    from junheng.commands import portraits as portraits_cmd
    from junheng.engines import portraits

    assert portraits_cmd.MIN_GROUP == portraits.MIN_GROUP
