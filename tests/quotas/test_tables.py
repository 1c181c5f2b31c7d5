"""Quota tables through their actions: engine equality, freezing, versions, graduates, share."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from junheng.accounts.models import AuditLog
from junheng.engines.io import csv_bytes, sha256_hex
from junheng.engines.quotas import allocate_quotas
from junheng.errors import ActionError
from junheng.quotas import actions
from junheng.quotas.models import QuotaPlan, QuotaSeat, QuotaTable, Status
from junheng.quotas.queries import latest_published, quota_share

pytestmark = pytest.mark.django_db


def _seats(table):
    return {
        (h, j): n
        for h, j, n in QuotaSeat.objects.filter(table=table).values_list(
            "high_school__code", "school__code", "seats"
        )
    }


def test_new_table_takes_quality_high_schools_and_grade_9_counts_of_junior_schools(draft):
    plans = {p.high_school.code: p.plan for p in draft.plans.select_related("high_school")}
    assert plans == {"H1": 14, "H2": 10}  # H9 is not a quality high school
    grads = {g.school.code: g.graduates for g in draft.graduates.select_related("school")}
    # grade-8 students of JA do not count; S02 is a junior school with no grade-9 pupil;
    # the primary school S01 takes no part.
    assert grads == {"JA": 6, "JB": 6, "JC": 2, "S02": 0}
    assert draft.status == Status.DRAFT and draft.version == 1
    assert draft.share == Decimal("0.7") and draft.share_text == "0.7"
    assert "退回统一招生" in draft.notes  # the rule is prefilled


@pytest.mark.parametrize("method", ["hamilton", "sainte-lague", "dhondt"])
def test_published_table_equals_the_engines_output(draft, users, method):
    table = actions.do_publish(draft, by=users["bureau"], method=method)
    engine = allocate_quotas(
        {"H1": 14, "H2": 10}, {"JA": 6, "JB": 6, "JC": 2, "S02": 0}, share="0.7", method=method
    )
    assert _seats(table) == {(h, j): s for h, j, s in engine.rows}
    assert table.result_sha256 == engine.result_sha256
    # the stored rows, written in the contract's format, hash to the published sha
    rows = sorted((h, j, s) for (h, j), s in _seats(table).items())
    assert sha256_hex(csv_bytes(("high_school_id", "junior_id", "seats"), rows)) == (
        table.result_sha256
    )
    quotas = {p.high_school.code: p.quota for p in table.plans.select_related("high_school")}
    assert quotas == {"H1": 10, "H2": 7}  # ceil(14 × 0.7) = ceil(9.8), 10 × 0.7 exactly


def test_hand_computed_hamilton_table(published):
    assert _seats(published) == {
        ("H1", "JA"): 4, ("H1", "JB"): 4, ("H1", "JC"): 2, ("H1", "S02"): 0,
        ("H2", "JA"): 3, ("H2", "JB"): 3, ("H2", "JC"): 1, ("H2", "S02"): 0,
    }  # fmt: skip
    assert published.status == Status.PUBLISHED and published.published_at is not None
    # JA 7 seats for 6 graduates, JB 7 for 6, JC 3 for 2: 3 places cannot be filled
    assert published.unfilled_places == 3
    assert AuditLog.objects.filter(action="quotas.publish", object_id=str(published.pk)).exists()


def test_published_table_refuses_every_edit(published, users):
    bureau = users["bureau"]
    h1 = published.plans.get(high_school__code="H1").high_school_id
    with pytest.raises(ActionError, match="已发布，不能修改；如需调整请新建版本"):
        actions.do_set_plans(published, {h1: 20}, by=bureau)
    with pytest.raises(ActionError, match="已发布，不能修改；如需调整请新建版本"):
        actions.do_update_settings(
            published, by=bureau, share=Decimal("0.8"), method="dhondt", min_seats=0
        )
    with pytest.raises(ActionError, match="已发布，不能修改；如需调整请新建版本"):
        actions.do_take_region_graduates(published, by=bureau)
    with pytest.raises(ActionError, match="已发布，不能修改；如需调整请新建版本"):
        actions.do_import_graduates(published, b"junior_id,graduates\nJA,9\n", "g.csv", by=bureau)
    with pytest.raises(ActionError, match="已发布，不能修改；如需调整请新建版本"):
        actions.do_publish(published, by=bureau, method="dhondt")
    with pytest.raises(ActionError, match="已发布，不能修改；如需调整请新建版本"):
        actions.do_delete_draft(published, by=bureau)
    published.refresh_from_db()
    assert published.plans.get(high_school_id=h1).plan == 14
    assert published.method == "hamilton" and published.share == Decimal("0.7")
    assert published.graduates.get(school__code="JA").graduates == 6
    assert _seats(published)[("H1", "JC")] == 2


def test_new_version_copies_a_published_table_and_may_change_and_publish(published, users):
    bureau = users["bureau"]
    v2 = actions.do_new_version(published, by=bureau)
    assert (v2.year, v2.version, v2.status, v2.supersedes_id) == (2025, 2, "draft", published.pk)
    assert {p.high_school.code: p.plan for p in v2.plans.select_related("high_school")} == {
        "H1": 14,
        "H2": 10,
    }
    assert v2.graduates.count() == 4 and v2.notes == published.notes
    h1 = v2.plans.get(high_school__code="H1").high_school_id
    actions.do_set_plans(v2, {h1: 20}, by=bureau)  # quota ceil(14) = 14
    actions.do_publish(v2, by=bureau, method="dhondt")
    assert latest_published(2025).pk == v2.pk
    assert sum(_seats(v2)[("H1", j)] for j in ("JA", "JB", "JC", "S02")) == 14
    # the old version is untouched
    assert _seats(published)[("H1", "JC")] == 2
    with pytest.raises(
        ActionError, match="已有取代它的版本：2025 年第 2 版"
    ):  # v1 already has a successor
        actions.do_new_version(published, by=bureau)


def test_new_version_of_a_draft_and_a_second_table_for_a_year_are_refused(draft, users):
    with pytest.raises(ActionError, match="草稿可直接修改，无需新建版本"):
        actions.do_new_version(draft, by=users["bureau"])
    with pytest.raises(ActionError, match="2025 年已有分配表"):
        actions.do_create_table(by=users["bureau"], year=2025)
    assert QuotaTable.objects.count() == 1


def test_share_outside_zero_one_is_refused(quota_region, users):
    for bad in (Decimal("0"), Decimal("-0.1"), Decimal("1.01")):
        with pytest.raises(ActionError, match=r"分配比例须在 \(0, 1\] 之间"):
            actions.do_create_table(by=users["bureau"], year=2026, share=bad)
    table = actions.do_create_table(by=users["bureau"], year=2026, share=Decimal("1"))
    assert table.share == 1
    with pytest.raises(ActionError, match="未知的分配方法：webster"):
        actions.do_create_table(by=users["bureau"], year=2027, method="webster")


def test_default_share_is_zhejiangs_seventy_percent_from_2025(quota_region, users):
    assert actions.do_create_table(by=users["bureau"], year=2024).share == Decimal("0.60")
    assert actions.do_create_table(by=users["bureau"], year=2025).share == Decimal("0.70")


def test_only_the_bureau_writes(draft, users):
    for role in ("school", "school_b", "provider", "parent", "teacher"):
        with pytest.raises(PermissionDenied):
            actions.do_publish(draft, by=users[role])
        with pytest.raises(PermissionDenied):
            actions.do_create_table(by=users[role], year=2030)


def test_region_graduates_are_taken_again_after_the_region_changes(draft, users, quota_region):
    from junheng.region.models import Student

    Student.objects.create(code="X1", name="新生", gender="M", school=quota_region["JC"], grade=9)
    assert actions.do_take_region_graduates(draft, by=users["bureau"]) == 4
    assert draft.graduates.get(school__code="JC").graduates == 3


def test_min_seats_too_many_for_a_quota_refuses_to_publish(draft, users):
    actions.do_update_settings(
        draft, by=users["bureau"], share=Decimal("0.7"), method="hamilton", min_seats=3
    )  # H2's 7 places < 3 × 3 juniors with graduates
    with pytest.raises(ActionError, match="min-seats"):
        actions.do_publish(draft, by=users["bureau"])
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT and not QuotaSeat.objects.exists()


def test_quota_share_is_seats_over_plan_of_the_latest_published_table(published, users):
    assert quota_share(2025) == pytest.approx(17 / 24)
    assert quota_share(2024) is None
    v2 = actions.do_new_version(published, by=users["bureau"])
    assert quota_share(2025) == pytest.approx(17 / 24)  # a draft does not count
    actions.do_update_settings(
        v2, by=users["bureau"], share=Decimal("0.5"), method="hamilton", min_seats=0
    )
    actions.do_publish(v2, by=users["bureau"])
    assert quota_share(2025) == pytest.approx((7 + 5) / 24)


def test_quota_share_is_none_without_a_published_table(draft):
    assert quota_share(2025) is None


def test_unfilled_places_after_admission_are_recorded_without_changing_seats(published, users):
    h1 = published.plans.get(high_school__code="H1")
    actions.do_record_unfilled(published, {h1.high_school_id: 2}, by=users["bureau"])
    h1.refresh_from_db()
    assert h1.unfilled == 2 and _seats(published)[("H1", "JC")] == 2
    with pytest.raises(
        ActionError, match="未完成名额须在 0 到分配名额 10 之间"
    ):  # more than the quota
        actions.do_record_unfilled(published, {h1.high_school_id: 11}, by=users["bureau"])


def test_unfilled_places_cannot_be_recorded_on_a_draft(draft, users):
    h1 = draft.plans.get(high_school__code="H1")
    with pytest.raises(ActionError, match="发布后才能登记录取后未完成的名额"):
        actions.do_record_unfilled(draft, {h1.high_school_id: 1}, by=users["bureau"])
    assert QuotaPlan.objects.get(pk=h1.pk).unfilled is None


def test_demo_load_creates_high_schools_and_a_draft(quota_region, users):
    import io
    from types import SimpleNamespace

    import pandas as pd

    from junheng.quotas import demo
    from junheng.quotas.models import HighSchool

    HighSchool.objects.all().delete()
    frame = pd.DataFrame(
        {"high_school_id": ["H01", "H02"], "name": ["一中", "二中"], "plan": [400, 300]}
    )
    ctx = SimpleNamespace(
        region=SimpleNamespace(high_schools=frame),
        county=quota_region["county"],
        out=io.StringIO(),
        password="x",
    )
    assert demo.load(ctx) == []
    table = QuotaTable.objects.get()
    assert table.status == Status.DRAFT and table.year == actions.current_year()
    assert {p.high_school.code: p.plan for p in table.plans.select_related("high_school")} == {
        "H01": 400,
        "H02": 300,
    }
    assert table.graduates.get(school__code="JA").graduates == 6
