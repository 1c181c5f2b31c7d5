"""An import is written in short transactions, and still all or nothing: a clash, a cancel or
an error part-way, or a worker that dies part-way, leaves no row of the file behind and every
changed row as it was (region/batches.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError
from django.utils import timezone

from junheng.jobs.errors import JobCancelled
from junheng.jobs.schedule import PERIODIC
from junheng.region import actions, batches
from junheng.region.models import ImportBatch, ImportUndo, SchoolClass, Student
from junheng.region.tasks import undo_abandoned_imports_job
from tests.region.test_import import csv_bytes, errors_of, good_students

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(batches, "WRITE_CHUNK", 2)


def state():
    """What a user sees of the students and classes (code -> name, class, birth date)."""
    students = {
        s.code: (s.name, s.school_class_id, s.birth_date, s.migrant) for s in Student.objects.all()
    }
    return students, sorted(SchoolClass.objects.values_list("pk", flat=True))


def changed_file():
    """Renames and moves the existing P0001/P0002 and adds three new students."""
    rows = good_students()
    rows += [
        ["P0001", "张晓明（改）", "M", "2017-01-01", "S01", 3, 4, "是"],
        ["P0002", "李改名", "F", "", "S01", 3, 4, ""],
    ]
    return csv_bytes(rows)


def test_a_good_import_is_written_in_chunks_and_keeps_no_undo_entries(users, small_chunks):
    report = actions.import_rows("students", changed_file(), filename="s.csv", by=users["bureau"])
    assert report.ok and report.saved, errors_of(report)
    assert (report.created, report.updated) == (3, 2)
    batch = ImportBatch.objects.get()
    assert (batch.kind, batch.state, batch.rows) == ("students", "done", 3 + 3 + 2)
    assert not ImportUndo.objects.exists()
    assert Student.objects.get(code="P0001").name == "张晓明（改）"


@pytest.mark.parametrize("fail_at", [1, 3, 4, 5])
def test_a_clash_part_way_undoes_every_chunk_already_written(
    users, small_chunks, monkeypatch, fail_at
):
    """Chunks: 2 + 1 new classes | 2 + 1 new students | 2 updated students. The clash comes in
    the fail_at-th chunk (another user's import wrote one of the codes meanwhile)."""
    before = state()
    calls = {"n": 0}
    create, update = batches._create, batches._update

    def clash_at(fn):
        def wrapped(*args):
            calls["n"] += 1
            if calls["n"] == fail_at:
                raise IntegrityError("UNIQUE constraint failed: region_student.code")
            return fn(*args)

        return wrapped

    monkeypatch.setattr(batches, "_create", clash_at(create))
    monkeypatch.setattr(batches, "_update", clash_at(update))
    report = actions.import_rows("students", changed_file(), filename="s.csv", by=users["bureau"])
    assert not report.saved
    assert "其他用户刚写入了相同的编码，本次导入未作任何改动" in str(report.errors[0])
    assert state() == before
    assert ImportBatch.objects.get().state == "undone"
    assert not ImportUndo.objects.exists()


def test_a_cancel_during_the_write_undoes_it(users, small_chunks):
    before = state()
    reports = []

    def progress(stage, done, total):
        reports.append((stage, done, total))
        if stage == "write" and done >= 4:
            raise JobCancelled

    with pytest.raises(JobCancelled):
        actions.import_rows(
            "students", changed_file(), filename="s.csv", by=users["bureau"], progress=progress
        )
    assert ("write", 5, 8) in reports
    assert state() == before
    assert ImportBatch.objects.get().state == "undone"


def test_rows_a_dead_worker_wrote_are_undone_by_the_sweep_and_by_the_next_import(
    users, small_chunks, monkeypatch
):
    """The worker dies after three chunks (its undo never runs): the rows it wrote stay until
    its heartbeat is stale; then the periodic job puts everything back."""
    before = state()

    class Died(BaseException):
        pass

    def die(stage, done, total):
        if stage == "write" and done >= 5:
            raise Died

    monkeypatch.setattr(batches, "undo", lambda batch: None)  # the process is gone
    with pytest.raises(Died):
        actions.import_rows(
            "students", changed_file(), filename="s.csv", by=users["bureau"], progress=die
        )
    monkeypatch.undo()
    assert Student.objects.filter(code__in=["P1001", "P1002", "P1003"]).count() == 2
    batch = ImportBatch.objects.get()
    assert batch.state == "writing"

    # A fresh heartbeat: the writer may still be alive, nothing is touched.
    assert undo_abandoned_imports_job(None) == {"undone": 0}
    ImportBatch.objects.update(heartbeat_at=timezone.now() - dt.timedelta(minutes=10))
    assert undo_abandoned_imports_job(None) == {"undone": 1}
    assert state() == before
    assert ImportBatch.objects.get().state == "undone"
    assert any(p.task_path.endswith("undo_abandoned_imports_job") for p in PERIODIC)


def test_the_next_import_of_the_kind_undoes_a_dead_one_first(users, small_chunks, monkeypatch):
    before = state()

    class Died(BaseException):
        pass

    def die(stage, done, total):
        if stage == "write" and done >= 5:
            raise Died

    monkeypatch.setattr(batches, "undo", lambda batch: None)
    with pytest.raises(Died):
        actions.import_rows(
            "students", changed_file(), filename="s.csv", by=users["bureau"], progress=die
        )
    monkeypatch.undo()
    ImportBatch.objects.update(heartbeat_at=timezone.now() - dt.timedelta(minutes=10))
    report = actions.import_rows(
        "students", changed_file(), filename="s.csv", by=users["bureau"], dry_run=True
    )
    assert state() == before  # the preview sees the rows as they were
    assert (report.created, report.updated) == (3, 2)
    report = actions.import_rows("students", changed_file(), filename="s.csv", by=users["bureau"])
    assert report.saved and (report.created, report.updated) == (3, 2)
    assert list(ImportBatch.objects.order_by("pk").values_list("state", flat=True)) == [
        "undone",
        "done",
    ]


def test_a_chunk_that_finds_the_write_lock_taken_tries_again(users, monkeypatch):
    from django.db import OperationalError, connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's single write lock; PostgreSQL waits on row locks")

    real = batches._write_chunk
    calls = {"n": 0}

    def busy_once(*args):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OperationalError("database is locked")
        return real(*args)

    monkeypatch.setattr(batches, "_write_chunk", busy_once)
    report = actions.import_rows("students", changed_file(), filename="s.csv", by=users["bureau"])
    assert report.saved and Student.objects.filter(code="P1003").exists()
    assert calls["n"] == 4  # classes, created (locked, then again), updated
