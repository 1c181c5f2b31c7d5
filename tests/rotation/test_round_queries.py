"""The bureau's round page: its eligible counts are the engine's rule over the county's teachers,
read in a fixed number of queries however many teachers, preferences and pins there are."""

from __future__ import annotations

import re

import pytest

from junheng.region.models import Teacher
from junheng.rotation import actions, adapters
from junheng.rotation.models import PinKind, Preference
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


def _by_rule(rnd) -> tuple[int, int]:
    teachers = Teacher.objects.filter(school__county=rnd.county).select_related("school")
    eligible = [t for t in teachers if adapters.teacher_is_eligible(rnd, t)]
    return len(eligible), sum(t.is_backbone for t in eligible)


def _shown(response) -> tuple[int, int]:
    text = re.sub(r"\s+", "", response.content.decode())
    found = re.search(r"符合交流条件(\d+)人（其中骨干教师(\d+)人）", text)
    assert found, "the page shows no eligible counts"
    return int(found[1]), int(found[2])


def test_round_page_counts_eligible_teachers_by_the_engine_rule(county6, rusers, rnd, client):
    rnd = actions.do_update_rules(rnd, by=rusers["bureau"], max_age_male=45, max_age_female=40)
    client.force_login(rusers["bureau"])
    response = client.get(f"/rotation/{rnd.pk}/")
    assert response.status_code == 200
    eligible, backbone = _by_rule(rnd)
    assert 0 < backbone < eligible < len(county6.teachers)  # the caps and years really filter
    assert _shown(response) == (eligible, backbone)


def test_round_page_queries_do_not_grow_with_teachers_preferences_or_pins(
    county6, rusers, rnd, client, django_assert_max_num_queries
):
    bureau = rusers["bureau"]
    assert actions.do_run_plan(rnd, by=bureau).moves.exists()
    client.force_login(bureau)
    url = f"/rotation/{rnd.pk}/"
    before = _by_rule(rnd)
    schools = list(county6.schools.values())

    def forty_teachers_with_preferences_and_pins() -> None:
        new = Teacher.objects.bulk_create(
            Teacher(
                code=f"RQ{i:03d}",
                name=f"新教师{i}",
                school=schools[i % len(schools)],
                subject="math",
                qualification="bachelor",
                backbone_level="county" if i % 3 == 0 else "none",
                years_at_school=8 + i % 5,
                age=30 + i % 20,
                gender="F" if i % 2 else "M",
            )
            for i in range(40)
        )
        for i, t in enumerate(new[:10]):
            Preference.objects.create(round=rnd, teacher=t, pref1=schools[1 + i % 5])
        for t in new[10:14]:
            rnd.pins.create(teacher=t, school=schools[0], kind=PinKind.LOCK)

    response = assert_constant_queries(
        client, url, forty_teachers_with_preferences_and_pins, django_assert_max_num_queries
    )
    after = _by_rule(rnd)
    assert after[0] == before[0] + 40  # every new teacher is eligible under the default rules
    assert _shown(response) == after
    page = response.content.decode()
    assert 'data-testid="moves"' in page and 'data-pin="RQ010-lock"' in page
    assert "，10人已填报志愿" in re.sub(r"\s+", "", page)
