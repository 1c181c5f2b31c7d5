"""A placement's page makes as many queries with many requests, teams and witnesses as with
one of each (the cohort's names are read once, the teams' teachers prefetched)."""

from __future__ import annotations

from django.urls import reverse

from junheng.placement import actions
from junheng.region.models import Student, Teacher
from tests.querycount import assert_constant_queries


def _request(p, codes, user):
    return actions.do_add_request(
        p,
        kind="together",
        students=list(Student.objects.filter(code__in=codes)),
        reason="双胞胎",
        requested_by_name="王女士",
        requested_by_role="parent",
        by=user,
    )


def test_placement_page_does_not_grow_with_requests_teams_and_witnesses(
    users, login, draft, django_assert_max_num_queries
):
    school = users["school"]
    teachers = list(Teacher.objects.filter(school=draft.school).order_by("code"))
    _request(draft, ["G1000", "G1002"], school)
    actions.do_add_team(draft, label="甲", homeroom=teachers[0], teachers=[], by=school)
    actions.do_add_witness(draft, name="赵公证", role="notary", by=school)
    client = login(school)

    def more_of_each() -> None:
        for i in range(3):
            _request(draft, [f"G10{10 + 2 * i}", f"G10{11 + 2 * i}"], school)
            actions.do_add_witness(draft, name=f"家长代表{i}", role="parent", by=school)
        for k, label in enumerate(["乙", "丙", "丁"], start=1):
            actions.do_add_team(
                draft, label=label, homeroom=teachers[k], teachers=teachers[:k], by=school
            )

    response = assert_constant_queries(
        client,
        reverse("placement:detail", args=[draft.pk]),
        more_of_each,
        django_assert_max_num_queries,
    )
    html = response.content.decode()
    assert "家长代表2" in html and "丁" in html
    assert response.context["members"].count() == 40
