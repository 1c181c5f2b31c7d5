"""Pages that list draws, or show one's state and report, read none of the five contract files a
draw keeps (a whole window's inputs and results each); the public draw page, which hashes them,
and the file downloads still do."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from junheng.enrolment.models import Draw
from tests.enrolment.conftest import close_and_draw, rank_all

pytestmark = pytest.mark.django_db

FILE_COLUMNS = [f"{name}_csv" for name in Draw.FILES]


def _get(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    return response.content.decode(), [c for c in FILE_COLUMNS if c in sql]


@pytest.fixture
def drawn(window, market, users):
    rank_all(window, market, {0: ["chess"], 1: ["choir"]})
    draw = close_and_draw(window, users)
    assert all(draw.file_bytes(name) for name in Draw.FILES)
    return draw


def test_draw_lists_and_the_window_page_read_no_contract_file(drawn, window, users, client):
    page, read = _get(client, reverse("public_index"))
    assert reverse("enrolment:draw_public", args=[drawn.pk]) in page and read == []

    client.force_login(users["bureau"])
    page, read = _get(client, "/enrolment/report/")
    assert page.count('data-testid="fair-row"') == 4 and read == []
    page, read = _get(client, f"/enrolment/windows/{window.pk}/")
    assert drawn.seed_commitment in page and read == []

    client.force_login(users["parent"])
    page, read = _get(client, "/enrolment/results/")
    assert 'data-testid="enrolled"' in page and read == []


def test_the_public_draw_page_and_downloads_still_read_the_files(drawn, client):
    page, read = _get(client, reverse("enrolment:draw_public", args=[drawn.pk]))
    assert read == FILE_COLUMNS
    response = client.get(reverse("enrolment:draw_file", args=[drawn.pk, "out"]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body == drawn.file_bytes("out")
