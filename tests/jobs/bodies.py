"""Job bodies used by the tests (importable by dotted path, as real bodies are)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.db import transaction

from junheng.jobs.actions import JobFailed, progress
from junheng.region.models import County


def count_to(job, *, n: int):
    for i in range(n):
        progress(job, "计数", 100 * i // n)
    return {"counted": n}


def write_then_fail(job, *, code: str):
    with transaction.atomic():
        County.objects.create(code=code, name="半途而废县")
        progress(job, "写入", 50)
        raise RuntimeError("boom")


def refuse(job):
    raise JobFailed("文件第 3 行缺少学校代码。")


def cancel_midway(job, *, code: str):
    """Writes, then the user cancels (simulated here), then the next progress report stops it."""
    from junheng.jobs.actions import request_cancel

    with transaction.atomic():
        County.objects.create(code=code, name="取消县")
        request_cancel(job, by=None)
        progress(job, "写入", 50)
    return {"never": True}


def mark(job, *, n: int, log: str, sleep: float = 0.05):
    """Append one line per run: the two-worker test counts them."""
    time.sleep(sleep)
    with Path(log).open("a") as fh:
        fh.write(f"{n} {os.getpid()}\n")
    return {"n": n}


def not_json(job):
    return {"when": object()}
