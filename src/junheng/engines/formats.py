"""Columns of the engines' input files (CONTRACTS.md), light to import (no numpy).

The command line (`junheng.commands`) and the apps' importers (`junheng.*.adapters`) read the
same files, so both take the column specs from here: the apps never import the command layer.
"""

from __future__ import annotations

from junheng.engines.io import Column

# `junheng place --students`: one row per student of a cohort.
PLACEMENT_STUDENT_COLUMNS = (
    Column("student_id"),
    Column("gender", "choice", choices=("F", "M")),
    Column("score", "float", required=False),
    Column("needs", "bool01", required=False, default="0"),
    Column("together", required=False),
    Column("apart", required=False),
)
