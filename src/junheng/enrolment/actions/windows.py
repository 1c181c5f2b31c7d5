"""Choice windows, rankings and the public draw.

State machine of a window: draft → open (the draw's seed is generated with `secrets` and only
its commitment sha256(seed) is shown) → closed → drawn (the bureau enters the ceremony's public
entropy; the input files are frozen and hashed; the engine runs through a task with the final
seed sha256(seed:inputs_sha256:entropy); results, input files and the result hash stored; the
seed revealed) → published (families see results and freed seats start going to the
waitlists). Children appear in the draw's files by their pseudonym (`Ranking.pseudonym`, given
when the ranking is first stored), never by their student code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import junheng
from junheng.accounts.models import Guardianship, Role, User, audit
from junheng.accounts.scoping import require_actor
from junheng.afterschool.models import Offering
from junheng.engines.io import InputError
from junheng.engines.lottery import final_seed, seed_commitment
from junheng.enrolment import adapters, ledger
from junheng.enrolment.actions.common import notify_guardians, require_family
from junheng.enrolment.actions.draws import ensure_pseudonyms
from junheng.enrolment.actions.seats import offer_free_seats
from junheng.enrolment.models import (
    AdjustmentKind,
    ChoiceWindow,
    Draw,
    DrawAdjustment,
    DrawState,
    Enrolment,
    EnrolmentStatus,
    EntryStatus,
    Method,
    Notification,
    Ranking,
    RankingChoice,
    RankingToken,
    WaitlistEntry,
    WindowState,
)
from junheng.enrolment.report import draw_report
from junheng.errors import ActionError
from junheng.jobs.actions import progress, start_job
from junheng.jobs.models import Job
from junheng.public_draw import clean_entropy, new_pseudonym
from junheng.region.models import School, Student, Term


def _move(window: ChoiceWindow, frm: str, to: str, stamp: str | None) -> ChoiceWindow:
    w = ChoiceWindow.objects.select_for_update().get(pk=window.pk)
    if w.state != frm:
        raise ActionError(
            _("选课窗口当前状态为“%(s)s”，不能进行此操作。") % {"s": w.get_state_display()}
        )
    w.state = to
    fields = ["state"]
    if stamp:
        setattr(w, stamp, timezone.now())
        fields.append(stamp)
    w.save(update_fields=fields)
    return w


def do_create_window(
    *,
    by: User,
    school: School,
    term: Term,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    max_ranked: int = 5,
    max_courses: int = 1,
    method: str | None = None,
    min_size: int = 0,
    offer_hours: int = 48,
    priority_left_behind: int = 1,
    priority_low_income: int = 1,
) -> ChoiceWindow:
    """A new window (draft). The bureau, or the school's own admin, sets it up."""
    require_actor(by, Role.BUREAU, Role.SCHOOL, school_id=school.pk)
    if closes_at <= opens_at:
        raise ActionError(_("截止时间必须晚于开始时间。"))
    chosen = method or (Method.DA if max_courses == 1 else Method.DRAFT)
    if chosen == Method.DA and max_courses != 1:
        raise ActionError(_("延迟接受法每人只能录取一门课程（K = 1）。"))
    if not 1 <= max_ranked <= 20 or not 1 <= max_courses <= 10:
        raise ActionError(_("志愿数或录取门数超出范围。"))
    if ChoiceWindow.objects.filter(school=school, term=term).exists():
        raise ActionError(
            _(
                "%(school)s %(term)s 已有选课窗口：同一学校同一学期只能有一个窗口，"
                "剩余名额请由教育局在该窗口公布结果后开设第二轮选课。"
            )
            % {"school": school.name, "term": term.name}
        )
    w = ChoiceWindow.objects.create(
        school=school,
        term=term,
        opens_at=opens_at,
        closes_at=closes_at,
        max_ranked=max_ranked,
        max_courses=max_courses,
        method=chosen,
        min_size=min_size,
        offer_hours=offer_hours,
        priority_left_behind=priority_left_behind,
        priority_low_income=priority_low_income,
        created_by=by,
    )
    audit(by, "enrolment.window.create", w)
    return w


