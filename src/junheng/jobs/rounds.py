"""The steps every yearly round's actions share (`records.YearRound`: rotation's rounds,
communities' pairing rounds): open a county's round of a year with its rules, change its rules,
lock it while open, run its engine through a worker, publish one run. Each app's `do_*` checks
who acts (`require_actor`) and calls these with its own models, rule names and messages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from junheng.accounts.models import User, audit
from junheng.errors import ActionError
from junheng.jobs.actions import start_job
from junheng.jobs.models import ACTIVE_STATES, Job
from junheng.jobs.records import RoundStatus, YearRound
from junheng.region.models import County

R = TypeVar("R", bound=YearRound)
Run = TypeVar("Run", bound=models.Model)


def check_rule_names(rules: Mapping[str, Any], fields: Sequence[str]) -> None:
    """A caller's mistake, not a user's: a rule the round does not have."""
    unknown = set(rules) - set(fields)
    if unknown:
        raise ValueError(f"unknown rules: {sorted(unknown)}")


def open_round(
    model: type[R],
    *,
    by: User | None,
    year: int,
    county: County | None,
    rules: Mapping[str, Any],
    fields: Sequence[str],
    check: Callable[[Mapping[str, Any]], None],
    exists: str,
) -> R:
    """A new open round of `year` for the county (the first one when none is given) with its
    rules checked; `exists` (with %(year)s) refuses a second round of the year. Call it in
    the transaction that then adds the round's own rows."""
    county = county or County.objects.order_by("pk").first()
    if county is None:
        raise ActionError(_("尚未建立县（市、区）数据。"))
    check_rule_names(rules, fields)
    check(rules)
    if model._default_manager.filter(county=county, year=year).exists():
        raise ActionError(exists % {"year": year})
    return model._default_manager.create(county=county, year=year, created_by=by, **rules)


def lock_open(rnd: R, frozen: str) -> R:
    """The round re-read under a row lock; refused (`frozen`, with %(year)s) once published."""
    locked = type(rnd)._default_manager.select_for_update().get(pk=rnd.pk)
    if locked.status != RoundStatus.OPEN:
        raise ActionError(frozen % {"year": locked.year})
    return locked


def update_rules(
    rnd: R,
    *,
    by: User | None,
    rules: Mapping[str, Any],
    fields: Sequence[str],
    check: Callable[[Mapping[str, Any]], None],
    frozen: str,
    action: str,
) -> R:
    """Change an open round's rules: the new values are checked together with the ones they
    leave as they are (a floor below its target); audited as `action`."""
    check_rule_names(rules, fields)
    with transaction.atomic():
        rnd = lock_open(rnd, frozen)
        check({**{k: getattr(rnd, k) for k in fields}, **rules})
        for k, v in rules.items():
            setattr(rnd, k, v)
        rnd.save(update_fields=list(rules))
        audit(by, action, rnd, **{k: str(v) for k, v in rules.items()})
    return rnd


def start_run(
    rnd: R,
    model: type[Run],
    *,
    by: User | None,
    fields: Sequence[str],
    frozen: str,
    job: tuple[str, str, str],
    title: str,
    action: str,
    arg: str = "run_id",
    busy: str = "",
    **extra: Any,
) -> Run:
    """A run of the round's engine with the round's rules as they are now, computed by a
    worker (`job`: kind, body, on_fail; the body gets the run's id as `arg`); the page shows
    its progress; audited as `action`. With `busy`, refused while a run of this kind is still
    computing."""
    kind, body, on_fail = job
    if busy:
        ids = [
            str(pk) for pk in model._default_manager.filter(round=rnd).values_list("pk", flat=True)
        ]
        if Job.objects.filter(kind=kind, state__in=ACTIVE_STATES, target_id__in=ids).exists():
            raise ActionError(busy)
    with transaction.atomic():
        rnd = lock_open(rnd, frozen)
        run = model._default_manager.create(
            round=rnd, created_by=by, rules={k: str(getattr(rnd, k)) for k in fields}, **extra
        )
        audit(by, action, rnd, **{arg.removesuffix("_id"): run.pk})
    start_job(kind, body, by=by, target=run, title=title, on_fail=on_fail, **{arg: run.pk})
    run.refresh_from_db()
    return run


def mark_published(rnd: R, run: models.Model, *, by: User | None) -> None:
    """The round frozen with `run` as its outcome (inside the caller's transaction, after
    `lock_open`)."""
    rnd.status = RoundStatus.PUBLISHED
    rnd.published_at = timezone.now()
    rnd.published_by = by
    rnd.published_run = run
    rnd.save(update_fields=["status", "published_at", "published_by", "published_run"])
