"""`aftercare dev --demo`: a few made-up patients at two locations, so a newcomer sees the
whole loop at once.

Everything goes in through the paths real data takes: the second location through the
locations store, procedures through the logging service, replies through the same intake as
Twilio's webhook. The worker then plans the messages and reads the replies, and the review
queue fills with one reply of each triage level. Loading twice adds nothing (the location,
visits and replies carry fixed keys).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from aftercare.auth.users import create_user, set_locations
from aftercare.container import Container
from aftercare.db.models import Location, User
from aftercare.db.session import transaction
from aftercare.locations.store import add_location
from aftercare.oncall import store
from aftercare.procedures.schemas import PatientIn, ProcedureIn
from aftercare.procedures.service import Logged, log_procedures
from aftercare.replies.inbound import parse_inbound
from aftercare.replies.intake import store_replies

DEMO_ADMIN = "demo-admin@example.org"
DEMO_CLINICIAN = "demo-lakeside@example.org"


SECOND = {"key": "lakeside", "name": "Lakeside Vein Care", "phone": "+1 312 555 0199",
          "timezone": "America/Chicago", "address": "1 Demo Avenue",
          # A number of its own, so replies to it are matched there (a made-up one).
          "sms_sender": "+13125550100"}


@dataclass(frozen=True)
class DemoPatient:
    first_name: str
    phone: str  # 555-01xx: numbers set aside for fiction
    timezone: str
    language: str
    procedure_type: str
    days_ago: int
    reply: str | None  # what they texted back, if anything
    location: str | None = None  # None: the default location


PATIENTS = (
    # urgent: a hot, swollen, painful calf is a possible clot
    DemoPatient("Marguerite", "+12125550131", "America/New_York", "en", "sclerotherapy", 3,
                "My left calf is hot and swollen and it really hurts to walk"),
    # review: a question a clinician should answer
    DemoPatient("Tobias", "+13125550132", "America/Chicago", "en",
                "ultrasound-guided-foam-sclerotherapy", 2,
                "There is a hard lump along the vein, is that normal?", "lakeside"),
    # routine: what the leaflet says to expect
    DemoPatient("Lucía", "+13055550133", "America/New_York", "es", "sclerotherapy", 2,
                "Tengo algunos moretones en el muslo pero estoy bien"),
    # none: all is well
    DemoPatient("Harold", "+14155550134", "America/Los_Angeles", "en",
                "endovenous-thermal-ablation", 1, "All good, walking every day, no swelling",
                "lakeside"),
    DemoPatient("Priya", "+12065550135", "America/Los_Angeles", "en", "sclerotherapy", 0, None),
)


@dataclass(frozen=True)
class Loaded:
    procedures: int  # logged now (0 when the demo was loaded before)
    replies: int
    admin_password: str | None  # set when this created the demo admin


def load_demo(container: Container) -> Loaded:
    now, settings = container.clock(), container.settings
    with transaction(container.sessions) as session:
        if session.scalar(select(Location.id).where(Location.key == SECOND["key"])) is None:
            add_location(session, SECOND, phone_region=settings.default_phone_region)
    requests = [ProcedureIn(
        patient=PatientIn(first_name=p.first_name, phone=p.phone, timezone=p.timezone,
                          language=p.language,  # type: ignore[arg-type]
                          sms_consent=True, email_consent=False),
        procedure_type=p.procedure_type, performed_at=now - timedelta(days=p.days_ago),
        location=p.location,
        external_id=f"DEMO-{i}", clinician="Dr. Demo", allow_duplicate=True)
        for i, p in enumerate(PATIENTS, start=1)
        if p.procedure_type in container.plans]
    password = None
    with transaction(container.sessions) as session:
        results = log_procedures(session, requests=requests, plans=container.plans,
                                 phone_region=settings.default_phone_region,
                                 queue=container.queue, now=now, by="demo")
        logged = sum(1 for r in results if isinstance(r, Logged) and r.created)
        rows = [parse_inbound({"MessageSid": f"SMdemo{i:030d}", "From": p.phone,
                               "To": SECOND["sms_sender"] if p.location
                               else settings.twilio_from_number or "+15550100000",
                               "Body": p.reply}, now=now).row
                for i, p in enumerate(PATIENTS, start=1) if p.reply]
        stored = store_replies(session, rows, queue=container.queue)
        if not (store.rows(session) or settings.oncall_phone or settings.oncall_email):
            # Someone on call all week, so the urgent reply alerts them (in the outbox).
            for day in range(7):
                store.add_shift(session, {"weekday": str(day), "starts": "00:00",
                                          "ends": "00:00", "name": "Dr. Demo (on call)",
                                          "phone": "+12125550100"},
                                by="demo", phone_region=settings.default_phone_region)
        if not session.scalar(select(func.count()).select_from(User)):
            password = secrets.token_urlsafe(12)
            create_user(session, email=DEMO_ADMIN, role="admin", password=password,
                        name="Demo admin")
            # A clinician at the second location only, to see what staff of one location see.
            clinician = create_user(session, email=DEMO_CLINICIAN, role="clinician",
                                    password=password, name="Demo clinician")
            set_locations(session, user_id=clinician.id, keys=[SECOND["key"]])
    return Loaded(logged, sum(1 for s in stored if s.created), password)
