"""Phone numbers normalised to E.164, so replies can be matched to patients."""

from __future__ import annotations

import phonenumbers


def to_e164(raw: str, *, default_region: str) -> str:
    """E.164 for a valid number, or ValueError saying what is wrong."""
    hint = ("enter a mobile number like (212) 555-0142, or +44 7700 900123 for another "
            "country")
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number ({exc}); {hint}") from None
    if not phonenumbers.is_valid_number(number):
        region = phonenumbers.region_code_for_number(number) or default_region
        raise ValueError(f"{raw!r} is not a valid phone number for region {region}; {hint}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
