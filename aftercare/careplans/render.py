"""Filling a care-plan text with a patient's values, and the values the length check assumes.

Placeholders are `{name}` with a name from `schema.PLACEHOLDERS`. The loader rejects unknown
names before a plan is used, so `render` can refuse anything it cannot fill instead of
sending a text with a raw `{...}` in it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import datetime

from aftercare.careplans.schema import Language

PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class RenderError(ValueError):
    """A template names a placeholder that has no value."""


def placeholders(template: str) -> list[str]:
    """The placeholder names a template uses, in order of first use."""
    return list(_placeholders(template))


@functools.lru_cache(maxsize=4096)  # a care plan's few templates, rendered for every patient
def _placeholders(template: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(PLACEHOLDER_RE.findall(template)))


def stray_braces(template: str) -> bool:
    """True when a `{` or `}` is left over once the placeholders are taken out (a typo)."""
    rest = PLACEHOLDER_RE.sub("", template)
    return "{" in rest or "}" in rest


def render(template: str, values: Mapping[str, str]) -> str:
    missing = [name for name in _placeholders(template) if name not in values]
    if missing:
        raise RenderError(f"no value for placeholder(s) {', '.join(missing)}")
    # One pass with a function, so a value that itself contains "{x}" is never re-expanded.
    return PLACEHOLDER_RE.sub(lambda m: values[m.group(1)], template)


# Fixed tables rather than strftime("%a %b"): strftime follows the process locale, and a
# worker started with another LANG would send different (or non-GSM-7) dates.
_DAYS: dict[Language, tuple[str, ...]] = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    # "sáb" would need UCS-2 in an SMS (á is not GSM-7); "mié" is fine (é is).
    "es": ("lun", "mar", "mié", "jue", "vie", "sab", "dom"),
}
_MONTHS: dict[Language, tuple[str, ...]] = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"),
}


def format_follow_up_date(dt_local: datetime, language: Language) -> str:
    """'Wed 16 Dec 10:30' / 'mié 16 dic 10:30'; `dt_local` is already in the patient's zone."""
    day = _DAYS[language][dt_local.weekday()]
    month = _MONTHS[language][dt_local.month - 1]
    return f"{day} {dt_local.day} {month} {dt_local:%H:%M}"


# Worst-case realistic values for the SMS length check (GUIDANCE.md §4): a 9-character first
# name, a 16-character clinic name, a phone as the seed settings write it (15 characters, longer
# than the 13 the guidance assumes), the longest date format_follow_up_date gives, and 911.
# None of them names a procedure, so the privacy check only sees the plan's own words.
REALISTIC_VALUES: Mapping[str, str] = {
    "first_name": "Alexandra",
    "clinic_name": "Riverside Clinic",
    "clinic_phone": "+1 555 010 2030",
    "follow_up_date": "Wed 16 Dec 10:30",
    "emergency_number": "911",
}

_SAMPLE_FOLLOW_UP = datetime(2026, 12, 16, 10, 30)


def realistic_values(language: Language) -> dict[str, str]:
    """REALISTIC_VALUES with the follow-up date written in `language`."""
    return {
        **REALISTIC_VALUES,
        "follow_up_date": format_follow_up_date(_SAMPLE_FOLLOW_UP, language),
    }
