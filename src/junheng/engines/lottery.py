"""The public lottery shared by seat allocation and class placement (公开摇号).

Problem: serve students in an order that nobody can bend, and that anyone can re-check.

Method (CONTRACTS.md, "The public lottery"): a student's lottery key is
sha256(f"{seed}:{student_id}") as hex text; service order is priority descending, then key
ascending. Before a draw the bureau publishes seed_commitment = sha256(seed); afterwards the
seed, so anyone can re-run the draw and compare result hashes (`junheng verify`).

The seed rule (so that nobody, the bureau included, can bias a draw): the bureau commits to a
secret seed by publishing sha256(seed) before the draw; at the draw the input files are frozen
and hashed, public entropy is entered (numbers given by the witnesses or read from a public
source at the ceremony), and the lottery runs with the *final* seed

    inputs_sha256 = sha256(":".join(sha256(file) for file in the input files, in order))
    final seed    = sha256(f"{committed_seed}:{inputs_sha256}:{entropy}")

(UTF-8 bytes, lowercase hex digests, ':' between the parts). Whoever knew the committed seed
alone cannot predict any lottery key: the entropy is unknown until the draw, and the inputs are
fixed before it is entered.

Guarantee: the order depends only on the seed, the ids and the priorities (never on input
order). Lowercase hex text sorts exactly as the 32 digest bytes do, so the order is computed
on the digests as four big-endian 64-bit words (fast for a million students) and is identical
to sorting the hex text.

>>> seed_commitment("abc")[:12]
'ba7816bf8f01'
>>> lottery_key("2025-autumn", "S001")[:12]
'26d5e74490f0'
>>> final_seed("abc", inputs_sha256([file_sha256(b"x")]), "17 42 08")[:12]
'fe445b875e0b'
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt


def seed_commitment(seed: str) -> str:
    """sha256(seed) as hex text: published before the draw, checked after the seed is revealed."""
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


_HEX64 = re.compile(r"[0-9a-f]{64}")


def file_sha256(data: bytes) -> str:
    """SHA-256 of a file's bytes as lowercase hex (what `sha256sum FILE` prints)."""
    return hashlib.sha256(data).hexdigest()


def is_sha256_hex(text: str) -> bool:
    """True for 64 lowercase hex digits (the form every hash in the seed rule takes)."""
    return _HEX64.fullmatch(text) is not None


def inputs_sha256(file_hashes: Sequence[str]) -> str:
    """The hash of a draw's input files: sha256 of their SHA-256 hex digests joined by ':'.

    The order is that of the engine's options (allocate: offerings, choices, students;
    place: students). Hex digits are lowercased; anything else than 64 hex digits is refused.

    >>> inputs_sha256([file_sha256(b"a"), file_sha256(b"b")])[:12]
    'baf4fd048ca2'
    """
    if not file_hashes:
        raise ValueError("a draw has at least one input file")
    parts = [h.strip().lower() for h in file_hashes]
    for h in parts:
        if not is_sha256_hex(h):
            raise ValueError(f"not a SHA-256 hex digest: {h!r}")
    return hashlib.sha256(":".join(parts).encode("ascii")).hexdigest()


def final_seed(committed_seed: str, inputs_hash: str, entropy: str) -> str:
    """The seed a draw runs with: sha256(f"{committed_seed}:{inputs_hash}:{entropy}") as hex.

    `committed_seed` is the secret whose sha256 was published before the draw, `inputs_hash`
    the `inputs_sha256` of the frozen input files (64 hex digits, lowercased here), `entropy`
    the public text entered at the draw, used exactly as given (see `normalize_entropy`).
    """
    h = inputs_hash.strip().lower()
    if not is_sha256_hex(h):
        raise ValueError(f"inputs_sha256 must be 64 hex digits, got {inputs_hash!r}")
    return hashlib.sha256(f"{committed_seed}:{h}:{entropy}".encode()).hexdigest()


def normalize_entropy(text: str) -> str:
    """How the platform stores entropy typed at a ceremony: NFKC (full-width digits and spaces
    become ASCII), every run of whitespace one space, no space at either end.

    >>> normalize_entropy(" １７　42\t08 ")
    '17 42 08'
    """
    return " ".join(unicodedata.normalize("NFKC", text).split())


def lottery_key(seed: str, student_id: str) -> str:
    """A student's lottery key: sha256(f"{seed}:{student_id}") as hex text."""
    return hashlib.sha256(f"{seed}:{student_id}".encode()).hexdigest()


def lottery_keys(seed: str, student_ids: Sequence[str]) -> list[str]:
    sha = hashlib.sha256
    prefix = f"{seed}:"
    return [sha(f"{prefix}{sid}".encode()).hexdigest() for sid in student_ids]


def lottery_digests(seed: str, student_ids: Sequence[str]) -> npt.NDArray[np.uint64]:
    """The keys as an (n, 4) array of big-endian 64-bit words (row order = student_ids order).

    Comparing rows word by word is comparing the hex keys as text.
    """
    sha = hashlib.sha256
    prefix = f"{seed}:"
    raw = b"".join([sha(f"{prefix}{sid}".encode()).digest() for sid in student_ids])
    words = np.frombuffer(raw, dtype=">u8").reshape(-1, 4)
    return words.astype(np.uint64)


def order_from_digests(
    digests: npt.NDArray[np.uint64],
    priorities: Sequence[int] | npt.NDArray[np.int64] | None = None,
) -> npt.NDArray[np.int64]:
    """Indices in service order (priority desc, key asc) from `lottery_digests` rows."""
    n = digests.shape[0]
    pr = (
        np.zeros(n, dtype=np.int64)
        if priorities is None
        else np.asarray(priorities, dtype=np.int64)
    )
    neg = -pr
    first = digests[:, 0] if n else np.zeros(0, dtype=np.uint64)
    order = np.lexsort((first, neg))
    # The first word decides unless two students of equal priority share it (about one draw
    # in 10^7 at a million students); then sort on all four words, which is always exact.
    if n > 1:
        a, b = order[:-1], order[1:]
        if bool(np.any((first[a] == first[b]) & (neg[a] == neg[b]))):
            order = np.lexsort((digests[:, 3], digests[:, 2], digests[:, 1], first, neg))
    return order.astype(np.int64)


def service_order(
    seed: str,
    student_ids: Sequence[str],
    priorities: Sequence[int] | npt.NDArray[np.int64] | None = None,
) -> npt.NDArray[np.int64]:
    """Indices into `student_ids` in service order: priority desc, then lottery key asc."""
    return order_from_digests(lottery_digests(seed, student_ids), priorities)
