"""Password hashing: argon2id, verifying, refusing weak new passwords."""

from __future__ import annotations

import pytest

from aftercare.auth.passwords import (
    MIN_LENGTH,
    check_strength,
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)


def test_hash_is_argon2id_and_salted() -> None:
    first, second = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert first.startswith("$argon2id$")
    assert first != second  # a random salt each time
    assert "correct horse" not in first


def test_verify_accepts_the_password_and_nothing_else() -> None:
    stored = hash_password("correct horse battery")
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "correct horse batterY")
    assert not verify_password(stored, "")


def test_verify_survives_a_broken_hash() -> None:
    assert not verify_password("not-a-hash", "correct horse battery")
    assert needs_rehash("not-a-hash")


def test_a_fresh_hash_needs_no_rehash() -> None:
    assert not needs_rehash(hash_password("correct horse battery"))


def test_overlong_passwords_are_refused_without_hashing() -> None:
    assert not verify_password(dummy_hash(), "x" * 10_000)


@pytest.mark.parametrize(("password", "problem"), [
    ("short", f"at least {MIN_LENGTH}"),
    (" padded password ", "no spaces"),
    ("x" * 300, "at most"),
])
def test_weak_new_passwords_are_refused(password: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        check_strength(password)
    with pytest.raises(ValueError, match=problem):
        hash_password(password)


def test_dummy_hash_never_matches_a_real_guess() -> None:
    assert not verify_password(dummy_hash(), "password123")
