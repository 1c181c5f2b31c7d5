"""docs/engines.md documents every option of every engine command, and no option that is not."""

from __future__ import annotations

import argparse
import re
from importlib import import_module
from pathlib import Path

import pytest

from junheng.cli import ENGINE_COMMANDS

DOC = Path(__file__).resolve().parents[1] / "docs" / "engines.md"


def _section(name: str) -> str:
    sections = re.split(r"\n## ", DOC.read_text(encoding="utf-8"))
    found = [s for s in sections if s.startswith(f"`junheng {name}`")]
    assert found, f"docs/engines.md has no section for junheng {name}"
    return found[0]


@pytest.mark.parametrize("name", sorted(ENGINE_COMMANDS))
def test_every_option_of_the_command_is_in_its_table_and_nothing_else(name):
    parser = argparse.ArgumentParser()
    import_module(f"junheng.commands.{name}").add_arguments(parser)
    real = {o for a in parser._actions for o in a.option_strings if o.startswith("--")}
    real.discard("--help")
    section = _section(name)
    rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `--")]
    in_table = {o for cell in rows for o in re.findall(r"--[a-z0-9-]+", cell)}
    assert in_table == real
    assert set(re.findall(r"--[a-z][a-z0-9-]+", section)) <= real


def test_the_readme_points_to_the_projects_own_engine_doc():
    readme = (DOC.parents[1] / "README.md").read_text(encoding="utf-8")
    assert "docs/engines.md" in readme and "../shared" not in readme