def do_open_window(window: ChoiceWindow, *, by: User) -> Draw:
    """Open for ranking and publish the draw's seed commitment (the seed itself stays hidden)."""
    require_actor(by, Role.BUREAU)
    if not adapters.window_offerings(window):
        raise ActionError(_("本校本学期还没有开设的课程，不能开放选课。"))
    if window.round > 1:
        for earlier in _earlier_rounds(window):
            offer_free_seats(earlier, by=by)
        if not any(round_capacity(window).values()):
            raise ActionError(_("各课程已没有剩余名额（或仍有候补学生在等），不能开放第二轮。"))
    seed = secrets.token_hex(16)
    with transaction.atomic():
        w = _move(window, WindowState.DRAFT, WindowState.OPEN, "opened_at")
        draw = Draw.objects.create(window=w, seed=seed, seed_commitment=seed_commitment(seed))
        audit(by, "enrolment.window.open", w, seed_commitment=draw.seed_commitment)
    window.refresh_from_db()
    return draw


def _earlier_rounds(window: ChoiceWindow) -> list[ChoiceWindow]:
    return list(
        ChoiceWindow.objects.filter(
            school_id=window.school_id, term_id=window.term_id, round__lt=window.round
        ).order_by("round")
    )


def round_capacity(window: ChoiceWindow) -> dict[int, int]:
    """Seats each of the window's offerings can give in this round (see the ledger)."""
    return ledger.round_capacity(
        adapters.window_offerings(window), window.school_id, window.term_id, window.round
    )


def do_create_second_round(
    previous: ChoiceWindow,
    *,
    by: User,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    max_ranked: int | None = None,
) -> ChoiceWindow:
    """A further round (第二轮选课 / 补录) of the school's term, over the seats still free.

    Only the bureau starts one, once every earlier round is published. The earlier waitlists are
    served first (their children are offered the free seats in lottery order); the new round
    draws only on what is left, for children who hold no seat in the term yet. It keeps the
    first round's rules (method, K, priorities, offer hours) and gets its own seed commitment
    when it opens.
    """
    require_actor(by, Role.BUREAU)
    if closes_at <= opens_at:
        raise ActionError(_("截止时间必须晚于开始时间。"))

    with transaction.atomic():
        rounds = list(
            ChoiceWindow.objects.select_for_update()
            .filter(school_id=previous.school_id, term_id=previous.term_id)
            .order_by("round")
        )
        if any(r.state != WindowState.PUBLISHED for r in rounds):
            raise ActionError(_("前面各轮选课的结果都公布之后，才能开设下一轮。"))
        first = rounds[0]
        w = ChoiceWindow.objects.create(
            school_id=first.school_id,
            term_id=first.term_id,
            round=rounds[-1].round + 1,
            opens_at=opens_at,
            closes_at=closes_at,
            max_ranked=max_ranked or first.max_ranked,
            max_courses=first.max_courses,
            method=first.method,
            min_size=0,
            offer_hours=first.offer_hours,
            priority_left_behind=first.priority_left_behind,
            priority_low_income=first.priority_low_income,
            created_by=by,
        )
        _record_round(w, by)
        audit(by, "enrolment.window.round", w, round=w.round, previous=rounds[-1].pk)
    for r in rounds:
        offer_free_seats(r, by=by)
    return w


def _record_round(window: ChoiceWindow, by: User) -> None:
    cap = round_capacity(window)
    for earlier in _earlier_rounds(window):
        DrawAdjustment.objects.create(
            window=earlier,
            kind=AdjustmentKind.ROUND,
            by=by,
            detail={"round": window.round, "window": window.pk, "free": sum(cap.values())},
        )


