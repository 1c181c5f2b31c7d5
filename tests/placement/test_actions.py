"""The sunshine draw through the actions: rules, the lock, the seed, publication, late arrivals."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from junheng.engines.lottery import seed_commitment
from junheng.engines.placement import place
from junheng.errors import ActionError
from junheng.placement import actions
from junheng.placement.models import (
    AuditEvent,
    LateArrival,
    Placement,
    PlacementAudit,
    PlacementRequest,
    PlacementStatus,
)
from tests.conftest import ENTROPY
from tests.placement.conftest import add_witness

pytestmark = pytest.mark.django_db


def _request(p, kind, codes, user):
    from junheng.region.models import Student

    return actions.do_add_request(
        p,
        kind=kind,
        students=list(Student.objects.filter(code__in=codes)),
        reason="双胞胎",
        requested_by_name="王女士",
        requested_by_role="parent",
        by=user,
    )


def _classes(p):
    return dict(p.members.values_list("code", "class_no"))


def test_draft_takes_every_student_of_the_grade_from_the_region(draft, cohort):
    assert draft.status == PlacementStatus.DRAFT
    assert sorted(draft.members.values_list("code", flat=True)) == [s.code for s in cohort]
    assert draft.seed == "" and draft.seed_commitment == ""


def test_apart_group_larger_than_the_classes_is_refused_and_nothing_saved(draft, users):
    with pytest.raises(ActionError, match="只有 4 个班"):
        _request(draft, "apart", ["G1000", "G1001", "G1002", "G1003", "G1004"], users["school"])
    assert PlacementRequest.objects.count() == 0


def test_student_in_two_apart_requests_is_refused(draft, users):
    _request(draft, "apart", ["G1000", "G1001"], users["school"])
    with pytest.raises(ActionError, match="G1001"):
        _request(draft, "apart", ["G1001", "G1002"], users["school"])
    assert PlacementRequest.objects.count() == 1


def test_hard_rules_hold_on_the_stored_result(draft, users):
    user = users["school"]
    _request(draft, "together", ["G1000", "G1001"], user)  # twins
    _request(draft, "together", ["G1010", "G1011", "G1012"], user)  # triplets
    _request(draft, "apart", ["G1020", "G1021", "G1022", "G1023"], user)
    _request(draft, "apart", ["G1030", "G1031"], user)
    actions.do_commit_placement(draft, by=user)
    add_witness(draft, user)
    actions.do_run_draw(draft, by=user, entropy=ENTROPY)
    draft.refresh_from_db()
    cls = _classes(draft)
    sizes = Counter(cls.values())
    assert sorted(sizes) == [1, 2, 3, 4] and max(sizes.values()) - min(sizes.values()) <= 1
    assert cls["G1000"] == cls["G1001"]
    assert cls["G1010"] == cls["G1011"] == cls["G1012"]
    assert len({cls[c] for c in ["G1020", "G1021", "G1022", "G1023"]}) == 4
    assert cls["G1030"] != cls["G1031"]
    assert draft.summary["violations"] == 0
    genders = defaultdict(Counter)
    for m in draft.members.all():
        genders[m.class_no][m.gender] += 1
    girls = [g["F"] for g in genders.values()]
    assert max(girls) - min(girls) <= 1


def test_commit_publishes_the_commitment_and_keeps_the_seed_hidden(draft, users):
    actions.do_commit_placement(draft, by=users["school"])
    draft.refresh_from_db()
    assert draft.status == PlacementStatus.COMMITTED
    assert len(draft.seed) == 32 and draft.seed_commitment == seed_commitment(draft.seed)
    assert draft.public_seed == ""
    assert draft.input_sha256 == actions.engine_input_of(draft).sha256


def test_inputs_are_frozen_after_commit(draft, users):
    actions.do_commit_placement(draft, by=users["school"])
    with pytest.raises(ActionError, match="种子承诺已公布，不能再登记申请"):
        _request(draft, "together", ["G1000", "G1001"], users["school"])


def test_draw_needs_a_witness(draft, users):
    actions.do_commit_placement(draft, by=users["school"])
    with pytest.raises(ActionError, match="监督人"):
        actions.do_run_draw(draft, by=users["school"], entropy=ENTROPY)
    draft.refresh_from_db()
    assert draft.status == PlacementStatus.COMMITTED


def test_the_locked_draw_cannot_be_rerun(drawn, users):
    before = _classes(drawn)
    with pytest.raises(ActionError, match="本次编班已抽签并锁定，不能再次抽签或修改"):
        actions.do_run_draw(drawn, by=users["school"], entropy=ENTROPY)
    assert _classes(drawn) == before
    assert PlacementAudit.objects.filter(placement=drawn, event=AuditEvent.DRAW).count() == 1


def test_the_draw_runs_with_the_final_seed_of_the_seed_rule(drawn):
    from junheng.engines.lottery import file_sha256, final_seed, inputs_sha256

    data = actions.engine_input_of(drawn)
    assert drawn.entropy == ENTROPY
    assert drawn.inputs_sha256 == inputs_sha256([file_sha256(data.csv)])
    assert drawn.final_seed == final_seed(drawn.seed, drawn.inputs_sha256, ENTROPY)
    again = place(data.students, drawn.n_classes, drawn.final_seed, drawn.method)
    assert again.class_of() == dict(drawn.members.values_list("pseudonym", "class_no"))
    assert again.summary["result_sha256"] == drawn.result_sha256


def test_other_entropy_gives_other_lists(draft, users):
    """Same committed seed, same inputs: the entropy of the ceremony alone changes the draw."""
    actions.do_commit_placement(draft, by=users["school"])
    add_witness(draft, users["school"])
    draft.refresh_from_db()
    data = actions.engine_input_of(draft)
    seeds = {e: actions.set_final_seed(draft, e) for e in (ENTROPY, "17 42 08 94")}
    results = {e: place(data.students, draft.n_classes, s, draft.method) for e, s in seeds.items()}
    assert len(set(seeds.values())) == 2
    assert results[ENTROPY].class_of() != results["17 42 08 94"].class_of()
    actions.do_run_draw(draft, by=users["school"], entropy="17 42 08 94")
    draft.refresh_from_db()
    assert draft.result_sha256 == results["17 42 08 94"].summary["result_sha256"]


def test_a_draw_without_entropy_is_refused(draft, users):
    actions.do_commit_placement(draft, by=users["school"])
    add_witness(draft, users["school"])
    with pytest.raises(ActionError, match="公开随机数"):
        actions.do_run_draw(draft, by=users["school"], entropy=" \u3000 ")
    draft.refresh_from_db()
    assert draft.status == PlacementStatus.COMMITTED and draft.entropy == ""


def test_entropy_is_stored_as_typed_but_normalised(draft, users):
    actions.do_commit_placement(draft, by=users["school"])
    add_witness(draft, users["school"])
    actions.do_run_draw(draft, by=users["school"], entropy=" １７　42\t08 93 ")
    draft.refresh_from_db()
    assert draft.entropy == ENTROPY


def test_two_seeds_give_different_lists(draft, term, users, region):
    """Two placements of the same cohort (two terms) get two secret seeds and two results."""
    from junheng.region.models import Term

    other_term = Term.objects.create(name="重抽", start=term.start, end=term.end)
    second = actions.do_create_placement(
        school=region["school_a"],
        term=other_term,
        grade=1,
        n_classes=4,
        method="balanced",
        balance_extras=True,
        by=users["school"],
    )
    for p in (draft, second):
        actions.do_commit_placement(p, by=users["school"])
        add_witness(p, users["school"])
        actions.do_run_draw(p, by=users["school"], entropy=ENTROPY)
        p.refresh_from_db()
    assert draft.seed != second.seed
    # each draw has its own pseudonyms, so even the input files differ
    assert draft.input_sha256 != second.input_sha256
    first_ids = set(draft.members.values_list("pseudonym", flat=True))
    assert not first_ids & set(second.members.values_list("pseudonym", flat=True))
    assert _classes(draft) != _classes(second)


def test_teams_are_drawn_to_classes_with_the_same_seed(draft, users):
    from junheng.engines.placement import draw_teams
    from junheng.region.models import Teacher

    teachers = list(Teacher.objects.filter(code__startswith="TA").order_by("code"))
    for k, t in enumerate(teachers):
        actions.do_add_team(
            draft, label=f"团队{k + 1}", homeroom=t, teachers=[], by=users["school"]
        )
    actions.do_commit_placement(draft, by=users["school"])
    add_witness(draft, users["school"])
    actions.do_run_draw(draft, by=users["school"], entropy=ENTROPY)
    got = {t.class_no: t.label for t in draft.teams.all()}
    assert sorted(got) == [1, 2, 3, 4]
    assert got == draw_teams(sorted(got.values()), 4, Placement.objects.get(pk=draft.pk).final_seed)


def test_commit_refuses_teams_that_do_not_match_the_classes(draft, users):
    from junheng.region.models import Teacher

    actions.do_add_team(
        draft, label="甲", homeroom=Teacher.objects.get(code="TA0"), teachers=[], by=users["school"]
    )
    with pytest.raises(ActionError, match="教师团队数"):
        actions.do_commit_placement(draft, by=users["school"])


def test_publish_reveals_the_seed_and_writes_the_students_classes(published, cohort):
    from junheng.region.models import SchoolClass, Student

    assert published.public_seed == published.seed
    assert published.public_final_seed == published.final_seed != ""
    assert seed_commitment(published.public_seed) == published.seed_commitment
    rec = PlacementAudit.objects.get(placement=published, event=AuditEvent.PUBLISH)
    assert rec.seed == published.seed and rec.detail["final_seed"] == published.final_seed
    assert SchoolClass.objects.filter(school=published.school, grade=1).count() == 4
    for s in Student.objects.filter(grade=1, school=published.school).select_related(
        "school_class"
    ):
        assert s.school_class.number == published.members.get(code=s.code).class_no


def test_audit_record_keeps_operator_witnesses_entropy_and_hashes_not_the_seed(drawn, users):
    rec = PlacementAudit.objects.get(placement=drawn, event=AuditEvent.DRAW)
    # the seed stays hidden until publication, in the audit trail too
    assert rec.seed == "" and drawn.seed not in str(rec.detail) and rec.operator == users["school"]
    assert rec.detail["entropy"] == ENTROPY
    assert rec.witnesses == [{"name": "赵公证", "role": "公证员"}]
    assert rec.input_sha256 == actions.engine_input_of(drawn).sha256
    assert rec.result_sha256 == drawn.result_sha256 and len(rec.result_sha256) == 64
    assert rec.at is not None
    commit = PlacementAudit.objects.get(placement=drawn, event=AuditEvent.COMMIT)
    assert commit.seed == "" and commit.seed_commitment == drawn.seed_commitment


def test_late_arrival_goes_to_the_smallest_suitable_class(published, users, region):
    from junheng.region.models import Student

    sizes = Counter(_classes(published).values())  # 10 each
    assert set(sizes.values()) == {10}
    twin = published.members.get(code="G1000")
    newcomer = Student.objects.create(
        code="G1900", name="新同学", gender="F", school=region["school_a"], grade=1
    )
    late = actions.do_add_late_arrival(
        published, student=newcomer, reason="转学", apart_from=[twin.student], by=users["school"]
    )
    assert late.class_no != twin.class_no
    sizes[late.class_no] += 1
    second = Student.objects.create(
        code="G1901", name="又一同学", gender="M", school=region["school_a"], grade=1
    )
    late2 = actions.do_add_late_arrival(
        published, student=second, reason="迟报到", by=users["school"]
    )
    assert sizes[late2.class_no] == 10  # never the class that already took a newcomer
    assert late2.class_no != late.class_no
    second.refresh_from_db()
    assert second.school_class.number == late2.class_no
    assert LateArrival.objects.filter(placement=published).count() == 2
    assert PlacementAudit.objects.filter(placement=published, event=AuditEvent.LATE).count() == 2


def test_late_arrival_before_publication_is_refused(drawn, region, users):
    from junheng.region.models import Student

    s = Student.objects.create(
        code="G1902", name="某某", gender="F", school=region["school_a"], grade=1
    )
    with pytest.raises(ActionError, match="公布编班结果后才能安排插班"):
        actions.do_add_late_arrival(drawn, student=s, reason="x", by=users["school"])


def test_the_draw_runs_in_a_worker_once_and_the_projector_page_shows_progress(
    draft, users, client, settings
):
    from junheng.jobs.models import Job
    from junheng.jobs.worker import drain

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    actions.do_commit_placement(draft, by=users["school"])
    add_witness(draft, users["school"])
    client.force_login(users["school"])
    client.post(f"/placement/{draft.pk}/draw/run/", {"entropy": ENTROPY})
    page = client.get(f"/placement/{draft.pk}/draw/").content.decode()
    assert 'data-testid="job-progress"' in page and 'data-testid="run-draw"' not in page
    with pytest.raises(ActionError, match="正在进行"):
        actions.do_run_draw(draft, by=users["school"], entropy=ENTROPY)
    with pytest.raises(ActionError, match="同一组数"):  # no second roll of the dice
        actions.do_run_draw(draft, by=users["school"], entropy="99 99 99")
    drain()
    draft.refresh_from_db()
    assert draft.status == PlacementStatus.DRAWN and draft.result_sha256
    assert Job.latest_for(draft).state == "done"
    assert PlacementAudit.objects.filter(placement=draft, event=AuditEvent.DRAW).count() == 1
