"""The shared export writer: formulas never run, values read back as written, rows stream."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from junheng.exports import (
    FORMULA_PREFIXES,
    Cell,
    Sheet,
    csv_response,
    neutralise,
    sheet_title,
    stream_csv,
    table_xlsx,
    write_csv,
    write_xlsx,
    xlsx_response,
)

PAYLOADS = [
    '=HYPERLINK("http://x","click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]


def _book(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_text_is_a_string_cell_with_quote_prefix_and_reads_back_unchanged(payload):
    data = write_xlsx(Sheet("课程", header=["课程", payload], rows=[[payload, 1]]))
    ws = _book(data).active
    for cell in (ws["B1"], ws["A2"]):
        assert cell.value == payload.replace("\r", "\n")  # XML reads a lone CR as LF
        assert cell.data_type == "s"
        assert cell.quotePrefix is True
    assert b"<f>" not in _sheet_xml(data)


def _sheet_xml(data: bytes) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_text_gets_a_leading_quote_in_csv(payload):
    text = write_csv(["名称"], [[payload]]).decode("utf-8-sig")
    import csv

    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[1] == ["'" + payload]


def test_plain_text_numbers_and_dates_are_left_alone():
    when = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 30))  # noqa: DTZ001
    data = write_xlsx(Sheet("s", header=["a"], rows=[["数学", -3, Decimal("2.50"), when, None]]))
    a, b, c, d = next(_book(data).active.iter_rows(min_row=2, values_only=True))[:4]
    assert (a, b, c) == ("数学", -3, 2.5)
    assert d == dt.datetime(2026, 3, 2, 9, 30)  # local time, as the page shows it  # noqa: DTZ001
    line = write_csv([], [["数学", -3, Decimal("2.50"), None]], bom=False)
    assert line == "数学,-3,2.50,\r\n".encode()


def test_neutralise_covers_exactly_the_owasp_prefixes():
    assert set(FORMULA_PREFIXES) == {"=", "+", "-", "@", "\t", "\r"}
    assert neutralise("a=b") == "a=b"
    assert neutralise("=b") == "'=b"


def test_caption_header_widths_freeze_and_emphasis():
    data = write_xlsx(
        Sheet(
            "交流名单",
            caption="海滨县 2026 年度名单",
            header=["序号", "姓名"],
            rows=[[1, "张三"], [Cell("合计", bold=True), 1]],
            widths=(6, 10),
        )
    )
    ws = _book(data)["交流名单"]
    assert ws["A1"].value == "海滨县 2026 年度名单" and ws["A1"].font.b
    assert ws["A1"].alignment.horizontal == "centerContinuous"
    assert ws["A2"].value == "序号" and ws["A2"].font.b
    assert ws.freeze_panes == "A3"
    assert ws.column_dimensions["B"].width == 10
    assert ws["A4"].value == "合计" and ws["A4"].font.b


def test_sheet_names_are_valid_unique_and_chinese():
    taken: set[str] = set()
    assert sheet_title("结算/2026[春]", taken) == "结算_2026_春_"
    assert sheet_title("结算/2026[春]", taken) == "结算_2026_春_ (2)"
    assert len(sheet_title("长" * 40)) == 31
    book = _book(write_xlsx(Sheet("说明"), Sheet("说明")))
    assert book.sheetnames == ["说明", "说明 (2)"]


def test_table_xlsx_has_a_notes_sheet_without_frozen_panes():
    book = _book(
        table_xlsx("学生", ["编码"], [["S1"]], [("列", "必填", "说明"), ("编码", "是", "")])
    )
    assert book.sheetnames == ["学生", "说明"]
    assert book["学生"].freeze_panes == "A2"
    assert book["说明"].freeze_panes is None
    assert book["说明"]["A1"].font.b


def test_rows_are_consumed_lazily_by_the_csv_stream():
    pulled = []

    def rows():
        for i in range(3):
            pulled.append(i)
            yield [i, f"=x{i}"]

    chunks = stream_csv(["n", "v"], rows())
    assert next(chunks) == "\ufeff".encode()
    assert next(chunks) == b"n,v\r\n"
    assert pulled == []
    assert next(chunks) == b"0,'=x0\r\n"
    assert pulled == [0]


def test_responses_are_attachments_with_chinese_filenames():
    r = csv_response("缴费单.csv", ["a"], iter([["=1"]]))
    assert r.streaming and r["Content-Type"].startswith("text/csv")
    assert "filename*=utf-8''%E7%BC%B4" in r["Content-Disposition"]
    assert b"".join(r.streaming_content).decode("utf-8-sig") == "a\r\n'=1\r\n"
    x = xlsx_response("结算.xlsx", Sheet("结算", header=["a"], rows=[["=1"]]))
    assert x["Content-Type"].startswith("application/vnd.openxmlformats")
    assert x["Content-Disposition"].startswith("attachment;")
    data = b"".join(x.streaming_content)
    assert _book(data).active["A2"].value == "=1"


def _sheet_title_args():
    """The title argument of every Sheet(...) and table_xlsx(...) call in the platform."""
    import ast
    from pathlib import Path

    import junheng

    root = Path(junheng.__file__).parent
    for path in sorted(root.rglob("*.py")):
        if path.name == "exports.py" or "engines" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in (
                "Sheet",
                "table_xlsx",
            ):
                arg = node.args[0] if node.args else None
                yield f"{path.relative_to(root)}:{node.lineno}", arg


def _is_chinese_title(arg) -> bool:
    import ast
    import re

    cjk = re.compile(r"[\u4e00-\u9fff]")
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return bool(cjk.search(arg.value)) and not re.search(r"[A-Za-z]", arg.value)
    if isinstance(arg, ast.Call) and getattr(arg.func, "id", None) in ("_", "gettext", "str"):
        return bool(arg.args) and _is_chinese_title(arg.args[0])
    # A name looked up in a table of Chinese names (KIND_NAMES[kind]).
    return isinstance(arg, ast.Subscript) and getattr(arg.value, "id", "").endswith("NAMES")


def test_every_sheet_the_platform_writes_has_a_chinese_name():
    """Sheet names are Chinese msgids (or a table of them), never a code such as 'students':
    the Chinese UI's files open on 学生, the English UI's on its translation."""
    calls = list(_sheet_title_args())
    assert len(calls) >= 15  # the walk finds the writers' calls
    bad = [where for where, arg in calls if not _is_chinese_title(arg)]
    assert bad == []
