"""The public lottery shared by seat allocation and class placement (公开摇号).

A student's lottery key is sha256(f"{seed}:{student_id}") as hex text; service order is
priority descending, then key ascending. Before a draw the bureau publishes
seed_commitment = sha256(seed); afterwards the seed, so anyone can re-run the draw
and compare result hashes (CONTRACTS.md, "The public lottery").
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt


def seed_commitment(seed: str) -> str:
    """>>> seed_commitment("abc")[:12]
    'ba7816bf8f01'
    """
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


def lottery_key(seed: str, student_id: str) -> str:
    return hashlib.sha256(f"{seed}:{student_id}".encode()).hexdigest()


def lottery_keys(seed: str, student_ids: Sequence[str]) -> list[str]:
    sha = hashlib.sha256
    prefix = f"{seed}:"
    return [sha(f"{prefix}{sid}".encode()).hexdigest() for sid in student_ids]


def service_order(
    seed: str,
    student_ids: Sequence[str],
    priorities: Sequence[int] | npt.NDArray[np.int64] | None = None,
) -> npt.NDArray[np.int64]:
    """Indices into `student_ids` in service order: priority desc, then lottery key asc."""
    keys = np.array(lottery_keys(seed, student_ids))
    if priorities is None:
        return np.argsort(keys, kind="stable").astype(np.int64)
    pr = np.asarray(priorities, dtype=np.int64)
    # lexsort sorts by the last key first: priority (negated for descending), then key.
    return np.lexsort((keys, -pr)).astype(np.int64)
