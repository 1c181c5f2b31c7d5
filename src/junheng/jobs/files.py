"""Uploads handed to a job: kept on the media storage (STORAGES["default"]) until the job has
read them, so a worker on another machine finds them when the storage is shared (S3, NFS)."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath
from typing import IO

from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.utils.text import get_valid_filename

PREFIX = "jobs/uploads"


def stash(upload: IO[bytes] | bytes, name: str) -> str:
    """Store the upload; returns the storage path to pass to the job as an argument."""
    safe = get_valid_filename(PurePosixPath(name or "upload").name) or "upload"
    path = f"{PREFIX}/{uuid.uuid4().hex}/{safe}"
    content = ContentFile(upload) if isinstance(upload, bytes) else File(upload)
    return default_storage.save(path, content)


def take(path: str) -> bytes:
    """Read a stashed upload and remove it (a job reads it once)."""
    if not path.startswith(f"{PREFIX}/"):
        raise ValueError(path)
    with default_storage.open(path, "rb") as fh:
        data: bytes = fh.read()
    default_storage.delete(path)
    return data


def discard(path: str) -> None:
    if path.startswith(f"{PREFIX}/") and default_storage.exists(path):
        default_storage.delete(path)


RESULTS = "jobs/results"


def keep_result(source: IO[bytes], name: str) -> str:
    """Store a file a job produced (an export) for its owner to download; returns its path.
    Removed with the job's row (`jobs.actions.prune_jobs`)."""
    safe = get_valid_filename(PurePosixPath(name or "file").name) or "file"
    return default_storage.save(f"{RESULTS}/{uuid.uuid4().hex}/{safe}", File(source))


def open_result(path: str) -> IO[bytes]:
    if not path.startswith(f"{RESULTS}/"):
        raise ValueError(path)
    fh: IO[bytes] = default_storage.open(path, "rb")
    return fh


def discard_result(path: str) -> None:
    if path.startswith(f"{RESULTS}/") and default_storage.exists(path):
        default_storage.delete(path)