def do_close_window(
    window: ChoiceWindow, *, by: User, reason: str = "", now: dt.datetime | None = None
) -> ChoiceWindow:
    """Close ranking. Before the published deadline (`closes_at`) only with a reason, which
    every family of the school is told."""
    require_actor(by, Role.BUREAU)
    at = now or timezone.now()
    reason = (reason or "").strip()
    early = at < window.closes_at
    if early and not reason:
        raise ActionError(
            _("截止时间（%(t)s）未到：提前截止必须填写原因，原因会通知家长。")
            % {"t": timezone.localtime(window.closes_at).strftime("%Y-%m-%d %H:%M")}
        )
    with transaction.atomic():
        w = _move(window, WindowState.OPEN, WindowState.CLOSED, "closed_at")
        if early:
            w.close_reason = reason
            w.save(update_fields=["close_reason"])
            told = _tell_school_families(
                w,
                _("%(school)s 的课后服务选课已提前截止（原定 %(t)s），原因：%(reason)s")
                % {
                    "school": w.school.name,
                    "t": timezone.localtime(w.closes_at).strftime("%Y-%m-%d %H:%M"),
                    "reason": reason,
                },
            )
            DrawAdjustment.objects.create(
                window=w,
                kind=AdjustmentKind.CLOSE,
                by=by,
                detail={"reason": reason, "told": told},
            )
        audit(by, "enrolment.window.close", w, early=early, reason=reason)
    window.refresh_from_db()
    return w


def _tell_school_families(window: ChoiceWindow, text: str) -> int:
    """One notification to each guardian of the school's children (bulk)."""
    users = set(
        Guardianship.objects.filter(
            student__school_id=window.school_id, user__role=Role.PARENT
        ).values_list("user_id", flat=True)
    )
    Notification.objects.bulk_create(
        [
            Notification(user_id=u, text=text, link="/enrolment/choose/", key=f"close:{window.pk}")
            for u in sorted(users)
        ]
    )
    return len(users)


def close_due_windows(now: dt.datetime | None = None) -> int:
    """Close every open window whose `closes_at` has passed (the scheduled task; idempotent:
    a window already closed is left alone). Returns how many it closed."""
    at = now or timezone.now()
    n = 0
    for pk in ChoiceWindow.objects.filter(state=WindowState.OPEN, closes_at__lte=at).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            w = ChoiceWindow.objects.select_for_update().get(pk=pk)
            if w.state != WindowState.OPEN or w.closes_at > at:
                continue
            w.state = WindowState.CLOSED
            w.closed_at = at
            w.save(update_fields=["state", "closed_at"])
            audit(None, "enrolment.window.close", w, scheduled=True)
            n += 1
    return n


# --------------------------------------------------------------------------- rankings


def _receipt(window_id: int, code: str, version: int, ids: Sequence[int], at: dt.datetime) -> str:
    text = f"{window_id}:{code}:{version}:{','.join(map(str, ids))}:{at.isoformat()}"
    return hashlib.sha256(text.encode()).hexdigest()[:12].upper()


def rankable_offerings(window: ChoiceWindow, student: Student) -> list[Offering]:
    """The window's offerings open to the child's grade (what the page lists); in a second
    round, only those with seats left for it."""
    offerings = [
        o for o in adapters.window_offerings(window) if o.course.open_to_grade(student.grade)
    ]
    if window.round > 1:
        cap = round_capacity(window)
        offerings = [o for o in offerings if cap.get(o.pk, 0) > 0]
    return offerings


def holds_seat_in_term(window: ChoiceWindow, student: Student) -> bool:
    return Enrolment.objects.filter(
        window__school_id=window.school_id,
        window__term_id=window.term_id,
        student=student,
        status=EnrolmentStatus.ACTIVE,
    ).exists()


