"""File downloads (exports, draw files): one place that builds the attachment response.

People-facing spreadsheets are served by `junheng.exports.serve`; this module keeps the
attachment header and the files that must keep their exact bytes (import templates already
written, engine contract files). Filenames are often Chinese (e.g. 海滨县均衡指标.xlsx);
`content_disposition_header` writes them as RFC 6266 `filename*=utf-8''…`, which browsers
decode, with an ASCII fallback.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


def attachment(data: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    disposition = content_disposition_header(True, filename)  # a str when as an attachment
    if disposition:
        response["Content-Disposition"] = disposition
    return response


def csv_attachment(data: bytes, filename: str) -> HttpResponse:
    """An engine contract file (a draw's input or result) with its exact bytes: its SHA-256 is
    published, so it never goes through `junheng.exports` (which rewrites formula-like text)."""
    return attachment(data, filename, CSV)
