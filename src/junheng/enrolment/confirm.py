"""What an irreversible step will do, said before it is done (确认页).

Every step that cannot be undone — open (the seed commitment is published), close, run the draw,
publish the results, cancel small offerings, a second round, cancel an offering, drop a seat —
first shows a confirmation page built from `Confirmation`; only its form (with `confirm=yes`)
performs the action. Read-only: these functions never write.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from junheng.accounts.models import Guardianship
from junheng.afterschool.models import Offering
from junheng.enrolment import adapters
from junheng.enrolment.models import (
    ChoiceWindow,
    Enrolment,
    EnrolmentStatus,
    EntryStatus,
    Ranking,
    WaitlistEntry,
    WindowState,
)


@dataclass
class Confirmation:
    title: str
    points: list[str]
    button: str
    needs_reason: bool = False
    reason_label: str = ""
    warnings: list[str] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)


def _t(dt_value: dt.datetime) -> str:
    return timezone.localtime(dt_value).strftime("%Y-%m-%d %H:%M")


def school_families(window: ChoiceWindow) -> int:
    return (
        Guardianship.objects.filter(student__school_id=window.school_id)
        .values("user_id")
        .distinct()
        .count()
    )


def for_window(window: ChoiceWindow, verb: str) -> Confirmation:
    from junheng.enrolment.actions.seats import small_offerings
    from junheng.enrolment.actions.windows import round_capacity

    n_rankings = Ranking.objects.filter(window=window).count()
    offerings = adapters.window_offerings(window)
    if verb == "open":
        return Confirmation(
            title=_("开放选课"),
            points=[
                _("家长可以为孩子填报志愿，直到 %(t)s。") % {"t": _t(window.closes_at)},
                _("摇号种子的承诺 sha256(种子) 立即公开；种子本身在摇号后公布，之后不能更换。"),
                _("本轮共 %(n)d 门课程可以填报。") % {"n": len(offerings)},
            ],
            button=_("确认开放选课"),
        )
    if verb == "close":
        early = timezone.now() < window.closes_at
        points = [
            _("截止后家长不能再填报或修改志愿；目前 %(n)d 名学生已填报。") % {"n": n_rankings},
        ]
        if early:
            points.append(
                _(
                    "公布的截止时间是 %(t)s，现在提前截止：必须填写原因，原因会通知本校 %(f)d 个家庭。"
                )
                % {"t": _t(window.closes_at), "f": school_families(window)}
            )
        else:
            points.append(_("截止时间 %(t)s 已到。") % {"t": _t(window.closes_at)})
        return Confirmation(
            title=_("截止选课"),
            points=points,
            button=_("确认截止"),
            needs_reason=early,
            reason_label=_("提前截止原因（将通知家长）"),
        )
    if verb == "run":
        cap = round_capacity(window)
        return Confirmation(
            title=_("运行摇号"),
            points=[
                _("运行摇号：%(n)d 名学生、%(o)d 门课程、本轮可录取 %(s)d 个名额。")
                % {"n": n_rankings, "o": len(offerings), "s": sum(cap.values())},
                _(
                    "最终种子 = sha256(种子:inputs_sha256:公开随机数)：种子已承诺、输入已冻结，"
                    "现场录入的数字决定结果。"
                ),
                _(
                    "摇号只运行一次：结果、输入文件和种子随即公开，任何人都可以用 junheng verify 复核，不能重新摇号。"
                ),
            ],
            button=_("确认运行摇号"),
        )
    if verb == "publish":
        enrolled = Enrolment.objects.filter(window=window, status=EnrolmentStatus.ACTIVE).count()
        waiting = WaitlistEntry.objects.filter(window=window, status=EntryStatus.WAITING).count()
        return Confirmation(
            title=_("向家长公布结果"),
            points=[
                _("%(n)d 名学生的家长将收到结果通知（%(e)d 个录取，%(w)d 个候补）。")
                % {"n": n_rankings, "e": enrolled, "w": waiting},
                _("空余名额随即按摇号顺序发给候补学生，每个候补录取保留 %(h)d 小时。")
                % {"h": window.offer_hours},
                _("公布后不能撤回。"),
            ],
            button=_("确认公布结果"),
        )
    if verb == "cancel_small":
        small = small_offerings(window)
        enrolled_in = dict(
            Enrolment.objects.filter(offering__in=small, status=EnrolmentStatus.ACTIVE)
            .order_by()
            .values_list("offering_id")
            .annotate(n=Count("pk"))
        )
        points = [
            _("“%(c)s”（%(s)s）：%(n)d 人录取，少于 %(m)d 人，将停开。")
            % {
                "c": o.course.title,
                "s": o.slot,
                "n": enrolled_in.get(o.pk, 0),
                "m": window.min_size,
            }
            for o in small
        ] or [_("没有人数不足的课程。")]
        points.append(_("这些课程的学生将按原志愿的顺序调剂到仍有名额的课程，家长会收到通知。"))
        return Confirmation(
            title=_("停开人数不足的课程并调剂"), points=points, button=_("确认停开")
        )
    raise KeyError(verb)


def for_second_round(window: ChoiceWindow) -> Confirmation:
    from junheng.enrolment.actions.windows import round_capacity

    probe = ChoiceWindow(school_id=window.school_id, term_id=window.term_id, round=window.round + 1)
    cap = round_capacity(probe)
    waiting = WaitlistEntry.objects.filter(
        window__school_id=window.school_id,
        window__term_id=window.term_id,
        status=EntryStatus.WAITING,
    ).count()
    return Confirmation(
        title=_("开设第 %(n)d 轮选课") % {"n": window.round + 1},
        points=[
            _("前面各轮的候补优先：%(w)d 名仍在候补的学生先按摇号顺序获得空余名额。")
            % {"w": waiting},
            _("之后剩余的 %(s)d 个名额（%(o)d 门课程）进入新一轮，只面向本学期尚未录取课程的学生。")
            % {"s": sum(cap.values()), "o": sum(1 for v in cap.values() if v)},
            _("新一轮有自己的种子承诺和公开摇号，规则（方法、每人门数、优先级）与第一轮相同。"),
        ],
        button=_("确认开设"),
        fields=["opens_at", "closes_at"],
    )


def for_cancel_offering(offering: Offering) -> Confirmation:
    from junheng.enrolment.actions.offerings import cancel_impact

    imp = cancel_impact(offering)
    points = [
        _("“%(c)s”（%(s)s）将停开，不能恢复。") % {"c": offering.course.title, "s": offering.slot},
    ]
    if imp["enrolled"]:
        points.append(
            _("%(n)d 名在读学生将按原志愿调剂到仍有名额的课程；调剂不到的会收到通知。")
            % {"n": imp["enrolled"]}
        )
    if imp["offered"] or imp["waiting"]:
        points.append(
            _("%(n)d 名候补学生的候补（含 %(o)d 个待确认的候补录取）将取消并通知家长。")
            % {"n": imp["waiting"] + imp["offered"], "o": imp["offered"]}
        )
    if imp["ranked_open"]:
        points.append(
            _("%(n)d 名学生在开放中的选课里填报了这门课，家长会收到重新填报的提醒。")
            % {"n": imp["ranked_open"]}
        )
    return Confirmation(
        title=_("停开课程"),
        points=points,
        button=_("确认停开"),
        needs_reason=any(imp.values()),
        reason_label=_("停开原因（将通知家长）"),
    )


def for_drop(enrolment: Enrolment) -> Confirmation:
    waiting = WaitlistEntry.objects.filter(
        offering_id=enrolment.offering_id, status=EntryStatus.WAITING
    ).count()
    return Confirmation(
        title=_("退课"),
        points=[
            _("%(name)s 将退出“%(c)s”（%(s)s）。")
            % {
                "name": enrolment.student.name,
                "c": enrolment.offering.course.title,
                "s": enrolment.offering.slot,
            },
            _("名额会让给候补的同学（现有 %(n)d 人候补），退课后不能恢复。") % {"n": waiting},
        ],
        button=_("确认退课"),
    )


def is_published_round(window: ChoiceWindow) -> bool:
    """The window is its term's last round and published: a next round may follow."""
    return (
        window.state == WindowState.PUBLISHED
        and not ChoiceWindow.objects.filter(
            school_id=window.school_id, term_id=window.term_id, round__gt=window.round
        ).exists()
    )