def do_submit_ranking(
    window: ChoiceWindow,
    student: Student,
    offering_ids: Sequence[int],
    *,
    by: User,
    token: str = "",
    together: bool = False,
    now: dt.datetime | None = None,
) -> Ranking:
    """Store (or replace) a child's ranking. A second POST with the same form `token` changes
    nothing and returns the same receipt; there is always at most one Ranking per child."""
    require_family(by, student)
    if student.school_id != window.school_id:
        raise ActionError(_("该学生不在本校。"))
    ids = [int(x) for x in offering_ids]
    if not ids:
        raise ActionError(_("请至少选择一门课程。"))
    if len(ids) > window.max_ranked:
        raise ActionError(_("最多只能填报 %(n)d 个志愿。") % {"n": window.max_ranked})
    if len(set(ids)) != len(ids):
        raise ActionError(_("同一门课程不能重复填报。"))
    if window.round > 1 and holds_seat_in_term(window, student):
        raise ActionError(_("第二轮选课只面向本学期尚未录取课程的学生。"))
    allowed = adapters.window_courses(window)
    if window.round > 1:
        cap = round_capacity(window)
        allowed = {pk: o for pk, o in allowed.items() if cap.get(pk, 0) > 0}
    for oid in ids:
        if oid not in allowed:
            raise ActionError(_("所选课程不在本次选课范围内。"))
        title, lowest, highest = allowed[oid]
        if not lowest <= student.grade <= highest:  # Course.open_to_grade
            raise ActionError(_("“%(c)s”不面向 %(g)d 年级。") % {"c": title, "g": student.grade})
    at = now or timezone.now()
    for _attempt in range(2):
        try:
            return _store_ranking(window, student, ids, by, token, together, at)
        except IntegrityError:
            # Two first submissions raced on the unique (window, student): the loser retries
            # and then finds the winner's row, which it replaces (or matches by token).
            continue
    raise ActionError(_("提交冲突，请重试。"))


def _window_shared(pk: int) -> ChoiceWindow:
    """The window's row, locked against a change of its state but not against other families'
    submissions: FOR SHARE on PostgreSQL, so closing, reopening and the draw (which lock it FOR
    UPDATE) wait for the submissions in flight and those wait for them, while thousands of
    parents at window opening submit side by side (FOR UPDATE here made every submission of a
    window wait for the one before). SQLite has one writer at a time anyway."""
    if connection.vendor != "postgresql":
        return ChoiceWindow.objects.get(pk=pk)
    table = connection.ops.quote_name(ChoiceWindow._meta.db_table)
    rows = list(ChoiceWindow.objects.raw(f"SELECT * FROM {table} WHERE id = %s FOR SHARE", [pk]))  # noqa: S608
    if not rows:
        raise ChoiceWindow.DoesNotExist
    return rows[0]


def _store_ranking(
    window: ChoiceWindow,
    student: Student,
    ids: list[int],
    by: User,
    token: str,
    together: bool,
    at: dt.datetime,
) -> Ranking:
    with transaction.atomic():
        w = _window_shared(window.pk)
        if not w.accepting(at):
            raise ActionError(_("选课窗口未开放或已截止，不能再修改志愿。"))
        # The ranking row alone (Ranking's default ordering would join and lock the student).
        ranking = (
            Ranking.objects.select_for_update(of=("self",))
            .filter(window=w, student=student)
            .order_by("pk")
            .first()
        )
        if (
            ranking is not None
            and token
            and (
                ranking.token == token
                or RankingToken.objects.filter(ranking=ranking, token=token).exists()
            )
        ):
            # This form was stored already (a double tap, or an old form sent again after
            # a newer one): nothing changes, the current ranking's receipt is shown.
            return ranking
        if ranking is None:
            ranking = Ranking.objects.create(
                window=w,
                student=student,
                submitted_by=by,
                submitted_at=at,
                version=1,
                receipt_code=_receipt(w.pk, student.code, 1, ids, at),
                # a clash with another child's pseudonym is an IntegrityError: retried
                pseudonym=new_pseudonym(),
                token=token,
                together=together,
            )
        else:
            ranking.version += 1
            ranking.submitted_by = by
            ranking.submitted_at = at
            ranking.token = token
            ranking.together = together
            ranking.receipt_code = _receipt(w.pk, student.code, ranking.version, ids, at)
            ranking.save(
                update_fields=[
                    "version",
                    "submitted_by",
                    "submitted_at",
                    "token",
                    "together",
                    "receipt_code",
                ]
            )
            RankingChoice.objects.filter(ranking=ranking).delete()
        RankingChoice.objects.bulk_create(
            [
                RankingChoice(ranking=ranking, rank=i, offering_id=oid)
                for i, oid in enumerate(ids, start=1)
            ]
        )
        if token:
            RankingToken.objects.create(ranking=ranking, token=token)
    return ranking


