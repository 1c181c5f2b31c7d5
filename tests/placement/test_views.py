"""Pages: who may see what, form errors that save nothing, the public page before and after."""

from __future__ import annotations

import pytest
from django.urls import reverse

from junheng.accounts.models import AuditLog
from junheng.placement.models import Placement, PlacementRequest, PlacementStatus
from tests.conftest import ENTROPY

pytestmark = pytest.mark.django_db


def test_school_admin_creates_a_draft_from_the_region_data(login, users, cohort, term):
    c = login(users["school"])
    r = c.post(
        reverse("placement:create"),
        {"term": term.pk, "grade": 1, "n_classes": 4, "method": "balanced", "balance_extras": "on"},
    )
    p = Placement.objects.get()
    assert r.status_code == 302 and r.url == reverse("placement:detail", args=[p.pk])
    assert p.members.count() == 40 and p.school == users["school"].school
    page = c.get(r.url)
    assert page.status_code == 200 and "张小明" not in page.content.decode()  # grade 3


def test_import_with_an_unknown_student_is_a_form_error(login, users, cohort, term):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = login(users["school"])
    f = SimpleUploadedFile("cohort.csv", b"student_id,gender\nG1000,F\nNOPE,M\n")
    r = c.post(
        reverse("placement:create"),
        {"term": term.pk, "grade": 1, "n_classes": 1, "method": "balanced", "file": f},
    )
    assert r.status_code == 400 and "NOPE" in r.content.decode()
    assert not Placement.objects.exists()


def test_import_in_the_engine_format_turns_labels_into_requests(login, users, cohort, term):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = login(users["school"])
    body = "student_id,gender,score,needs,together,apart\n" + "".join(
        f"{s.code},{s.gender},{s.score},0,{'t' if s.code in ('G1000', 'G1001') else ''},"
        f"{'a' if s.code in ('G1002', 'G1003') else ''}\n"
        for s in cohort[:20]
    )
    f = SimpleUploadedFile("cohort.csv", body.encode())
    r = c.post(
        reverse("placement:create"),
        {"term": term.pk, "grade": 1, "n_classes": 2, "method": "snake", "file": f},
    )
    assert r.status_code == 302
    p = Placement.objects.get()
    assert p.members.count() == 20 and p.source == "import"
    assert sorted(PlacementRequest.objects.values_list("kind", flat=True)) == ["apart", "together"]


def test_impossible_apart_request_is_a_form_error_and_nothing_is_saved(login, users, draft):
    c = login(users["school"])
    r = c.post(
        reverse("placement:add_request", args=[draft.pk]),
        {
            "kind": "apart",
            "codes": "G1000 G1001 G1002 G1003 G1004",
            "reason": "家长申请",
            "requested_by_name": "王女士",
            "requested_by_role": "parent",
        },
    )
    assert r.status_code == 400
    assert "无法让他们互不同班" in r.content.decode()
    assert PlacementRequest.objects.count() == 0


