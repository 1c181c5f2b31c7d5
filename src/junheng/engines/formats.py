"""Columns of the engines' input files (CONTRACTS.md), light to import (no numpy).

The command line (`junheng.commands`) and the apps' importers (`junheng.*.adapters`) read the
same files, so both take the column specs from here: the apps never import the command layer.
"""

from __future__ import annotations

from junheng.engines.io import Column

# `junheng place --students`: one row per student of a cohort.
# The Chinese headers a school's own spreadsheet uses are read too (学生编码, 性别 男/女…).
PLACEMENT_STUDENT_COLUMNS = (
    Column("student_id", aliases=("学生编码", "学籍号", "学号")),
    Column(
        "gender",
        "choice",
        choices=("F", "M"),
        aliases=("性别",),
        value_aliases=(("女", "F"), ("男", "M")),
    ),
    Column("score", "float", required=False, aliases=("成绩", "分数")),
    Column("needs", "bool01", required=False, default="0", aliases=("特殊需要",)),
    Column("together", required=False, aliases=("同班",)),
    Column("apart", required=False, aliases=("分开", "不同班")),
)