def do_withdraw_ranking(window: ChoiceWindow, student: Student, *, by: User) -> bool:
    """Take a child out of the window (participation is voluntary)."""
    require_family(by, student)
    with transaction.atomic():
        w = ChoiceWindow.objects.select_for_update().get(pk=window.pk)
        if not w.accepting():
            raise ActionError(_("选课窗口未开放或已截止，不能再修改志愿。"))
        deleted, _rows = Ranking.objects.filter(window=w, student=student).delete()
    return deleted > 0


# --------------------------------------------------------------------------- the draw


def do_run_draw(
    window: ChoiceWindow,
    *,
    by: User,
    entropy: str,
    entropy_source: str = "",
    inputs_sha256: str | None = None,
) -> Draw:
    """Run the draw of a closed window (a job, see junheng.jobs) and reveal the seed.

    The input files are frozen and hashed now, with the public `entropy` of the ceremony; the
    engine runs with the final seed sha256(seed:inputs_sha256:entropy). `inputs_sha256`, when
    given, is the hash the bureau was shown when it typed the entropy: the draw is refused if
    the inputs changed since. A draw that failed or was cancelled runs again afresh, with the
    same entropy as long as its inputs are the same (no second roll of the dice)."""
    require_actor(by, Role.BUREAU)
    value = clean_entropy(entropy, error=ActionError)
    source = " ".join(entropy_source.split())[:200]

    with transaction.atomic():
        w = ChoiceWindow.objects.select_for_update().get(pk=window.pk)
        if w.state != WindowState.CLOSED:
            raise ActionError(_("只有已截止的选课窗口才能摇号。"))
        draw = Draw.objects.select_for_update().get(window=w)
        running = Job.latest_for(draw, "draw")
        if running is not None and running.is_active:
            raise ActionError(_("摇号正在进行中，请等待完成。"))
        ensure_pseudonyms(w)
        frozen = adapters.draw_inputs(w).inputs_sha256
        if inputs_sha256 and inputs_sha256.strip().lower() != frozen:
            raise ActionError(_("显示输入文件哈希之后，摇号输入又发生了变化：请核对后重新录入。"))
        if draw.entropy and draw.inputs_sha256 == frozen and draw.entropy != value:
            raise ActionError(
                _("本次摇号已录入公开随机数“%(e)s”，输入未变，重新运行须使用同一组数。")
                % {"e": draw.entropy}
            )
        if draw.state == DrawState.FAILED:  # a failed or cancelled attempt: try again afresh
            draw.state, draw.message = DrawState.COMMITTED, ""
        draw.inputs_sha256 = frozen
        draw.entropy = value
        draw.entropy_source = source
        draw.final_seed = final_seed(draw.seed, frozen, value)
        draw.save(
            update_fields=[
                "state",
                "message",
                "inputs_sha256",
                "entropy",
                "entropy_source",
                "final_seed",
            ]
        )
        audit(by, "enrolment.draw.run", draw, inputs_sha256=frozen, entropy=value)
    # A worker runs it; the window's page shows the job's progress (the test suite's
    # immediate backend runs it right here).
    start_job(
        "draw",
        "junheng.enrolment.tasks.draw_job",
        by=by,
        target=draw,
        title=_("选课摇号：%(w)s") % {"w": window},
        on_fail="junheng.enrolment.tasks.draw_failed",
        draw_id=draw.pk,
    )
    draw.refresh_from_db()
    window.refresh_from_db()
    if draw.state == DrawState.FAILED:
        raise ActionError(_("摇号失败：%(m)s") % {"m": draw.message})
    return draw


