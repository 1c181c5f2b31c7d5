"""Import writes in short transactions, all or nothing (导入批次).

A county's file is 50,000 rows and a city's a million. Written in one transaction, SQLite's
single write lock would be held for many seconds (under load, longer than the 20 s every other
writer waits: a parent's login then fails with "database is locked"). So the checked rows are
written in chunks of `WRITE_CHUNK`, each in its own short transaction, and each chunk's
transaction also writes the chunk's undo entries (`ImportUndo`: the id of a created row, or
the columns of a changed row as they were just before). Between two chunks any other user
writes at once.

All or nothing, whatever happens:
- a clash (another user wrote the same new code meanwhile), a cancel or any error part-way:
  the batch is undone at once, chunk by chunk, and the error goes on to the caller;
- a worker that dies part-way leaves its batch "writing" with a heartbeat that stops: the
  next import of that kind, and the periodic sweep (`undo_abandoned`), undo it, so the rows
  the dead import wrote disappear and nothing half-done stays;
- at most one batch per kind writes at a time (a unique row): a second waits its turn.

While a batch writes (seconds), other pages may see part of its rows; once it has ended they
see all of them or none.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from functools import partial
from typing import Any

from django.db import IntegrityError, OperationalError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from junheng.region.models import (
    ImportBatch,
    ImportBatchState,
    ImportUndo,
    School,
    SchoolClass,
    Student,
    Teacher,
)

logger = logging.getLogger(__name__)

WRITE_CHUNK = 2000  # rows per transaction: well under a second on a loaded 2-core machine
SQLITE_PAUSE_S = 0.12  # after each chunk on SQLite: waiting writers' turn (see _in_turn)
LOCKED_RETRIES = 5  # a chunk that found SQLite's write lock taken for the whole busy timeout
WAIT_TURN_S = 600.0  # how long an import waits for another import of its kind to finish
MODELS: dict[str, type[models.Model]] = {
    "schoolclass": SchoolClass,
    "school": School,
    "teacher": Teacher,
    "student": Student,
}
UNDO_ORDER = ["student", "teacher", "school", "schoolclass"]  # dependants first
# model name → how its new rows are inserted (setting their ids), when not by `bulk_create`
CREATORS: dict[str, Callable[[Sequence[Any]], None]] = {}


def register_model(
    model: type[models.Model], create: Callable[[Sequence[Any]], None] | None = None
) -> None:
    """Let another app's import write `model` through these batches (growth portraits'
    records, say). Its rows are undone before the region's rows, as they depend on them;
    called from the app's `ready()` so the periodic sweep knows the model too. `create`, if
    given, inserts a chunk of new rows instead of `bulk_create` and sets their ids."""
    name = _name(model)
    if name not in MODELS:
        MODELS[name] = model
        UNDO_ORDER.insert(0, name)
    if create is not None:
        CREATORS[name] = create


class ImportBusyError(Exception):
    """Another import of the same kind kept writing for longer than `WAIT_TURN_S`."""


def _lost_after() -> timedelta:
    from junheng.jobs.actions import lost_after_s

    return timedelta(seconds=lost_after_s())


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    size = WRITE_CHUNK
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _name(model: type[models.Model]) -> str:
    return model._meta.model_name or ""


def write_batch(
    *,
    kind: str,
    model: type[models.Model],
    new_classes: Sequence[SchoolClass],
    to_create: Sequence[models.Model],
    to_update: Sequence[models.Model],
    update_fields: Sequence[str],
    filename: str = "",
    by: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportBatch:
    """Write an import's checked rows in short transactions; undo them all on any error.

    `progress(rows written, rows to write)` is called between chunks, outside any transaction
    (it may raise, e.g. JobCancelled: the batch is then undone and the error goes on).
    Raises IntegrityError (after undoing) when another user wrote one of the new codes.
    """
    total = len(new_classes) + len(to_create) + len(to_update)
    batch = _take_turn(kind, filename, by, total, progress)
    done = 0
    try:
        for objs, created in ((new_classes, True), (to_create, True), (to_update, False)):
            target = SchoolClass if objs is new_classes else model
            for chunk in _chunks(objs):
                _in_turn(partial(_write_chunk, batch, target, chunk, created, update_fields))
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
        _finish(batch)
    except BaseException:
        try:
            undo(batch)
        except Exception:  # left "writing": the sweep undoes it once the heartbeat is stale
            logger.exception("could not undo import batch %s; the sweep will", batch.pk)
        raise
    return batch


def _write_chunk(
    batch: ImportBatch,
    model: type[models.Model],
    chunk: Sequence[models.Model],
    created: bool,
    update_fields: Sequence[str],
) -> None:
    with transaction.atomic():
        if created:
            _create(batch, model, chunk)
        else:
            _update(batch, model, chunk, update_fields)
        ImportBatch.objects.filter(pk=batch.pk).update(heartbeat_at=timezone.now())


def _in_turn(write: Callable[[], None]) -> None:
    """Run one chunk's transaction, then let the other writers in.

    SQLite has no queue for its write lock: a writer that finds it taken sleeps and tries
    again (every 100 ms once it has waited a while). Were the chunks back to back, the
    importer would take the lock again each time before a waiting login tried, for as long
    as the import lasts. So on SQLite each chunk is followed by a pause a little longer than
    that retry interval, in which every waiting writer gets its turn; and a chunk that finds
    the lock taken (by a stream of other writers) waits and tries again rather than failing.
    """
    sqlite = connection.vendor == "sqlite"
    for attempt in range(LOCKED_RETRIES):
        try:
            write()
            break
        except OperationalError as exc:
            if not sqlite or "locked" not in str(exc) or attempt == LOCKED_RETRIES - 1:
                raise
            logger.info("import chunk waited for the write lock (attempt %s)", attempt + 1)
    if sqlite:
        time.sleep(SQLITE_PAUSE_S)


def _take_turn(
    kind: str, filename: str, by: Any, rows: int, progress: Callable[[int, int], None] | None
) -> ImportBatch:
    deadline = time.monotonic() + WAIT_TURN_S
    while True:
        try:
            with transaction.atomic():
                return ImportBatch.objects.create(
                    kind=kind,
                    filename=filename[:200],
                    by=by if getattr(by, "pk", None) else None,
                    rows=rows,
                    heartbeat_at=timezone.now(),
                )
        except IntegrityError:
            pass  # another batch of this kind is writing
        undo_abandoned(kind)
        if time.monotonic() > deadline:
            raise ImportBusyError(_("另一项同类导入仍在写入，请稍后重新导入"))
        if progress is not None:
            progress(0, rows)
        time.sleep(1.0)


def _create(batch: ImportBatch, model: type[models.Model], objs: Sequence[models.Model]) -> None:
    name = _name(model)
    create = CREATORS.get(name)
    if create is not None:
        create(objs)
    else:
        model._default_manager.bulk_create(objs)
    if any(o.pk is None for o in objs):  # pragma: no cover - SQLite ≥ 3.35 and PostgreSQL do
        raise RuntimeError("the database did not return the ids of the inserted rows")
    ImportUndo.objects.bulk_create(
        ImportUndo(batch=batch, model=name, object_id=o.pk, before=None) for o in objs
    )


def _column_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """The model's field `name` (or attname) as the concrete column field it is."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return field


