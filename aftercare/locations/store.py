"""Locations in the database: the default one (the settings' clinic), adding and changing
them (admin page, `aftercare locations`), and finding the one a number belongs to.

The first location is the default: procedures logged without one belong to it. Migration
0011 makes it from the settings, so a deployment that had only settings keeps working.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from aftercare.db.models import REPLANNABLE, Location, Message, Procedure
from aftercare.db.session import after_commit
from aftercare.errors import InvalidRequest, NotFound
from aftercare.oncall.rota import parse_time
from aftercare.phones import to_e164
from aftercare.settings import Settings
from aftercare.timezones import find_zone

if TYPE_CHECKING:
    from aftercare.queue import TaskQueue

DEFAULT_KEY = "main"
KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
SENDER = re.compile(r"^(\+[1-9]\d{6,14}|MG[0-9a-f]{32})$")
FIELDS = ("key", "name", "address", "phone", "timezone", "sms_sender", "emergency_number",
          "quiet_hours_start", "quiet_hours_end", "oncall_phone", "oncall_email")


def settings_location(settings: Settings | None = None) -> dict[str, Any]:
    """The clinic the settings describe, as a location's columns. Its sender stays the
    settings' own (empty here), so a changed Twilio number needs no second edit."""
    s = settings or Settings()
    return {"key": DEFAULT_KEY, "name": s.clinic_name[:80], "address": "",
            "phone": s.clinic_phone[:32], "timezone": s.clinic_timezone, "sms_sender": "",
            "emergency_number": s.emergency_number[:16], "quiet_hours_start": None,
            "quiet_hours_end": None, "oncall_phone": None, "oncall_email": None}


def default_location(session: Session) -> Location:
    found = session.scalar(select(Location).order_by(Location.id).limit(1))
    if found is None:  # migration 0011 makes it: this database was never migrated
        raise RuntimeError("no location in the database: run `aftercare db upgrade`")
    return found


def location_or_default(session: Session, location_id: int | None) -> Location:
    found = session.get(Location, location_id) if location_id is not None else None
    return found or default_location(session)


def all_locations(session: Session, *, archived: bool = False) -> list[Location]:
    query = select(Location).order_by(Location.id)
    if not archived:
        query = query.where(Location.archived_at.is_(None))
    return list(session.scalars(query))


def by_key(session: Session, key: str) -> Location:
    found = session.scalar(select(Location).where(Location.key == key.strip().lower()))
    if found is None or found.archived_at is not None:
        raise NotFound(f"no location {key!r}")
    return found


def by_sender(session: Session, number: str, settings: Settings) -> Location | None:
    """The location whose sender a reply was sent to; the default one for the settings'
    own number (or a Messaging Service, whose pool number we cannot tell apart)."""
    number = number.strip()
    if number:
        found = session.scalar(select(Location).where(Location.sms_sender == number))
        if found is not None:
            return found
    return None


def add_location(session: Session, values: dict[str, str], *, phone_region: str) -> Location:
    row = Location(**_checked(session, values, phone_region=phone_region, current=None),
                   created_at=datetime.now(UTC))
    session.add(row)
    session.flush()
    return row


def change_location(session: Session, key: str, values: dict[str, str], *,
                    phone_region: str, queue: TaskQueue) -> Location:
    """Change the given fields (the key stays). Texts not sent yet that name the location
    or keep its quiet hours are planned again (by the planner, woken after the commit), so
    no patient is told an old phone number."""
    row = by_key(session, key)
    merged = {name: _shown(getattr(row, name)) for name in FIELDS} | {
        k: v for k, v in values.items() if k in FIELDS and k != "key"}
    before = {name: getattr(row, name) for name in IN_TEXTS}
    for name, value in _checked(session, merged, phone_region=phone_region,
                                current=row).items():
        setattr(row, name, value)
    session.flush()
    if any(getattr(row, name) != old for name, old in before.items()):
        replan_ahead(session, row.id)
        after_commit(session, queue.wake_planning)
    return row


