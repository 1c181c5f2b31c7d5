"""Uploads: only PDF/JPG/PNG (photos JPG/PNG) of at most 5 MB, refused with a clear message."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from junheng.afterschool import actions
from junheng.afterschool.models import ProviderDocument
from junheng.afterschool.uploads import MAX_UPLOAD_BYTES, validate_document, validate_photo
from junheng.errors import ActionError
from tests.afterschool.conftest import JPG, PDF, PNG

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "data"), [("a.pdf", PDF), ("b.JPG", JPG), ("c.jpeg", JPG), ("d.png", PNG)]
)
def test_documents_of_the_allowed_types_pass(name, data):
    validate_document(SimpleUploadedFile(name, data))


@pytest.mark.parametrize("name", ["a.docx", "b.exe", "c.gif", "noext"])
def test_wrong_type_is_refused_with_a_clear_message(name):
    with pytest.raises(ValidationError, match="只接受 PDF、JPG、PNG 文件") as err:
        validate_document(SimpleUploadedFile(name, PDF))
    assert "只接受 PDF、JPG、PNG 文件" in err.value.messages[0]
    assert err.value.error_list[0].code == "bad_type"


def test_renamed_file_is_refused_by_its_content():
    with pytest.raises(ValidationError, match="内容与扩展名不符") as err:
        validate_document(SimpleUploadedFile("virus.pdf", b"MZ\x90\x00" + b"\x00" * 20))
    assert "内容与扩展名不符" in err.value.messages[0]


def test_too_large_is_refused_with_the_limit_named():
    big = SimpleUploadedFile("big.pdf", PDF + b"\x00" * MAX_UPLOAD_BYTES)
    with pytest.raises(ValidationError, match=r"过大（5\.0 MB），不能超过 5 MB") as err:
        validate_document(big)
    assert "不能超过 5 MB" in err.value.messages[0]


def test_exactly_five_mb_is_accepted():
    validate_document(SimpleUploadedFile("ok.pdf", PDF + b"\x00" * (MAX_UPLOAD_BYTES - len(PDF))))


def test_photos_refuse_pdf():
    with pytest.raises(ValidationError, match="JPG、PNG"):
        validate_photo(SimpleUploadedFile("p.pdf", PDF))


def test_action_refuses_bad_upload_and_stores_nothing(make_provider):
    staff, p = make_provider()
    n = ProviderDocument.objects.count()
    with pytest.raises(ActionError, match="只接受"):
        actions.do_add_provider_document(
            p, by=staff, kind="other", upload=SimpleUploadedFile("x.zip", b"PK\x03\x04")
        )
    assert ProviderDocument.objects.count() == n


def test_upload_page_shows_the_message(client, make_provider, media):
    staff, _p = make_provider()
    client.force_login(staff)
    resp = client.post(
        "/afterschool/my/documents/",
        {"kind": "other", "file": SimpleUploadedFile("x.docx", b"PK\x03\x04")},
        follow=True,
    )
    assert "只接受 PDF、JPG、PNG 文件" in resp.content.decode()
    resp = client.post(
        "/afterschool/my/documents/",
        {"kind": "other", "file": SimpleUploadedFile("big.png", PNG + b"\x00" * MAX_UPLOAD_BYTES)},
        follow=True,
    )
    assert "不能超过 5 MB" in resp.content.decode()


def test_registration_refuses_bad_licence(client, db):
    resp = client.post(
        "/afterschool/register/",
        {
            "username": "newprov",
            "password1": "x-Very-Long-pw-123",
            "password2": "x-Very-Long-pw-123",
            "name": "某机构",
            "org_type": "training",
            "credit_code": "91440300708461136T",
            "contact_name": "张",
            "contact_phone": "1",
            "service_items": "足球",
            "fee_standards": "免费",
            "x_km": 0,
            "y_km": 0,
            "weekly_sessions": 5,
            "licence": SimpleUploadedFile("licence.txt", b"hello"),
        },
    )
    assert resp.status_code == 200
    assert "只接受 PDF、JPG、PNG 文件" in resp.content.decode()
    from junheng.accounts.models import User

    assert not User.objects.filter(username="newprov").exists()