def _update(
    batch: ImportBatch,
    model: type[models.Model],
    objs: Sequence[models.Model],
    update_fields: Sequence[str],
) -> None:
    attnames = [_column_field(model, f).attname for f in update_fields]
    before = model._default_manager.filter(pk__in=[o.pk for o in objs]).values("pk", *attnames)
    name = _name(model)
    ImportUndo.objects.bulk_create(
        ImportUndo(
            batch=batch,
            model=name,
            object_id=row.pop("pk"),
            before=row,
        )
        for row in before
    )
    model._default_manager.bulk_update(objs, list(update_fields))


def _finish(batch: ImportBatch) -> None:
    with transaction.atomic():
        ImportBatch.objects.filter(pk=batch.pk).update(
            state=ImportBatchState.DONE, finished_at=timezone.now()
        )
    batch.state = ImportBatchState.DONE
    _forget_undo(batch)


def _forget_undo(batch: ImportBatch) -> None:
    """Drop a finished batch's undo entries, a chunk at a time (short transactions again)."""
    while True:
        ids = list(
            ImportUndo.objects.filter(batch=batch).values_list("pk", flat=True)[: WRITE_CHUNK * 5]
        )
        if not ids:
            return
        ImportUndo.objects.filter(pk__in=ids).delete()


def undo(batch: ImportBatch) -> None:
    """Put back every row the batch changed and delete every row it created, chunk by chunk;
    each chunk's undo entries go in the same transaction, so an undo interrupted part-way
    goes on where it stopped."""
    for name in UNDO_ORDER:
        model = MODELS[name]
        entries = ImportUndo.objects.filter(batch=batch, model=name).order_by("pk")
        while chunk := list(entries[:WRITE_CHUNK]):
            _in_turn(partial(_undo_chunk, batch, model, chunk))
    ImportBatch.objects.filter(pk=batch.pk).update(
        state=ImportBatchState.UNDONE, finished_at=timezone.now()
    )
    batch.state = ImportBatchState.UNDONE


