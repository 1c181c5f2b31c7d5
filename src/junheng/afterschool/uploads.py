"""Upload rules for providers' documents and course photos.

Only PDF, JPG and PNG files of at most 5 MB are accepted; the file name's extension and the
file's first bytes (its "magic number") must agree, so a renamed executable is refused too.
Files are stored under MEDIA_ROOT and served only through permission-checked views
(`afterschool.views.document_file`, `afterschool.views.photo_file`), never as static media.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
DOCUMENT_TYPES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}
PHOTO_TYPES = {k: v for k, v in DOCUMENT_TYPES.items() if k != ".pdf"}


def _check(upload: Any, allowed: Mapping[str, tuple[bytes, ...]], kinds: str) -> None:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("文件“%(name)s”过大（%(mb).1f MB），不能超过 5 MB。"),
            code="too_large",
            params={"name": PurePath(upload.name).name, "mb": size / 1024 / 1024},
        )
    ext = PurePath(upload.name or "").suffix.lower()
    if ext not in allowed:
        raise ValidationError(
            _("文件“%(name)s”的类型不被接受：只接受 %(kinds)s 文件。"),
            code="bad_type",
            params={"name": PurePath(upload.name or "").name, "kinds": kinds},
        )
    head = _head(upload)
    if head is not None and not any(head.startswith(m) for m in allowed[ext]):
        raise ValidationError(
            _("文件“%(name)s”的内容与扩展名不符：只接受真实的 %(kinds)s 文件。"),
            code="bad_content",
            params={"name": PurePath(upload.name).name, "kinds": kinds},
        )


def _head(upload: Any) -> bytes | None:
    """The first bytes of an upload, leaving its position where it was."""
    f = getattr(upload, "file", upload)
    if not hasattr(f, "read") or getattr(upload, "_committed", False):
        return None  # an already stored file: checked when it was uploaded
    try:
        pos = f.tell()
        f.seek(0)
        head: bytes = f.read(8)
        f.seek(pos)
    except (OSError, ValueError):
        return None
    return head


def validate_document(upload: Any) -> None:
    """Licences, certificates and other documents: PDF, JPG or PNG, at most 5 MB."""
    _check(upload, DOCUMENT_TYPES, "PDF、JPG、PNG")


def validate_photo(upload: Any) -> None:
    """Course photos: JPG or PNG, at most 5 MB."""
    _check(upload, PHOTO_TYPES, "JPG、PNG")


def _stored_name(folder: str, filename: str) -> str:
    # A random stored name: the original name is kept on the row, never trusted as a path.
    return f"afterschool/{folder}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


def document_path(instance: Any, filename: str) -> str:
    return _stored_name("documents", filename)


def certificate_path(instance: Any, filename: str) -> str:
    return _stored_name("certificates", filename)


def photo_path(instance: Any, filename: str) -> str:
    return _stored_name("photos", filename)
