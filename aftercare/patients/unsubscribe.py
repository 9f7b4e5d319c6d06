"""One-click email unsubscribe (RFC 8058): a signed link in every email to a patient.

The link names the patient and is signed with the server's secret key, so it needs no
sign-in and cannot be forged for another patient; it does not expire (mail is read late).
Following it withdraws email consent through the same correction staff make, recorded as
the patient's own, and re-plans what is still ahead.
"""

from __future__ import annotations

from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from aftercare.careplans.schema import CarePlan
from aftercare.consent import PATIENT
from aftercare.patients.record import Corrected, PatientPatch, correct_patient
from aftercare.planning import PlanningPolicy

SALT = "aftercare-email-unsubscribe"  # a token made for anything else never verifies here


def _signer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=SALT)


def token_for(patient_id: int, *, secret_key: str) -> str:
    return _signer(secret_key).dumps(patient_id)


def link_for(patient_id: int, *, secret_key: str, base_url: str) -> str:
    return f"{base_url.rstrip('/')}/unsubscribe/{token_for(patient_id, secret_key=secret_key)}"


def patient_of(token: str, *, secret_key: str) -> int | None:
    """The patient a genuine token names; None for anything else."""
    try:
        value = _signer(secret_key).loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def unsubscribe(session: Session, *, patient_id: int, plans: dict[str, CarePlan],
                policy: PlanningPolicy, phone_region: str, now: datetime) -> Corrected:
    """No more email to this patient; texts go on as they agreed. Twice is the same as once."""
    return correct_patient(session, patient_id=patient_id,
                           patch=PatientPatch(email_consent=False), actor=PATIENT,
                           plans=plans, policy=policy, phone_region=phone_region, now=now,
                           consent_method="email_link")