def _fail(draw: Draw, message: str) -> dict[str, Any]:
    draw.state = DrawState.FAILED
    draw.message = message
    draw.finished_at = timezone.now()
    draw.save(update_fields=["state", "message", "finished_at"])
    return {"error": message}


def execute_draw(draw_id: int, job: Job | None = None) -> dict[str, Any]:
    """The task body: inputs from the live rows (the same files as frozen by `do_run_draw`),
    the engine with the final seed, then every row stored at once.

    With `job` (junheng.jobs) the stages show on its progress bar and a cancel request stops
    the draw before anything is stored.
    """

    def step(stage: Any, pct: int) -> None:
        if job is not None:
            progress(job, stage, pct)

    step(_("检查选课窗口"), 2)
    with transaction.atomic():
        draw = Draw.objects.select_for_update().select_related("window__school").get(pk=draw_id)
        window = draw.window
        if window.state != WindowState.CLOSED or draw.state == DrawState.DONE:
            raise ActionError(_("该摇号已运行或窗口未截止。"))
        draw.state = DrawState.RUNNING
        draw.started_at = timezone.now()
        draw.save(update_fields=["state", "started_at"])
    step(_("读取志愿与课程"), 10)
    inputs = adapters.draw_inputs(window)
    if not draw.entropy or inputs.inputs_sha256 != draw.inputs_sha256:
        return _fail(draw, _("输入文件与摇号时冻结的哈希不一致（或未录入公开随机数），摇号中止。"))
    seed = final_seed(draw.seed, draw.inputs_sha256, draw.entropy)
    step(_("运行摇号算法"), 30)
    try:
        result = adapters.run_engine(window, inputs, seed)
    except InputError as err:
        return _fail(draw, str(err))
    step(_("保存录取与候补名单"), 70)
    choices, held, position = adapters.report_inputs(inputs, result)
    fairness = draw_report(choices, held, position, window.max_courses)
    fairness["urban_rural"] = window.school.urban_rural
    ranks = adapters.rank_lookup(inputs)
    now = timezone.now()
    seats: dict[int, list[Enrolment]] = defaultdict(list)
    for a in result.assignments:
        oid = inputs.offering_pk[a.offering_id]
        seats[oid].append(
            Enrolment(
                window=window,
                student_id=inputs.student_pk[a.student_id],
                offering_id=oid,
                rank=a.rank,
                created_at=now,
            )
        )
    try:
        with transaction.atomic():
            _store_draw(draw, window, inputs, result, fairness, ranks, seats, now)
    except ledger.SeatsFullError as err:
        # A seat was taken between reading the inputs and storing the result: nothing is
        # stored, the bureau runs the draw again.
        return _fail(draw, str(err))
    return dict(result.summary)


