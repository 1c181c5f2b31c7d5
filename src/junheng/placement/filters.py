"""Search and filters of the placement lists (django-filter): the placements a school or the
bureau sees, and the schools' lines of a bulk run. Each works on a queryset the view has
already scoped (placement.access); the filters only narrow it."""

from __future__ import annotations

from typing import Any

import django_filters as df
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from junheng.placement.models import BulkPlacementSchool, Placement, PlacementStatus
from junheng.region.filters import ANY, search
from junheng.region.models import Term


class PlacementFilter(df.FilterSet):
    q = df.CharFilter(label=_("学校代码或名称"), method="by_text")
    term = df.ModelChoiceFilter(
        label=_("学期"), queryset=Term.objects.order_by("-start"), empty_label=ANY
    )
    grade = df.NumberFilter(label=_("年级"), min_value=1, max_value=9)
    status = df.ChoiceFilter(label=_("状态"), choices=PlacementStatus.choices, empty_label=ANY)

    class Meta:
        model = Placement
        fields = ["q", "term", "grade", "status"]

    def by_text(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return search(qs, value, "school__code", "school__name")


class BulkLineFilter(df.FilterSet):
    q = df.CharFilter(label=_("学校代码或名称"), method="by_text")
    status = df.ChoiceFilter(
        label=_("状态"), choices=BulkPlacementSchool.Status.choices, empty_label=ANY
    )

    class Meta:
        model = BulkPlacementSchool
        fields = ["q", "status"]

    def by_text(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return search(qs, value, "school__code", "school__name")
