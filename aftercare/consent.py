"""A patient's SMS opt-out and opt-in: whatever asked for it (a STOP or START text, the
provider refusing the number), the same records change and the same messages follow."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from aftercare.careplans.schema import CarePlan
from aftercare.db.models import Patient
from aftercare.outbox import writer
from aftercare.outbox.planned import replan
from aftercare.planning import PlanningPolicy


def opt_out_of_sms(session: Session, *, patients: Iterable[Patient], now: datetime,
                   reason: str) -> None:
    """No more care-plan texts to these patients; email goes on where they agreed to it."""
    for patient in patients:
        patient.sms_opted_out_at = now
        writer.cancel(session, patient_sms_of=patient.id, reason=reason)


def opt_back_in_to_sms(session: Session, *, patients: Iterable[Patient],
                       plans: dict[str, CarePlan], policy: PlanningPolicy, now: datetime
                       ) -> None:
    """Texts again: what is still ahead comes back; what passed meanwhile stays skipped."""
    for patient in patients:
        patient.sms_opted_out_at = None
        active = [p.id for p in patient.procedures if p.status == "active"]
        if active:
            replan(session, procedure_ids=active, plans=plans, policy=policy, now=now,
                   revive_cancelled=True)
