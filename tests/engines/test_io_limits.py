"""The engines' file reader refuses a zip bomb from the workbook's zip directory (the CLI and
the placement upload read .xlsx through it)."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest

from junheng.engines.io import Column, InputError, read_table


def test_an_xlsx_compressed_like_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path, monkeypatch):
    good = tmp_path / "good.xlsx"
    pd.DataFrame({"student_id": ["a", "b"]}).to_excel(good, index=False)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body += b" " * (20 << 20)
            dst.writestr(info.filename, body)
    columns = [Column("student_id")]
    assert list(read_table(good, columns)["student_id"]) == ["a", "b"]

    def refuse(*args, **kwargs):
        raise AssertionError("the workbook was opened")

    monkeypatch.setattr(pd, "read_excel", refuse)
    with pytest.raises(InputError, match=r"compressed 1009:1 \(a zip bomb\?\)") as info:
        read_table(bomb, columns)
    assert "zip bomb" in str(info.value) and "sheet1.xml" in str(info.value)
