"""The annual review workbook of the education communities (教共体年度考核表).

Three sheets, written by the shared export writer (`junheng.exports`, formula-like text
neutralised): the communities (kind, core, members, lessons held against the goal, activities
against the goal, teachers exchanged in the year's rotation, courses shared), the member schools weakest first (strength, gap to the core now and over
the balance snapshots, lessons held), the year's activities. The layout is Chinese whatever the
UI language; every export is audited.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import translation
from django.utils.translation import gettext as _

from junheng.accounts.models import Role, User
from junheng.accounts.scoping import require_actor
from junheng.communities import queries
from junheng.communities.models import Activity, Community, Goal, LessonStatus
from junheng.errors import ActionError
from junheng.exports import Cell, Export, Sheet
from junheng.region.models import County


def report_sheets(county: County, year: int) -> list[Sheet]:
    communities = list(
        Community.objects.filter(county=county)
        .select_related("core")
        .annotate(
            n_members=Count("memberships", distinct=True),
            held=Count(
                "memberships__sync_requests__lessons",
                filter=Q(
                    memberships__sync_requests__lessons__status=LessonStatus.HELD,
                    memberships__sync_requests__lessons__date__year=year,
                ),
                distinct=True,
            ),
        )
        .order_by("-active", "core__code")
    )
    acts = dict(
        Community.objects.filter(county=county)
        .annotate(n=Count("activities", filter=Q(activities__date__year=year)))
        .values_list("pk", "n")
    )
    goals = {g.community_id: g for g in Goal.objects.filter(community__county=county, year=year)}
    exchanges = dict(
        Community.objects.filter(county=county)
        .annotate(n=Count("exchanges", filter=Q(exchanges__year=year)))
        .values_list("pk", "n")
    )
    shared = dict(
        Community.objects.filter(county=county)
        .annotate(n=Count("shared_courses"))
        .values_list("pk", "n")
    )
    rows1 = []
    for c in communities:
        g = goals.get(c.pk)
        rows1.append(
            [
                c.name,
                c.get_kind_display(),
                c.core.name,
                c.n_members,
                f"{c.partner_region}{c.partner_school}",
                c.start_year,
                _("运行中") if c.active else _("已撤销"),
                c.held,
                g.lessons if g else "",
                acts.get(c.pk, 0),
                g.activities if g else "",
                exchanges.get(c.pk, 0),
                shared.get(c.pk, 0),
            ]
        )
    rows2 = []
    for i, r in enumerate(queries.county_view(county, year), start=1):
        rows2.append(
            [
                i,
                r["m"].school.name,
                r["m"].school.get_urban_rural_display(),
                r["community"].name,
                r["community"].core.name,
                r["m"].get_mode_display(),
                r["strength"] if r["strength"] is not None else "",
                r["gap"] if r["gap"] is not None else "",
                r["gap_first"] if r["gap_first"] is not None else "",
                r["gap_last"] if r["gap_last"] is not None else "",
                "" if r["closing"] is None else (_("缩小") if r["closing"] else _("未缩小")),
                r["held"],
            ]
        )
    rows3 = [
        [
            a.date.isoformat(),
            a.community.name,
            a.get_kind_display(),
            a.title,
            a.host.name,
            a.participants,
        ]
        for a in Activity.objects.filter(community__county=county, date__year=year)
        .select_related("community", "host")
        .order_by("date", "pk")
    ]
    title = _("%(county)s %(year)s 年度义务教育教共体工作情况") % {
        "county": county.name,
        "year": year,
    }
    return [
        Sheet(
            _("教共体"),
            header=[
                _("名称"),
                _("类型"),
                _("核心校"),
                _("成员校数"),
                _("结对外县学校"),
                _("成立年度"),
                _("状态"),
                _("同步课堂已上（节）"),
                _("同步课堂目标（节）"),
                _("活动（次）"),
                _("活动目标（次）"),
                _("教师交流（人）"),
                _("共享课程（门）"),
            ],
            rows=rows1,
            caption=title,
            widths=(28, 10, 22, 8, 20, 8, 8, 12, 12, 10, 10, 10, 10),
        ),
        Sheet(
            _("成员校（由弱到强）"),
            header=[
                _("序号"),
                _("成员校"),
                _("城乡类别"),
                _("教共体"),
                _("核心校"),
                _("结对方式"),
                _("实力"),
                _("与核心校差距"),
                _("差距（最早快照）"),
                _("差距（最近快照）"),
                _("差距变化"),
                _("同步课堂已上（节）"),
            ],
            rows=rows2,
            caption=title,
            widths=(6, 22, 8, 28, 22, 12, 8, 12, 14, 14, 10, 14),
        ),
        Sheet(
            _("活动"),
            header=[_("日期"), _("教共体"), _("类型"), _("主题"), _("承办学校"), _("参加人数")],
            rows=rows3 or [[Cell(_("本年度尚无活动记录。"))]],
            caption=title,
            widths=(12, 28, 10, 30, 22, 10),
        ),
    ]


def do_export_report(*, by: User, year: int) -> Export:
    """The year's review of the county's communities (in Chinese whatever the UI language),
    served through `junheng.exports.serve`; audited."""
    require_actor(by, Role.BUREAU)
    county = County.objects.order_by("pk").first()
    if county is None:
        raise ActionError(_("尚无县区数据。"))
    with translation.override("zh-hans"):
        sheets = report_sheets(county, year)
        name = _("%(county)s%(year)s年教共体工作情况.xlsx") % {"county": county.name, "year": year}
    return Export(
        name,
        sheets,
        rows=sum(len(s.rows) for s in sheets if isinstance(s.rows, list)),
        audit="communities.export_report",
        details={"year": year},
    )
