"""TOTP codes and recovery codes, pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp

from aftercare.auth.two_factor import (
    check_code,
    enrolment_uri,
    hash_recovery_code,
    new_recovery_codes,
    new_secret,
    qr_data_uri,
)

NOW = datetime(2026, 12, 5, 9, 0, 10, tzinfo=UTC)


def test_a_code_from_the_app_signs_in_once() -> None:
    secret = new_secret()
    code = pyotp.TOTP(secret).at(NOW)
    first = check_code(secret, code, now=NOW, last_step=None)
    assert first.ok and first.step is not None
    assert not check_code(secret, code, now=NOW, last_step=first.step).ok  # replayed
    later = pyotp.TOTP(secret).at(NOW + timedelta(seconds=30))
    assert check_code(secret, later, now=NOW + timedelta(seconds=30), last_step=first.step).ok


def test_a_phone_clock_one_step_off_still_works_two_steps_do_not() -> None:
    secret = new_secret()
    for offset, ok in ((-30, True), (30, True), (-90, False), (90, False)):
        code = pyotp.TOTP(secret).at(NOW + timedelta(seconds=offset))
        assert check_code(secret, code, now=NOW, last_step=None).ok is ok, offset


def test_wrong_and_malformed_codes_are_refused() -> None:
    secret = new_secret()
    right = pyotp.TOTP(secret).at(NOW)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for code in (wrong, "", "12345", "1234567", "abcdef"):
        assert not check_code(secret, code, now=NOW, last_step=None).ok, code
    assert check_code(secret, f"{right[:3]} {right[3:]}", now=NOW, last_step=None).ok


def test_enrolment_names_the_account_and_draws_a_qr_code() -> None:
    uri = enrolment_uri("JBSWY3DPEHPK3PXPJBSWY3DPEH", account="doc@example.org",
                        issuer="Riverside Clinic")
    assert uri.startswith("otpauth://totp/") and "secret=JBSWY3DPEHPK3PXPJBSWY3DPEH" in uri
    assert "issuer=Riverside%20Clinic" in uri
    assert qr_data_uri(uri).startswith("data:image/svg+xml")


def test_recovery_codes_are_unique_and_checked_as_typed() -> None:
    codes = new_recovery_codes()
    assert len(set(codes)) == len(codes) == 10
    assert hash_recovery_code(codes[0]) == hash_recovery_code(f"  {codes[0].upper()} ")
    assert hash_recovery_code(codes[0]) != hash_recovery_code(codes[1])
