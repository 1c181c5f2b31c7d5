"""The public lottery: seed commitment, lottery keys and service order (CONTRACTS.md)."""

from __future__ import annotations

import hashlib

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from junheng.engines.lottery import (
    lottery_digests,
    lottery_key,
    lottery_keys,
    order_from_digests,
    seed_commitment,
    service_order,
)

# Known vectors, checked with `printf '…' | sha256sum`.
ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_seed_commitment_is_sha256_of_the_seed_known_vector():
    assert seed_commitment("abc") == ABC


def test_lottery_key_is_sha256_of_seed_colon_student_known_vectors():
    assert lottery_key("2025-autumn", "S001") == (
        "26d5e74490f0f7a9643b9766b84d81d46e136e6ba456ec19bcb32b98487ad8f5"
    )
    # UTF-8 for non-ASCII seeds and ids.
    assert lottery_key("种子", "学生1") == (
        "24003a321a5c0eb23c4e62405f4d7b46ff12136dd83dc6b536246da7b8a0bcba"
    )
    assert lottery_keys("2025-autumn", ["S001"]) == [lottery_key("2025-autumn", "S001")]


def test_digest_words_spell_the_hex_key():
    words = lottery_digests("2025-autumn", ["S001", "S002"])
    assert words.shape == (2, 4)
    for row, sid in zip(words, ["S001", "S002"], strict=True):
        assert "".join(f"{int(w):016x}" for w in row) == lottery_key("2025-autumn", sid)


def test_service_order_priority_first_then_key_ascending():
    ids = ["a", "b", "c", "d"]
    keys = {s: lottery_key("s", s) for s in ids}
    order = service_order("s", ids, [0, 1, 0, 1])
    got = [ids[i] for i in order]
    assert got[:2] == sorted(["b", "d"], key=keys.get)
    assert got[2:] == sorted(["a", "c"], key=keys.get)


def test_equal_first_word_falls_back_to_the_full_key():
    # Two students whose keys share the first 64 bits: the later words must decide.
    digests = np.array([[7, 9, 0, 0], [7, 3, 5, 0], [1, 0, 0, 0], [7, 3, 4, 1]], dtype=np.uint64)
    assert order_from_digests(digests).tolist() == [2, 3, 1, 0]
    assert order_from_digests(digests, [0, 0, 1, 0]).tolist() == [2, 3, 1, 0]
    assert order_from_digests(digests, [0, 0, 0, 1]).tolist() == [3, 2, 1, 0]


@settings(max_examples=100, deadline=None)
@given(
    st.text(max_size=10),
    st.lists(st.text(min_size=1, max_size=6), unique=True, max_size=30),
    st.data(),
)
def test_service_order_equals_sorting_by_priority_and_hex_key(seed, ids, data):
    prio = data.draw(st.lists(st.integers(-2, 2), min_size=len(ids), max_size=len(ids)))
    got = [ids[i] for i in service_order(seed, ids, prio)]
    expected = sorted(
        ids,
        key=lambda s: (-prio[ids.index(s)], hashlib.sha256(f"{seed}:{s}".encode()).hexdigest()),
    )
    assert got == expected
    assert [ids[i] for i in service_order(seed, ids)] == sorted(
        ids, key=lambda s: lottery_key(seed, s)
    )
