"""Search and filters of the enrolment lists (django-filter): the staff's choice windows and a
user's notifications. Each works on rows the view has already scoped (enrolment.access); the
filters only narrow them.
"""

from __future__ import annotations

from typing import Any

import django_filters as df
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from junheng.accounts.models import Role, User
from junheng.enrolment.models import ChoiceWindow, Method, Notification, WindowState
from junheng.region.filters import ANY, YesNoAny, search
from junheng.region.models import County, Term


class WindowFilter(df.FilterSet):
    """What a school's staff filter their own school's windows by."""

    term = df.ModelChoiceFilter(
        label=_("学期"), queryset=Term.objects.order_by("-start"), empty_label=ANY
    )
    state = df.ChoiceFilter(label=_("状态"), choices=WindowState.choices, empty_label=ANY)
    method = df.ChoiceFilter(label=_("方法"), choices=Method.choices, empty_label=ANY)

    class Meta:
        model = ChoiceWindow
        fields = ["term", "state", "method"]


class BureauWindowFilter(WindowFilter):
    """The bureau's, over every school's windows: the school searched too, and the county."""

    q = df.CharFilter(label=_("学校代码或名称"), method="by_text")
    county = df.ModelChoiceFilter(
        label=_("县区"),
        field_name="school__county",
        queryset=County.objects.order_by("code"),
        empty_label=ANY,
    )

    class Meta:
        model = ChoiceWindow
        fields = ["q", "county", "term", "state", "method"]

    def by_text(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return search(qs, value, "school__code", "school__name")


class NotificationFilter(df.FilterSet):
    """A user's notifications: the unread ones alone, or all."""

    unread = df.BooleanFilter(
        label=_("未读"), field_name="read_at", lookup_expr="isnull", widget=YesNoAny
    )

    class Meta:
        model = Notification
        fields = ["unread"]


def window_filter(user: User, data: Any, windows: QuerySet[ChoiceWindow]) -> WindowFilter:
    """The filters of the window list for `user` over the `windows` it may see."""
    if user.role == Role.BUREAU:
        return BureauWindowFilter(data, queryset=windows)
    return WindowFilter(data, queryset=windows)
