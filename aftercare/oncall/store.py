"""The on-call rota in the database (oncall_shifts), and who is on call now."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from aftercare.db.models import Location, OnCallShift
from aftercare.errors import InvalidRequest, NotFound
from aftercare.oncall.rota import Contact, OnCall, Shift, on_call, parse_time, uncovered
from aftercare.phones import to_e164
from aftercare.settings import Settings


def shifts(session: Session, location_id: int | None = None) -> list[Shift]:
    """The rota; of one location, its own shifts and the group-wide ones."""
    query = select(OnCallShift).order_by(OnCallShift.weekday, OnCallShift.starts,
                                         OnCallShift.id)
    if location_id is not None:
        query = query.where(or_(OnCallShift.location_id.is_(None),
                                OnCallShift.location_id == location_id))
    rows = session.scalars(query)
    out = []
    for row in rows:
        try:
            starts, ends = parse_time(row.starts), parse_time(row.ends)
        except ValueError:
            continue  # written by hand into the table: the page refuses such times
        backup = Contact(row.backup_name or "", row.backup_phone, row.backup_email)
        out.append(Shift(row.weekday, starts, ends, Contact(row.name, row.phone, row.email),
                         backup if backup.reachable else None))
    return out


def settings_contacts(settings: Settings) -> tuple[Contact, Contact]:
    return (Contact("on-call (settings)", settings.oncall_phone or None,
                    settings.oncall_email or None),
            Contact("backup (settings)", settings.backup_phone or None,
                    settings.backup_email or None))


def now_on_call(session: Session, settings: Settings, at: datetime,
                rota: list[Shift] | None = None, *, location: Location | None = None
                ) -> OnCall:
    """Who is on call at `at` (for a location: on its rota and the group-wide shifts, in
    its time zone, its own on-call contact covering the gaps); `rota` when the caller has
    read it already."""
    first, backup = settings_contacts(settings)
    zone = settings.clinic_timezone
    if location is not None:
        zone = location.timezone
        first = gap_contact(settings, location)
        if rota is None:
            rota = shifts(session, location.id)
    return on_call(shifts(session) if rota is None else rota, at, ZoneInfo(zone),
                   fallback=first, fallback_backup=backup)


def gap_contact(settings: Settings, location: Location) -> Contact:
    """Who a location's alerts go to in the hours its rota leaves open: its own on-call
    contact, else the settings'. Not reachable: nobody."""
    own = Contact(f"on-call ({location.name})", location.oncall_phone, location.oncall_email)
    return own if own.reachable else settings_contacts(settings)[0]


@dataclass(frozen=True)
class Cover:
    """One location's on-call cover, judged on its own rota (its shifts and the group-wide
    ones): another location's full rota alerts nobody here."""

    location: Location
    rota: list[Shift]
    now: OnCall
    gaps: list[str]  # the weekly hours no shift covers
    in_gaps: Contact | None  # who those hours alert; None: nobody


def cover(session: Session, settings: Settings, at: datetime, *,
          location_ids: Collection[int] | None = None) -> list[Cover]:
    """Each location's cover (of the given ones; None: every open location)."""
    found = []
    for place in _open_locations(session, location_ids):
        rota = shifts(session, place.id)
        fallback = gap_contact(settings, place)
        found.append(Cover(place, rota, now_on_call(session, settings, at, rota,
                                                    location=place),
                           uncovered(rota), fallback if fallback.reachable else None))
    return found


ROTA_FIELDS = ("weekday", "starts", "ends", "name", "phone", "email", "backup_name",
               "backup_phone", "backup_email", "location")


def add_shift(session: Session, values: dict[str, str], *, by: str, phone_region: str
              ) -> OnCallShift:
    """A shift from the admin form, checked field by field; nothing is written on a problem."""
    def phone(field: str) -> str | None:
        raw = values.get(field, "").strip()
        if not raw:
            return None
        try:
            return to_e164(raw, default_region=phone_region)
        except ValueError:
            raise InvalidRequest((field,), f"{raw!r} is not a valid phone number") from None

    def email(field: str) -> str | None:
        raw = values.get(field, "").strip()
        if raw and ("@" not in raw or " " in raw or len(raw) > 254):
            raise InvalidRequest((field,), f"{raw!r} is not an email address")
        return raw or None

    weekday = values.get("weekday", "")
    if weekday not in {str(d) for d in range(7)}:
        raise InvalidRequest(("weekday",), "choose a day of the week")
    for field in ("starts", "ends"):
        try:
            parse_time(values.get(field, ""))
        except ValueError as exc:
            raise InvalidRequest((field,), str(exc)) from None
    name = values.get("name", "").strip()
    if not name:
        raise InvalidRequest(("name",), "who is on call?")
    location_id = None
    if values.get("location", "").strip():  # empty: a shift for every location
        location_id = session.scalar(select(Location.id).where(
            Location.key == values["location"].strip()))
        if location_id is None:
            raise InvalidRequest(("location",), f"no location {values['location']!r}")
    row = OnCallShift(
        location_id=location_id, weekday=int(weekday),
        starts=f"{parse_time(values['starts']):%H:%M}",
        ends=f"{parse_time(values['ends']):%H:%M}", name=name[:120], phone=phone("phone"),
        email=email("email"), backup_name=values.get("backup_name", "").strip()[:120] or None,
        backup_phone=phone("backup_phone"), backup_email=email("backup_email"), updated_by=by)
    if not (row.phone or row.email):
        raise InvalidRequest(("phone",), "give a mobile phone or an email to alert")
    session.add(row)
    session.flush()
    return row


def remove_shift(session: Session, shift_id: int) -> OnCallShift:
    row = session.get(OnCallShift, shift_id)
    if row is None:
        raise NotFound(f"no on-call shift {shift_id}")
    session.delete(row)
    session.flush()
    return row


def rows(session: Session) -> list[OnCallShift]:
    return list(session.scalars(select(OnCallShift).order_by(
        OnCallShift.weekday, OnCallShift.starts, OnCallShift.id)))


def nobody_on_call(session: Session, settings: Settings, at: datetime, *,
                   location_ids: Collection[int] | None = None) -> list[str]:
    """The names of the locations (of the given ones) whose urgent alerts would reach
    nobody now."""
    return [place.name for place in _open_locations(session, location_ids)
            if now_on_call(session, settings, at, location=place).first is None]


def _open_locations(session: Session, ids: Collection[int] | None) -> list[Location]:
    query = select(Location).where(Location.archived_at.is_(None)).order_by(Location.id)
    if ids is not None:
        query = query.where(Location.id.in_(sorted(ids)))
    return list(session.scalars(query))
