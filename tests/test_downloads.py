"""Downloads carry Chinese filenames in a form browsers decode (RFC 6266 filename*)."""

from __future__ import annotations

from junheng.downloads import XLSX, attachment, csv_attachment


def test_chinese_filename_is_written_as_utf8_filename_star():
    r = attachment(b"x", "海滨县均衡指标.xlsx", XLSX)
    header = r["Content-Disposition"]
    assert header.startswith("attachment;")
    assert "filename*=utf-8''%E6%B5%B7" in header
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")


def test_ascii_filename_is_plain():
    r = csv_attachment(b"a,b\n", "offerings.csv")
    assert r["Content-Disposition"] == 'attachment; filename="offerings.csv"'
    assert r.content == b"a,b\n"
