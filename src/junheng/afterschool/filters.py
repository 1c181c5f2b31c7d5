"""Search and filters of the course-supermarket list pages (django-filter): the public white
list, the bureau's vetting queue and its course review.

Each FilterSet narrows a queryset the view has already scoped (`afterschool.access`).
"""

from __future__ import annotations

from typing import Any

import django_filters as df
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from junheng.afterschool.models import Category, Course, CourseStatus, OrgType, Provider
from junheng.region.filters import ANY, search
from junheng.region.models import County


def _counties(request: Any) -> QuerySet[County]:
    return County.objects.order_by("code")


class WhitelistFilter(df.FilterSet):
    """The public white list: by name or service, area (county/district), course category and
    kind of organisation."""

    q = df.CharFilter(label=_("机构名称或服务项目"), method="by_text")
    county = df.ModelChoiceFilter(label=_("服务区域"), queryset=_counties, empty_label=ANY)
    category = df.ChoiceFilter(
        label=_("课程类别"), choices=Category.choices, empty_label=ANY, method="by_category"
    )
    org_type = df.ChoiceFilter(label=_("机构类型"), choices=OrgType.choices, empty_label=ANY)

    class Meta:
        model = Provider
        fields = ["q", "county", "category", "org_type"]

    def by_text(self, qs: QuerySet[Provider], name: str, value: str) -> QuerySet[Provider]:
        return search(qs, value, "name", "service_items")

    def by_category(self, qs: QuerySet[Provider], name: str, value: str) -> QuerySet[Provider]:
        # Providers with an approved course of the category (a subquery: no duplicate rows).
        courses = Course.objects.filter(status=CourseStatus.APPROVED, category=value)
        return qs.filter(pk__in=courses.values("provider_id"))


class VettingFilter(df.FilterSet):
    """The vetting queue; the status tabs are the `status` parameter, kept by the form."""

    q = df.CharFilter(label=_("机构名称或信用代码"), method="by_text")
    county = df.ModelChoiceFilter(label=_("服务区域"), queryset=_counties, empty_label=ANY)
    org_type = df.ChoiceFilter(label=_("机构类型"), choices=OrgType.choices, empty_label=ANY)

    class Meta:
        model = Provider
        fields = ["q", "county", "org_type"]

    def by_text(self, qs: QuerySet[Provider], name: str, value: str) -> QuerySet[Provider]:
        return search(qs, value, "name", "credit_code", "record_id")


class CourseReviewFilter(df.FilterSet):
    q = df.CharFilter(label=_("课程或机构名称"), method="by_text")
    category = df.ChoiceFilter(label=_("课程类别"), choices=Category.choices, empty_label=ANY)

    class Meta:
        model = Course
        fields = ["q", "category"]

    def by_text(self, qs: QuerySet[Course], name: str, value: str) -> QuerySet[Course]:
        return search(qs, value, "title", "provider__name")