# What planned texts take from their location: its words and its quiet hours.
IN_TEXTS = ("name", "phone", "emergency_number", "quiet_hours_start", "quiet_hours_end")


def replan_ahead(session: Session, location_id: int) -> int:
    """Hand the location's active procedures with texts still to send back to the planner,
    which rewrites those texts (never one already sent). Returns how many."""
    unsent = exists().where(Message.procedure_id == Procedure.id,
                            Message.status.in_(REPLANNABLE))
    return session.execute(  # type: ignore[attr-defined, no-any-return]
        update(Procedure).where(Procedure.location_id == location_id,
                                Procedure.status == "active",
                                Procedure.planned_at.is_not(None),
                                Procedure.plan_error.is_(None), unsent)
        .values(planned_at=None).execution_options(synchronize_session=False)).rowcount


def _shown(value: object) -> str:
    return "" if value is None else str(value)


def _checked(session: Session, values: dict[str, str], *, phone_region: str,
             current: Location | None) -> dict[str, Any]:
    """The location's columns from form or command values, or InvalidRequest naming the
    first field that is wrong; nothing is written."""
    v = {name: str(values.get(name, "") or "").strip() for name in FIELDS}
    key = v["key"].lower() if current is None else current.key
    if not KEY.match(key):
        raise InvalidRequest(("key",), "a short name of lower-case letters, digits and "
                             "dashes, e.g. downtown")
    if current is None and session.scalar(select(Location.id).where(Location.key == key)):
        raise InvalidRequest(("key",), f"there is already a location {key!r}")
    if not v["name"] or len(v["name"]) > 80:
        raise InvalidRequest(("name",), "the name patients know it by, at most 80 characters")
    if not v["phone"] or len(v["phone"]) > 32:
        raise InvalidRequest(("phone",), "the phone patients should call")
    if find_zone(v["timezone"]) is None:
        raise InvalidRequest(("timezone",), "an IANA time zone such as America/Chicago")
    sender = v["sms_sender"]
    if sender and not sender.startswith("MG"):
        try:
            sender = to_e164(sender, default_region=phone_region)
        except ValueError as exc:
            raise InvalidRequest(("sms_sender",), str(exc)) from None
    if sender and not SENDER.match(sender):
        raise InvalidRequest(("sms_sender",), "a Twilio number (+1...) or a Messaging Service "
                             "SID (MG followed by 32 hex digits)")
    taken = sender and session.scalar(select(Location.key).where(
        Location.sms_sender == sender, Location.key != key))
    if taken:
        # A reply to that number must name one location.
        raise InvalidRequest(("sms_sender",), f"location {taken!r} already sends from it")
    emergency = v["emergency_number"] or "911"
    if not re.fullmatch(r"[0-9+ ]{2,16}", emergency):
        raise InvalidRequest(("emergency_number",), "digits only, e.g. 911 or 112")
    quiet: dict[str, str | None] = {}
    for name in ("quiet_hours_start", "quiet_hours_end"):
        try:
            quiet[name] = f"{parse_time(v[name]):%H:%M}" if v[name] else None
        except ValueError as exc:
            raise InvalidRequest((name,), str(exc)) from None
    if (quiet["quiet_hours_start"] is None) != (quiet["quiet_hours_end"] is None):
        raise InvalidRequest(("quiet_hours_end",), "give both ends of the quiet hours, or "
                             "neither (the clinic-wide ones apply)")
    oncall_phone = None
    if v["oncall_phone"]:
        try:
            oncall_phone = to_e164(v["oncall_phone"], default_region=phone_region)
        except ValueError as exc:
            raise InvalidRequest(("oncall_phone",), str(exc)) from None
    email = v["oncall_email"]
    if email and ("@" not in email or " " in email or len(email) > 254):
        raise InvalidRequest(("oncall_email",), f"{email!r} is not an email address")
    return {"key": key, "name": v["name"], "address": v["address"][:200], "phone": v["phone"],
            "timezone": v["timezone"], "sms_sender": sender, "emergency_number": emergency,
            **quiet, "oncall_phone": oncall_phone, "oncall_email": email or None}
