"""Which locations' patients a person may see: staff and clinicians those they work at,
admins all. One rule, applied by every page that shows patient data; a record outside it
is "not found" (404), so its existence is not given away."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select, true
from sqlalchemy.orm import Session

from aftercare.db.models import ApiToken, Location, Procedure, Reply, User
from aftercare.errors import InvalidRequest


@dataclass(frozen=True)
class Scope:
    ids: frozenset[int] | None  # None: every location
    default_id: int  # where a reply not matched yet (no location) belongs
    keys: tuple[str, ...] = ()  # the keys of `ids`, to name them in a refusal

    @property
    def everywhere(self) -> bool:
        return self.ids is None

    def sees(self, location_id: int | None) -> bool:
        return self.ids is None or (location_id or self.default_id) in self.ids

    def procedures(self) -> ColumnElement[bool]:
        """A WHERE clause on Procedure."""
        return true() if self.ids is None else Procedure.location_id.in_(sorted(self.ids))

    def replies(self) -> ColumnElement[bool]:
        """A WHERE clause on Reply."""
        if self.ids is None:
            return true()
        return func.coalesce(Reply.location_id, self.default_id).in_(sorted(self.ids))

    def place(self, key: str | None) -> str | None:
        """Where a procedure logged by this person goes: the location named, if it is one of
        theirs; unnamed, the default location if theirs, else their only one."""
        if self.ids is None:
            return key
        if key is None:
            if self.default_id in self.ids:
                return None
            if len(self.keys) == 1:
                return self.keys[0]
            raise InvalidRequest(("location",), "say where it was done: one of "
                                 + ", ".join(self.keys))
        if key.strip().lower() not in self.keys:
            raise InvalidRequest(("location",), f"{key!r} is not one of your locations ("
                                 + ", ".join(self.keys) + ")")
        return key

    def patients(self, patient_id: Any) -> ColumnElement[bool]:
        """A WHERE clause: the patient has a procedure at one of the locations."""
        if self.ids is None:
            return true()
        return exists(select(Procedure.id).where(Procedure.patient_id == patient_id,
                                                 self.procedures()))


def scope_of(session: Session, user: User) -> Scope:
    default_id = session.scalar(select(func.min(Location.id))) or 0
    if user.role == "admin":
        return Scope(None, default_id)
    return Scope(frozenset(location.id for location in user.locations), default_id,
                 tuple(location.key for location in user.locations))


def token_scope(session: Session, token: ApiToken) -> Scope:
    """What a system feeding us through a token may see: its owner's locations (a token
    made without an owner, all), narrowed to the token's own location when it has one (a
    location's scheduling system sees that location's patients only)."""
    owner = session.get(User, token.user_id) if token.user_id is not None else None
    scope = scope_of(session, owner) if owner is not None else Scope(
        None, session.scalar(select(func.min(Location.id))) or 0)
    if token.location_id is None:
        return scope
    place = session.get(Location, token.location_id)
    if place is None or not scope.sees(place.id):  # its owner no longer works there
        return Scope(frozenset(), scope.default_id)
    return Scope(frozenset({place.id}), scope.default_id, (place.key,))


def procedure_visible(session: Session, scope: Scope, procedure_id: int) -> bool:
    """False also when there is no such procedure: both are "not found"."""
    found = session.execute(select(Procedure.location_id).where(
        Procedure.id == procedure_id)).first()
    return found is not None and scope.sees(found[0])


def reply_visible(session: Session, scope: Scope, reply_id: int) -> bool:
    found = session.execute(select(Reply.location_id).where(Reply.id == reply_id)).first()
    return found is not None and scope.sees(found[0])


def patient_visible(session: Session, scope: Scope, patient_id: int) -> bool:
    if scope.everywhere:
        return True
    return bool(session.scalar(select(scope.patients(patient_id))))