def _store_draw(
    draw: Draw,
    window: ChoiceWindow,
    inputs: adapters.DrawInputs,
    result: Any,
    fairness: dict[str, Any],
    ranks: dict[tuple[str, str], int],
    seats: dict[int, list[Enrolment]],
    now: dt.datetime,
) -> None:
    """Every row of the draw's result, its seats through the ledger (one transaction)."""
    for oid in sorted(seats):
        ledger.take_seats(oid, seats[oid])
    WaitlistEntry.objects.bulk_create(
        [
            WaitlistEntry(
                window=window,
                offering_id=inputs.offering_pk[e.offering_id],
                position=e.position,
                student_id=inputs.student_pk[e.student_id],
                rank=ranks[(e.student_id, e.offering_id)],
            )
            for e in result.waitlist
        ]
    )
    draw.method = result.method
    draw.max_courses = result.max_courses
    draw.summary = result.summary
    draw.report = fairness
    draw.result_sha256 = result.result_sha256
    draw.engine_release = junheng.__version__
    draw.offerings_csv = inputs.offerings_csv.decode("utf-8")
    draw.choices_csv = inputs.choices_csv.decode("utf-8")
    draw.students_csv = inputs.students_csv.decode("utf-8")
    draw.out_csv = result.out_bytes().decode("utf-8")
    draw.waitlist_csv = result.waitlist_bytes().decode("utf-8")
    draw.state = DrawState.DONE
    draw.finished_at = now
    draw.revealed_at = now
    draw.save()
    window.state = WindowState.DRAWN
    window.drawn_at = now
    window.save(update_fields=["state", "drawn_at"])
    apply_sibling_rule(window)


def sibling_groups(window: ChoiceWindow) -> list[list[int]]:
    """Children in the window who share a guardian and all ticked 'together or nothing'."""
    together = list(
        Ranking.objects.filter(window=window, together=True).values_list("student_id", flat=True)
    )
    by_guardian: dict[int, set[int]] = defaultdict(set)
    for user_id, student_id in Guardianship.objects.filter(student_id__in=together).values_list(
        "user_id", "student_id"
    ):
        by_guardian[user_id].add(student_id)
    parent: dict[int, int] = {s: s for s in together}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for kids in by_guardian.values():
        first, *rest = sorted(kids)
        for k in rest:
            parent[find(k)] = find(first)
    groups: dict[int, list[int]] = defaultdict(list)
    for s in together:
        groups[find(s)].append(s)
    return [sorted(g) for g in groups.values() if len(g) >= 2]


def apply_sibling_rule(window: ChoiceWindow) -> list[list[int]]:
    """Together or nothing: a sibling group whose children do not hold exactly the same
    offerings gives all its seats back and leaves the waitlists (recorded as an adjustment).
    The freed seats go to the waitlists in lottery order once the results are published."""
    released = []
    for group in sibling_groups(window):
        held: dict[int, frozenset[int]] = {
            s: frozenset(
                Enrolment.objects.filter(
                    window=window, student_id=s, status=EnrolmentStatus.ACTIVE
                ).values_list("offering_id", flat=True)
            )
            for s in group
        }
        if len(set(held.values())) == 1:
            continue  # placed together (or none of them placed): nothing to give back
        Enrolment.objects.filter(
            window=window, student_id__in=group, status=EnrolmentStatus.ACTIVE
        ).update(status=EnrolmentStatus.RELEASED, ended_at=timezone.now())
        WaitlistEntry.objects.filter(
            window=window, student_id__in=group, status=EntryStatus.WAITING
        ).update(status=EntryStatus.LEFT)
        codes = list(Student.objects.filter(pk__in=group).values_list("code", flat=True))
        DrawAdjustment.objects.create(
            window=window,
            kind=AdjustmentKind.SIBLINGS,
            detail={"students": codes, "held": {str(k): sorted(v) for k, v in held.items()}},
        )
        released.append(group)
    return released


def do_publish_results(window: ChoiceWindow, *, by: User) -> ChoiceWindow:
    """Families see their results; free seats start going to the waitlists."""
    require_actor(by, Role.BUREAU)

    with transaction.atomic():
        w = _move(window, WindowState.DRAWN, WindowState.PUBLISHED, "published_at")
        audit(by, "enrolment.draw.publish", w)
        for student in Student.objects.filter(rankings__window=w):
            notify_guardians(
                student,
                _("%(name)s 的课后服务选课结果已公布。") % {"name": student.name},
                link="/enrolment/results/",
                key=f"results:{w.pk}:{student.pk}",
            )
    offer_free_seats(w, by=by)
    window.refresh_from_db()
    return w
