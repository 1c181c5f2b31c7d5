"""Checks every export's tests share: formula-like text stays text, and a large export goes
the job path (a GET shows the row count and a button, its POST starts a job whose file is
downloaded from the job's page and holds the same rows)."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from django.urls import reverse

FORMULA = '=HYPERLINK("http://evil.example","x")'


def body(response: Any) -> bytes:
    assert response.status_code == 200, response.status_code
    return response.getvalue()  # streamed or not


def xlsx_rows(data: bytes, sheet: int = 0) -> list[list[Any]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [list(r) for r in book.worksheets[sheet].iter_rows(values_only=True)]


def assert_formula_stays_text(data: bytes, text: str = FORMULA) -> None:
    """The cell holding `text` is a string cell (Excel's quote prefix), never a formula."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value == text]
    assert cells, f"{text!r} is not in the file"
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)


def assert_job_path(client: Any, settings: Any, url: str) -> bytes:
    """With the inline limit at 0 rows: a GET starts nothing, its button's POST starts the
    export job (run at once by the suite's immediate backend); returns the job's file."""
    from junheng.jobs.models import Job

    settings.JUNHENG_EXPORT_INLINE_ROWS = 0
    before = set(Job.objects.values_list("pk", flat=True))
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="export-start"' in html
    assert set(Job.objects.values_list("pk", flat=True)) == before  # a GET starts nothing
    response = client.post(url)
    job = Job.objects.exclude(pk__in=before).get()
    assert job.kind.endswith("_export") and job.state == "done", (job.state, job.error)
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (
        reverse("jobs:download", args=[job.pk])
        in client.get(job.get_absolute_url()).content.decode()
    )
    return body(client.get(reverse("jobs:download", args=[job.pk])))
