"""A patient's consent: SMS opt-out and opt-in, whatever asked for it (a STOP or START text,
words staff acted on, the provider refusing the number), change the same records and the
same messages follow; every change is kept with when, how and by whom."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from aftercare.careplans.schema import CarePlan
from aftercare.db.models import ConsentEvent, Patient
from aftercare.outbox import writer
from aftercare.outbox.planned import replan
from aftercare.planning import PlanningPolicy

Channel = Literal["sms", "email"]
# How consent was given or withdrawn: the answers logged with a procedure (by whoever logged
# it: the form, a token's system, a day list); staff record a form or the patient's word;
# the patient's own STOP/START text, a reply in words staff acted on, the email unsubscribe
# link and the provider's refusal record themselves.
ConsentMethod = Literal["intake", "form", "verbal", "sms_keyword", "sms_reply", "email_link",
                        "provider"]
METHOD_WORDS = {"intake": "logged with a procedure",
                "form": "consent form", "verbal": "told staff", "sms_keyword": "texted a keyword",
                "sms_reply": "asked in a text reply", "email_link": "email unsubscribe link",
                "provider": "the carrier refused the number"}
PATIENT = "patient"  # the actor when the patient changed it themselves


def record_consent(session: Session, *, patient_id: int, channel: Channel, granted: bool,
                   method: ConsentMethod, actor: str, now: datetime, note: str | None = None
                   ) -> None:
    session.add(ConsentEvent(patient_id=patient_id, channel=channel, granted=granted,
                             method=method, actor=actor[:120], at=now,
                             note=(note or "").strip()[:200] or None))


def consent_history(session: Session, patient_id: int) -> list[ConsentEvent]:
    return list(session.scalars(select(ConsentEvent).where(
        ConsentEvent.patient_id == patient_id).order_by(ConsentEvent.at, ConsentEvent.id)))


def opt_out_of_sms(session: Session, *, patients: Iterable[Patient], now: datetime,
                   reason: str, method: ConsentMethod, actor: str = PATIENT) -> None:
    """No more care-plan texts to these patients; email goes on where they agreed to it."""
    for patient in patients:
        patient.sms_opted_out_at = now
        writer.cancel(session, patient_sms_of=patient.id, reason=reason)
        record_consent(session, patient_id=patient.id, channel="sms", granted=False,
                       method=method, actor=actor, now=now)


def opt_back_in_to_sms(session: Session, *, patients: Iterable[Patient],
                       plans: dict[str, CarePlan], policy: PlanningPolicy, now: datetime,
                       method: ConsentMethod, actor: str = PATIENT) -> None:
    """Texts again: what is still ahead comes back; what passed meanwhile stays skipped."""
    for patient in patients:
        patient.sms_opted_out_at = None
        record_consent(session, patient_id=patient.id, channel="sms", granted=True,
                       method=method, actor=actor, now=now)
        active = [p.id for p in patient.procedures if p.status == "active"]
        if active:
            replan(session, procedure_ids=active, plans=plans, policy=policy, now=now,
                   revive_cancelled=True)
