"""One error type for the domain: every app's refusal is `junheng.errors.ActionError`, shown one
way (a flash message on a page, 400 with the messages in the API)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory

import junheng
from junheng.api import _forbidden, _refused
from junheng.errors import ActionError
from junheng.web import flash_errors

SRC = Path(junheng.__file__).parent
# Exceptions that are not refusals shown to a user: an engine's file error, a seat race the
# ledger retries, an import already running, a row conflict the adapters turn into an
# ActionError, a file the importer could not read at all, a job's cancel and failure signals,
# the one-step schema refusing a database that has tables (a command-line message).
NOT_REFUSALS = {
    "InputError",
    "SeatsFullError",
    "ImportBusyError",
    "RequestConflictError",
    "FileError",
    "JobCancelled",
    "JobFailed",
    "NotEmptyError",
}


def _error_classes() -> list[tuple[str, str, list[str]]]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = [ast.unparse(b) for b in node.bases]
                if any(b.endswith(("Error", "Exception")) for b in bases):
                    found.append((str(path.relative_to(SRC)), node.name, bases))
    return found


def test_no_app_defines_its_own_refusal_type() -> None:
    others = [
        (path, name, bases)
        for path, name, bases in _error_classes()
        if name not in NOT_REFUSALS and (path, name) != ("errors.py", "ActionError")
    ]
    assert others == []


def test_the_walk_sees_the_one_error_type() -> None:
    assert ("errors.py", "ActionError", ["ValidationError"]) in _error_classes()


def test_action_error_reads_as_its_message() -> None:
    err = ActionError("该窗口已关闭。")
    assert isinstance(err, ValidationError)
    assert str(err) == "该窗口已关闭。"
    assert err.messages == ["该窗口已关闭。"]


def test_flash_errors_shows_each_message_once() -> None:
    request = RequestFactory().post("/")
    request.session = {}  # type: ignore[attr-defined]
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    flash_errors(request, ActionError("已锁定，不能重新抽签。"))
    flash_errors(request, ValueError("plain"))
    assert [m.message for m in get_messages(request)] == ["已锁定，不能重新抽签。", "plain"]


def test_api_turns_a_refusal_into_400_and_a_forbidden_role_into_403() -> None:
    request = RequestFactory().get("/api/x")
    refused = _refused(request, ActionError("名额已满。"))
    assert refused.status_code == 400
    assert json.loads(refused.content) == {"detail": ["名额已满。"]}
    forbidden = _forbidden(request, PermissionDenied())
    assert forbidden.status_code == 403