def test_full_flow_through_the_pages(login, users, draft):
    c = login(users["school"])
    c.post(
        reverse("placement:add_request", args=[draft.pk]),
        {
            "kind": "together",
            "codes": "G1000, G1001",
            "reason": "双胞胎",
            "requested_by_name": "王女士",
            "requested_by_role": "parent",
        },
    )
    assert PlacementRequest.objects.count() == 1
    assert c.post(reverse("placement:commit", args=[draft.pk])).status_code == 302
    draft.refresh_from_db()
    page = c.get(reverse("placement:draw", args=[draft.pk])).content.decode()
    assert draft.seed_commitment in page and draft.seed not in page
    c.post(
        reverse("placement:add_witness", args=[draft.pk]),
        {"name": "钱代表", "role": "parent_rep", "next": "draw"},
    )
    r = c.post(reverse("placement:run_draw", args=[draft.pk]), follow=True)
    assert "公开随机数" in r.content.decode()  # no entropy typed: refused, nothing drawn
    draft.refresh_from_db()
    assert draft.status == PlacementStatus.COMMITTED
    r = c.post(reverse("placement:run_draw", args=[draft.pk]), {"entropy": ENTROPY})
    assert r.status_code == 302
    draft.refresh_from_db()
    assert draft.status == PlacementStatus.DRAWN and draft.entropy == ENTROPY
    page = c.get(reverse("placement:draw", args=[draft.pk])).content.decode()
    assert 'data-testid="class-4"' in page and "王*明" in page
    assert "王小明" not in page  # the projector shows masked names only
    again = c.post(reverse("placement:run_draw", args=[draft.pk]), follow=True)
    assert "不能再次抽签" in again.content.decode()
    c.post(reverse("placement:publish", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == PlacementStatus.PUBLISHED


def test_public_page_shows_the_commitment_before_and_the_seed_after(client, users, draft):
    from junheng.placement import actions
    from tests.placement.conftest import add_witness

    url = reverse("placement:public", args=[draft.pk])
    assert client.get(url).status_code == 404  # a draft is not public yet
    actions.do_commit_placement(draft, by=users["school"])
    draft.refresh_from_db()
    before = client.get(url).content.decode()
    assert draft.seed_commitment in before and draft.seed not in before
    add_witness(draft, users["school"])
    actions.do_run_draw(draft, by=users["school"], entropy=ENTROPY)
    draft.refresh_from_db()
    drawn = client.get(url).content.decode()
    # drawn, not yet published: the entropy is public, the seeds are not, nor the files
    assert ENTROPY in drawn and draft.inputs_sha256 in drawn
    assert draft.seed not in drawn and draft.final_seed not in drawn
    assert (
        client.get(reverse("placement:public_file", args=[draft.pk, "students"])).status_code == 404
    )
    actions.do_publish_placement(draft, by=users["school"])
    after = client.get(url).content.decode()
    assert draft.seed in after and draft.final_seed in after
    assert 'data-testid="balance-table"' in after
    assert 'data-testid="class-lists"' not in after  # anonymous: the table, not the lists


def test_parent_sees_own_childs_class_and_masked_lists_only(login, users, published, cohort):
    c = login(users["parent"])
    child = published.members.get(code="G1005")
    page = c.get(reverse("placement:my")).content.decode()
    assert f"{child.class_no} 班" in page and child.name in page
    public = c.get(reverse("placement:public", args=[published.pk])).content.decode()
    assert 'data-testid="class-lists"' in public and 'data-testid="balance-table"' in public
    others = [s for s in cohort if s.code != "G1005"]
    assert not [s.name for s in others if s.name in public]
    assert any(s.masked_name in public for s in others)
    for s in others[:5]:
        assert s.code not in public


def test_parent_cannot_open_the_management_pages(login, users, published):
    c = login(users["parent"])
    assert c.get(reverse("placement:detail", args=[published.pk])).status_code == 403
    assert c.get(reverse("placement:draw", args=[published.pk])).status_code == 403


@pytest.mark.parametrize("role", ["provider", "teacher"])
def test_provider_and_teacher_get_403(login, users, draft, role):
    c = login(users[role])
    for name in ("placement:index", "placement:my", "placement:bulk"):
        assert c.get(reverse(name)).status_code == 403
    assert c.get(reverse("placement:detail", args=[draft.pk])).status_code == 403
    assert c.post(reverse("placement:commit", args=[draft.pk])).status_code == 403


def test_school_admin_sees_only_its_own_school(login, users, draft):
    c = login(users["school_b"])
    assert c.get(reverse("placement:detail", args=[draft.pk])).status_code == 404
    assert c.post(reverse("placement:commit", args=[draft.pk])).status_code == 404
    assert draft.pk not in [p.pk for p in c.get(reverse("placement:index")).context["placements"]]
    draft.refresh_from_db()
    assert draft.status == PlacementStatus.DRAFT


def test_bureau_reads_but_does_not_draw(login, users, draft):
    c = login(users["bureau"])
    assert c.get(reverse("placement:detail", args=[draft.pk])).status_code == 200
    assert c.post(reverse("placement:commit", args=[draft.pk])).status_code == 403


def test_exports_are_audited(login, users, drawn):
    c = login(users["school"])
    r = c.get(reverse("placement:export_input", args=[drawn.pk]))
    from junheng.engines.io import sha256_hex

    assert sha256_hex(r.content) == drawn.input_sha256
    r = c.get(reverse("placement:export_result", args=[drawn.pk]))
    assert sha256_hex(r.content) == drawn.result_sha256
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"placement.export_input", "placement.export_result"} <= actions


def test_public_api_reveals_no_names(client, users, published, cohort):
    r = client.get(f"/api/placement/public/{published.pk}")
    assert r.status_code == 200
    body = r.json()
    assert body["seed"] == published.seed and len(body["table"]) == 4
    assert not any(s.name in r.content.decode() for s in cohort)


def test_pages_speak_english_too(login, users, draft):
    c = login(users["school"])
    page = c.get(reverse("placement:detail", args=[draft.pk]), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert "Together / apart requests" in text and "Lock the inputs" in text


def _public_parts(client, p):
    """The files and the verify command, as anyone reads them off the public page."""
    import html
    import re

    page = client.get(reverse("placement:public", args=[p.pk])).content.decode()
    command = html.unescape(re.search(r'data-testid="verify-command">([^<]*)<', page).group(1))
    files = {
        name: client.get(reverse("placement:public_file", args=[p.pk, name])).content
        for name in ("students", "classes")
    }
    return page, command, files


def test_public_files_carry_pseudonyms_never_a_student_code(client, published):
    from junheng.region.models import Student

    page, _command, files = _public_parts(client, published)
    text = page + "".join(f.decode() for f in files.values())
    codes = list(Student.objects.filter(school=published.school).values_list("code", flat=True))
    assert codes and not [c for c in codes if c in text]
    aliases = set(published.members.values_list("pseudonym", flat=True))
    rows = [line.split(",") for line in files["classes"].decode().splitlines()[1:]]
    assert {r[0] for r in rows} == aliases and len(rows) == published.members.count()
    for m in published.members.all():
        assert [m.pseudonym, str(m.class_no)] in rows


def test_verify_from_the_public_page_reproduces_the_hash(
    client, published, tmp_path, monkeypatch, capsys
):
    import json
    import shlex

    from junheng import cli

    _page, command, files = _public_parts(client, published)
    for name, data in files.items():
        (tmp_path / f"{name}.csv").write_bytes(data)
    monkeypatch.chdir(tmp_path)
    argv = shlex.split(command)
    assert argv[:2] == ["junheng", "verify"]
    capsys.readouterr()
    assert cli.main(argv[1:]) == 0
    out = capsys.readouterr()
    summary = json.loads(out.out.strip().splitlines()[-1])
    assert summary["ok"] is True and summary["inputs_ok"] is True
    assert summary["commitment_ok"] is True
    assert summary["seed"] == published.final_seed
    assert summary["result_sha256"] == published.result_sha256
    assert "sha256(committed_seed:inputs_sha256:entropy)" in out.err


def test_a_parent_sees_the_childs_pseudonym_to_find_the_row(login, users, published):
    c = login(users["parent"])
    child = published.members.get(code="G1005")
    mine = c.get(reverse("placement:my")).content.decode()
    assert child.pseudonym in mine
    public = c.get(reverse("placement:public", args=[published.pk])).content.decode()
    assert 'data-testid="own-alias"' in public and child.pseudonym in public


def test_the_admin_shows_neither_seed_before_publication(login, users, drawn):
    from junheng.placement import actions

    c = login(users["bureau"])
    url = reverse("admin:placement_placement_change", args=[drawn.pk])
    page = c.get(url).content.decode()
    assert drawn.seed_commitment in page and ENTROPY in page
    assert drawn.seed not in page and drawn.final_seed not in page
    actions.do_publish_placement(drawn, by=users["school"])
    page = c.get(url).content.decode()
    assert drawn.seed in page and drawn.final_seed in page


def test_teacher_teams_are_listed_as_people_count_them():
    from junheng.placement.views import natural_key

    labels = [f"第{i}组" for i in (10, 2, 1, 11, 3)]
    assert sorted(labels, key=natural_key) == ["第1组", "第2组", "第3组", "第10组", "第11组"]


def test_public_page_names_the_release_that_drew_it(client, published):
    import junheng

    assert published.engine_release == junheng.__version__
    page, _command, _files = _public_parts(client, published)
    assert f"pip install junheng=={junheng.__version__}" in page
    published.engine_release = "0.1.0"  # drawn by an earlier release: that one is named
    published.save(update_fields=["engine_release"])
    page, _command, _files = _public_parts(client, published)
    assert "pip install junheng==0.1.0" in page


def test_release_line_speaks_english_too(client, published):
    page = client.get(
        reverse("placement:public", args=[published.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "verify it with the same release" in page
