"""Phone numbers normalised to E.164, so replies can be matched to patients."""

from __future__ import annotations

import phonenumbers


def to_e164(raw: str, *, default_region: str) -> str:
    """E.164 for a valid number, or ValueError saying what is wrong."""
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number: {exc}") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"{raw!r} is not a valid phone number for region "
                         f"{phonenumbers.region_code_for_number(number) or default_region}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask(phone: str) -> str:
    """For logs: only the last four digits."""
    return "***" + phone[-4:] if len(phone) > 4 else "***"
