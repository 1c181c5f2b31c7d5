"""Shared pieces of the placement actions: engine inputs and the feasibility check."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

from django.utils.translation import gettext as _

from junheng.engines.io import InputError, csv_bytes
from junheng.engines.placement import place
from junheng.errors import ActionError
from junheng.placement import adapters
from junheng.placement.models import (
    Placement,
    PlacementMember,
    PlacementStatus,
    RequestKind,
)
from junheng.public_draw import unique_pseudonyms
from junheng.region.models import School, Student

CHECK_SEED = "feasibility-check"


def member_rows(members: Iterable[PlacementMember]) -> list[adapters.MemberRow]:
    return [
        adapters.MemberRow(
            code=m.code,
            gender=m.gender,
            score=m.score,
            needs=m.needs,
            migrant=m.migrant,
            left_behind=m.left_behind,
            name=m.name,
            pseudonym=m.pseudonym,
        )
        for m in members
    ]


def request_rows(placement: Placement) -> list[adapters.RequestRow]:
    reqs = placement.requests.prefetch_related("students")
    return [
        adapters.RequestRow(
            key=str(r.pk), kind=r.kind, codes=tuple(sorted(s.code for s in r.students.all()))
        )
        for r in reqs
    ]


def engine_input_of(placement: Placement) -> adapters.EngineInput:
    """The engine input of the cohort as drawn (late arrivals are not part of the draw)."""
    members = list(placement.members.filter(late=False).order_by("code"))
    if any(not m.pseudonym for m in members):  # every path that adds a member gives one
        raise ActionError(_("编班名单中有学生缺少公示化名编号。"))
    return adapters.engine_input(
        member_rows(members), request_rows(placement), balance_extras=placement.balance_extras
    )


def result_file(placement: Placement) -> bytes:
    """The draw's result file as `junheng place --out` writes it (student_id = pseudonym,
    class), sorted by student_id: its SHA-256 is the published result hash."""
    rows = sorted(
        placement.members.filter(late=False)
        .exclude(class_no=None)
        .values_list("pseudonym", "class_no")
    )
    return csv_bytes(["student_id", "class"], rows)


def _precheck(
    n_students: int, n_classes: int, requests: Sequence[adapters.RequestRow], known: set[str]
) -> None:
    """The impossible requests, said in the user's words before the engine is asked."""
    if n_classes < 1:
        raise ActionError(_("班级数至少为 1。"))
    if n_classes > n_students:
        raise ActionError(
            _("%(n)d 名学生无法分成 %(k)d 个班。") % {"n": n_students, "k": n_classes}
        )
    cap = math.ceil(n_students / n_classes)
    for r in requests:
        codes = [c for c in r.codes if c in known]
        if r.kind == RequestKind.APART and len(codes) > n_classes:
            raise ActionError(
                _("分开申请有 %(k)d 名学生，但只有 %(n)d 个班：无法让他们互不同班。")
                % {"k": len(codes), "n": n_classes}
            )
    try:
        tog = adapters.together_labels(requests, known)
        apt = adapters.apart_labels(requests, known)
    except adapters.RequestConflictError as err:
        raise ActionError(
            _("学生 %(code)s 已在另一条分开申请中：请把这些学生合并为一条分开申请。")
            % {"code": str(err)}
        ) from err
    sizes = Counter(tog.values())
    for label, size in sizes.items():
        if size > cap:
            raise ActionError(
                _("同班组有 %(k)d 名学生，超过每班最多 %(cap)d 人。") % {"k": size, "cap": cap}
            )
        inside = [apt[c] for c, lab in tog.items() if lab == label and c in apt]
        if len(inside) != len(set(inside)):
            raise ActionError(_("同一个同班组里有两名学生又被申请分开。"))


def _check_feasible(
    members: Sequence[adapters.MemberRow],
    requests: Sequence[adapters.RequestRow],
    n_classes: int,
    method: str,
    balance_extras: bool,
) -> adapters.EngineInput:
    known = {m.code for m in members}
    _precheck(len(members), n_classes, requests, known)
    data = adapters.engine_input(members, requests, balance_extras=balance_extras)
    try:
        place(data.students, n_classes, CHECK_SEED, method, max_iter=0)
    except InputError as err:
        raise ActionError(_("编班条件无法满足：%(reason)s") % {"reason": err.reason}) from err
    return data


def _require(placement: Placement, *states: str, message: str | None = None) -> None:
    if placement.status not in states:
        if placement.is_locked and PlacementStatus.COMMITTED in states:
            raise ActionError(_("本次编班已抽签并锁定，不能再次抽签或修改。"))
        raise ActionError(
            message or _("当前状态（%(s)s）不允许此操作。") % {"s": placement.get_status_display()}
        )


def _lock(placement: Placement) -> Placement:
    """Re-read the placement under a row lock (the state check must see the latest state)."""
    fresh = Placement.objects.select_for_update().get(pk=placement.pk)
    placement.status = fresh.status
    return fresh


def _witness_list(placement: Placement) -> list[dict[str, str]]:
    return [{"name": w.name, "role": w.get_role_display()} for w in placement.witnesses.all()]


def _members_from_students(
    placement: Placement, students: Sequence[Student]
) -> list[PlacementMember]:
    aliases = unique_pseudonyms(len(students))
    return [
        PlacementMember(
            placement=placement,
            student=s,
            code=s.code,
            pseudonym=alias,
            name=s.name,
            gender=s.gender,
            score=s.score,
            needs=s.support_needs,
            migrant=s.migrant,
            left_behind=s.left_behind,
        )
        for s, alias in zip(students, aliases, strict=True)
    ]


def cohort_students(school: School, grade: int) -> list[Student]:
    """The cohort from the region data: every student of that grade at the school."""
    return list(Student.objects.filter(school=school, grade=grade).order_by("code"))
