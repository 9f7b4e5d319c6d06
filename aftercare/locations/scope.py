"""Which locations' patients a person may see: staff and clinicians those they work at,
admins all. One rule, applied by every page that shows patient data; a record outside it
is "not found" (404), so its existence is not given away."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select, true
from sqlalchemy.orm import Session

from aftercare.db.models import Location, Procedure, Reply, User


@dataclass(frozen=True)
class Scope:
    ids: frozenset[int] | None  # None: every location
    default_id: int  # where a reply not matched yet (no location) belongs

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
    return Scope(frozenset(location.id for location in user.locations), default_id)


def patient_visible(session: Session, scope: Scope, patient_id: int) -> bool:
    if scope.everywhere:
        return True
    return bool(session.scalar(select(scope.patients(patient_id))))
