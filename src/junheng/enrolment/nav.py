"""Navigation entries of choice windows, results, attendance and fees."""

from django.utils.translation import gettext_lazy as _

NAV = [
    ({"bureau", "school"}, "enrolment:index", _("选课摇号")),
    ({"bureau"}, "enrolment:county_report", _("摇号公平性")),
    ({"bureau", "school"}, "enrolment:settlement", _("课时结算")),
    ({"parent"}, "enrolment:choose", _("填报志愿")),
    ({"parent"}, "enrolment:results", _("录取结果")),
    ({"parent"}, "enrolment:bills", _("缴费账单")),
    ({"school", "provider", "teacher"}, "enrolment:attendance", _("考勤")),
    ({"bureau", "school", "provider", "parent", "teacher"}, "enrolment:notifications", _("通知")),
]
