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


# --------------------------------------------------------------------------- the seed rule


def test_inputs_sha256_is_sha256_of_the_file_hashes_joined_by_colons_known_vector():
    from junheng.engines.lottery import file_sha256, inputs_sha256

    # printf x | sha256sum; then printf '<that hex>' | sha256sum
    x = file_sha256(b"x")
    assert x == "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
    assert inputs_sha256([x]) == "a57b5956dbc6e02127bbb40c87cb8244196d6d18e0e141936ffcd8cffad457ad"
    a, b = file_sha256(b"a"), file_sha256(b"b")
    assert inputs_sha256([a, b]) == hashlib.sha256(f"{a}:{b}".encode()).hexdigest()
    assert inputs_sha256([a.upper(), b]) == inputs_sha256([a, b])
    assert inputs_sha256([b, a]) != inputs_sha256([a, b])  # the order of the files counts


def test_final_seed_is_sha256_of_the_three_parts_joined_by_colons_known_vector():
    from junheng.engines.lottery import final_seed

    inputs = "a57b5956dbc6e02127bbb40c87cb8244196d6d18e0e141936ffcd8cffad457ad"
    # printf 'abc:a57b…57ad:17 42 08' | sha256sum
    assert final_seed("abc", inputs, "17 42 08") == (
        "fe445b875e0b8b7ab7ba1e69d33c797653f639886cc6d229122a36b0515ac77c"
    )
    assert final_seed("abc", inputs.upper(), "17 42 08") == final_seed("abc", inputs, "17 42 08")
    # UTF-8 for non-ASCII parts
    assert (
        final_seed("种子", inputs, "一二三")
        == hashlib.sha256(f"种子:{inputs}:一二三".encode()).hexdigest()
    )


def test_the_seed_rule_refuses_what_is_not_a_sha256():
    import pytest

    from junheng.engines.lottery import final_seed, inputs_sha256

    with pytest.raises(ValueError, match="inputs_sha256 must be 64 hex digits"):
        final_seed("abc", "not-a-hash", "1")
    with pytest.raises(ValueError, match="not a SHA-256 hex digest"):
        inputs_sha256(["0" * 63])
    with pytest.raises(ValueError, match="a draw has at least one input file"):
        inputs_sha256([])


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1), st.text(), st.text())
def test_every_part_of_the_seed_rule_changes_the_final_seed(seed, e1, e2):
    from junheng.engines.lottery import file_sha256, final_seed, inputs_sha256

    h1, h2 = inputs_sha256([file_sha256(b"1")]), inputs_sha256([file_sha256(b"2")])
    assert final_seed(seed, h1, e1) != final_seed(seed, h2, e1)
    assert final_seed(seed, h1, e1) != final_seed(seed + "x", h1, e1)
    if e1 != e2:
        assert final_seed(seed, h1, e1) != final_seed(seed, h1, e2)


def test_normalize_entropy_folds_full_width_and_spaces():
    from junheng.engines.lottery import normalize_entropy

    assert normalize_entropy(" １７　42\t08\n93 ") == "17 42 08 93"
    assert normalize_entropy("\u3000") == ""
