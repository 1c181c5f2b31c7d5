"""The demo county: every student has records for two terms; the demo parent sees each
child's portrait; the demo teacher its classes; the bureau the county by dimension."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from junheng.portraits.models import DimensionScore, PortraitRecord
from junheng.region.models import Student

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The whole demo loaded once for this module, rolled back afterwards."""
    from django.db import transaction

    from junheng.commands.demo import DEMO_PASSWORD, DEMO_SEED, load_demo

    with django_db_blocker.unblock(), transaction.atomic():
        load_demo("county", DEMO_SEED, DEMO_PASSWORD, io.StringIO())
        yield
        transaction.set_rollback(True)


def test_every_demo_student_has_records_and_scores_for_two_terms(demo):
    students = Student.objects.count()
    per_term = PortraitRecord.objects.values("term_id").distinct().count()
    assert per_term == 2
    scored = DimensionScore.objects.values("student_id").distinct().count()
    assert scored == students
    assert PortraitRecord.objects.count() / students > 30  # about 20 a term, two terms


def test_demo_parent_teacher_and_bureau_see_their_pages(demo, client):
    from junheng.accounts.models import User

    parent = User.objects.get(username="parent")
    client.force_login(parent)
    for g in parent.guardianships.all():
        page = client.get(reverse("portraits:student", args=[g.student_id]))
        assert page.status_code == 200 and b"portrait-radar" in page.content
    client.force_login(User.objects.get(username="teacher"))
    page = client.get(reverse("portraits:index")).content.decode()
    assert 'data-testid="class-' in page
    client.force_login(User.objects.get(username="bureau"))
    page = client.get(reverse("portraits:county")).content.decode()
    assert "by-urban-rural" in page and "by-school" in page
