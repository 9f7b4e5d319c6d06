"""Rendering pages: the Jinja2 environment, its filters, and one helper every route uses."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from aftercare.settings import Settings
from aftercare.timezones import find_zone
from aftercare.web.security import CSRF_FIELD, csrf_token

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


def make_templates(settings: Settings) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.filters["local"] = local_time
    env.filters["local_date"] = local_date
    env.filters["phone"] = readable_phone
    env.filters["waited"] = waited
    env.globals.update(clinic_name=settings.clinic_name, clinic_zone=settings.clinic_timezone,
                       patient_phone_enabled=settings.patient_phone_enabled,
                       csrf_field=CSRF_FIELD)
    return templates


def zone_or_utc(zone: str | None) -> ZoneInfo:
    return find_zone(zone) or ZoneInfo("UTC")


def on_wall_clock(value: datetime, zone: str | None) -> datetime:
    """`value` on the zone's wall clock; in UTC when the zone is unknown or the instant has
    no local time there (a stored year-1 date west of Greenwich), so a page still shows."""
    try:
        return value.astimezone(zone_or_utc(zone))
    except (OverflowError, ValueError):
        return value


def local_time(value: datetime | None, zone: str | None = None, *, year: bool = False) -> str:
    """'Mon 2 Mar, 09:00 EST' on the given zone's wall clock (the patient's, usually)."""
    if value is None:
        return ""
    local = on_wall_clock(value, zone)
    day = f"{local:%a} {local.day} {local:%b}" + (f" {local.year}" if year else "")
    return f"{day}, {local:%H:%M %Z}"


def local_date(value: datetime | None, zone: str | None = None) -> str:
    if value is None:
        return ""
    local = on_wall_clock(value, zone)
    return f"{local:%a} {local.day} {local:%b %Y}"


def readable_phone(e164: str | None) -> str:
    """'+1 212-555-0142' for '+12125550142'; anything unparseable as it is."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def waited(since: datetime, now: datetime) -> str:
    """How long something has waited, as a person says it: '4 min', '2 h 5 min', '3 days'."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours} h {rest} min" if rest and hours < 10 else f"{hours} h"
    return f"{minutes // (24 * 60)} days"


def flash(request: Request, text: str, kind: str = "ok") -> None:
    """A one-time notice shown on the next page (after a redirect)."""
    notices = list(request.session.get("flash", []))
    notices.append({"text": text, "kind": kind})
    request.session["flash"] = notices


def page(request: Request, name: str, context: dict[str, Any] | None = None, *,
         status_code: int = 200, fragment: bool = False) -> HTMLResponse:
    """Render a template with what every page needs. A fragment (polled by JS) leaves the
    one-time notices for the next full page."""
    templates: Jinja2Templates = request.app.state.web_templates
    values: dict[str, Any] = {
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf_token(request),
        "flashes": [] if fragment else request.session.pop("flash", []),
        "path": request.url.path,
        "nobody_on_call": getattr(request.state, "nobody_on_call", []),
    }
    values.update(context or {})
    return templates.TemplateResponse(request, name, values, status_code=status_code)
