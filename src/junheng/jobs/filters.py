"""Search and filters of a user's job list (django-filter), over the jobs the view has already
narrowed to the user's own."""

from __future__ import annotations

from typing import Any

import django_filters as df
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from junheng.jobs.models import Job, JobState
from junheng.region.filters import ANY, search


class JobFilter(df.FilterSet):
    q = df.CharFilter(label=_("名称"), method="by_text")
    state = df.ChoiceFilter(label=_("状态"), choices=JobState.choices, empty_label=ANY)

    class Meta:
        model = Job
        fields = ["q", "state"]

    def by_text(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return search(qs, value, "title")