def _undo_chunk(batch: ImportBatch, model: type[models.Model], chunk: list[ImportUndo]) -> None:
    with transaction.atomic():
        changed = [e for e in chunk if e.before is not None]
        if changed:
            _restore(model, changed)
        created = [e.object_id for e in chunk if e.before is None]
        if created:
            model._default_manager.filter(pk__in=created).delete()
        ImportUndo.objects.filter(pk__in=[e.pk for e in chunk]).delete()
        ImportBatch.objects.filter(pk=batch.pk).update(heartbeat_at=timezone.now())


def _restore(model: type[models.Model], entries: Sequence[ImportUndo]) -> None:
    attnames = sorted({k for e in entries for k in (e.before or {})})
    fields = [_column_field(model, a) for a in attnames]
    objs = []
    for e in entries:
        before = e.before or {}
        values = {f.attname: f.to_python(before[f.attname]) for f in fields if f.attname in before}
        objs.append(model(pk=e.object_id, **values))
    model._default_manager.bulk_update(objs, [f.name for f in fields])


def undo_abandoned(kind: str | None = None, now: Any = None) -> int:
    """Undo the batches whose writer stopped (heartbeat older than the jobs' lost-worker
    delay); claimed by a conditional update, so two sweepers never undo one batch at once.
    Also drops leftover undo entries of finished batches. Returns the batches undone."""
    now = now or timezone.now()
    stale = ImportBatch.objects.filter(
        state=ImportBatchState.WRITING, heartbeat_at__lt=now - _lost_after()
    )
    if kind is not None:
        stale = stale.filter(kind=kind)
    n = 0
    for batch in stale:
        claimed = ImportBatch.objects.filter(
            pk=batch.pk, state=ImportBatchState.WRITING, heartbeat_at=batch.heartbeat_at
        ).update(heartbeat_at=timezone.now())
        if claimed:
            logger.warning("undoing abandoned import batch %s (%s)", batch.pk, batch.kind)
            undo(batch)
            n += 1
    leftovers = (
        ImportUndo.objects.exclude(batch__state=ImportBatchState.WRITING)
        .values_list("batch", flat=True)
        .distinct()
    )
    for batch in ImportBatch.objects.filter(pk__in=list(leftovers[:100])):
        _forget_undo(batch)
    return n
