"""Second factor for people who sign in: TOTP codes (RFC 6238, any authenticator app) and
one-time recovery codes. Pure: no database, the caller stores what these return.

A code is accepted once: the caller keeps the time step of the last one used and passes it
back, so a code seen over a shoulder cannot be replayed within its 30 seconds.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno

# One step either side: a phone clock 30 s off still signs in.
WINDOW = 1
RECOVERY_CODES = 10


@dataclass(frozen=True)
class Checked:
    ok: bool
    step: int | None = None  # the time step of the accepted code, to refuse it again


def new_secret() -> str:
    return pyotp.random_base32()


def enrolment_uri(secret: str, *, account: str, issuer: str) -> str:
    """What the authenticator app scans (otpauth://)."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_data_uri(uri: str) -> str:
    """The QR code as an SVG data URI: served inline, so the secret never sits in a file or
    a URL the browser could cache or log."""
    return str(segno.make(uri, error="m").svg_data_uri(scale=5, dark="#111", light="#fff"))


def check_code(secret: str, code: str, *, now: datetime, last_step: int | None) -> Checked:
    """A six-digit code from the app, once per time step."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return Checked(False)
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if last_step is not None and step <= last_step:
            continue  # used already (or older than one used)
        if hmac.compare_digest(totp.generate_otp(step), code):
            return Checked(True, step)
    return Checked(False)


def new_recovery_codes() -> list[str]:
    """Shown once at enrolment; each signs in once when the phone is lost."""
    return [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]


def hash_recovery_code(code: str) -> str:
    # 48 random bits each, and only ten tries a throttled sign-in allows: a fast hash will do.
    normal = code.strip().lower().replace(" ", "")
    return hashlib.sha256(normal.encode()).hexdigest()
