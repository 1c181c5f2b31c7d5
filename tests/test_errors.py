"""One error type for the domain: every app's refusal is a `DomainError`, shown one way."""

from __future__ import annotations

import json

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from junheng.afterschool.actions import ActionError as AfterschoolError
from junheng.api import _forbidden, _refused
from junheng.enrolment.actions.common import ActionError as EnrolmentError
from junheng.errors import DomainError
from junheng.placement.actions import ActionError as PlacementError
from junheng.quotas.actions import TableFrozenError
from junheng.rotation.actions import RoundFrozenError
from junheng.web import flash_errors


@pytest.mark.parametrize(
    "cls",
    [AfterschoolError, EnrolmentError, PlacementError, TableFrozenError, RoundFrozenError],
)
def test_every_apps_refusal_is_the_one_domain_error(cls: type) -> None:
    assert issubclass(cls, DomainError)
    assert issubclass(cls, ValidationError)


def test_domain_error_reads_as_its_message() -> None:
    err = DomainError("该窗口已关闭。")
    assert str(err) == "该窗口已关闭。"
    assert err.messages == ["该窗口已关闭。"]


def test_flash_errors_shows_each_message_once() -> None:
    request = RequestFactory().post("/")
    request.session = {}  # type: ignore[attr-defined]
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    flash_errors(request, PlacementError("已锁定，不能重新抽签。"))
    flash_errors(request, ValueError("plain"))
    assert [m.message for m in get_messages(request)] == ["已锁定，不能重新抽签。", "plain"]


def test_api_turns_a_refusal_into_400_and_a_forbidden_role_into_403() -> None:
    request = RequestFactory().get("/api/x")
    refused = _refused(request, EnrolmentError("名额已满。"))
    assert refused.status_code == 400
    assert json.loads(refused.content) == {"detail": ["名额已满。"]}
    from django.core.exceptions import PermissionDenied

    assert _forbidden(request, PermissionDenied()).status_code == 403
