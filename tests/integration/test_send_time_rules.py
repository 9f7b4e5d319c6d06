"""A night-time recheck after an outage: nothing goes out at night, reminders wait for the
morning or are skipped when too late, and a safety reply still goes at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from aftercare.channels.base import RecordingChannel
from aftercare.container import Container
from aftercare.db.models import Message, Patient, Procedure
from aftercare.db.session import transaction
from aftercare.dispatch.loop import dispatch_due
from aftercare.outbox import writer
from aftercare.outbox.planned import plan_pending
from tests.conftest import FrozenClock
from tests.support.factories import DEFAULT_LOCATION

NY = ZoneInfo("America/New_York")
PERFORMED = datetime(2026, 3, 2, 16, 0, tzinfo=NY).astimezone(UTC)  # a Monday, 16:00 local
NIGHT = datetime(2026, 3, 2, 22, 24, tzinfo=NY).astimezone(UTC)
MORNING = datetime(2026, 3, 3, 8, 0, tzinfo=NY).astimezone(UTC)


def run(container: Container):  # type: ignore[no-untyped-def]
    return dispatch_due(sessions=container.sessions, channels=container.channels,
                        policy=container.dispatch_policy, clock=container.clock)


def sent(container: Container) -> list[tuple[str, int]]:
    return [(channel, o.message_id) for channel, c in container.channels.items()
            if isinstance(c, RecordingChannel) for o in c.sent]


def test_after_an_outage_nothing_goes_at_night(
        db_url: str, make_container: Callable[..., Container]) -> None:
    clock = FrozenClock(PERFORMED)
    container = make_container(db_url, clock=clock)
    with transaction(container.sessions) as session:
        patient = Patient(first_name="Ana", phone="+12125550100", email="ana@example.org",
                          timezone="America/New_York", language="en", sms_consent=True,
                          email_consent=True)
        procedure = Procedure(location_id=DEFAULT_LOCATION,
                              patient=patient, procedure_type="sclerotherapy",
                              performed_at=PERFORMED, status="active", side="left")
        session.add(procedure)
    with transaction(container.sessions) as session:
        assert plan_pending(session, plans=container.plans, policy=container.planning_policy,
                            now=PERFORMED, limit=10) == 1
        procedure_id = session.scalar(select(Procedure.id))
        patient_id = session.scalar(select(Patient.id))
    # The worker was down from before the welcome (16:00) and the walk nudge (18:00) until
    # 22:24 patient time; a red-flag reply came in just before it was back.
    with transaction(container.sessions) as session:
        writer.insert(session, [writer.NewMessage(
            dedupe_key=f"reply:1:{step}:sms", step=step, channel="sms", kind=kind,
            due_at=NIGHT - timedelta(minutes=2), local_due="", body="Call 911 now",
            procedure_id=procedure_id, patient_id=patient_id if kind == "safety" else None,
            audience="patient" if kind == "safety" else "clinician",
            to_address=None if kind == "safety" else "+12125550199",
            # Even given an expiry, the service's urgent messages are exempt.
            expires_at=NIGHT - timedelta(minutes=1))
            for step, kind in (("safety", "safety"), ("alert1", "alert"))])
    clock.now = NIGHT
    report = run(container)

    with container.sessions() as session:
        rows = {m.step + ":" + m.channel: m for m in session.scalars(select(Message))}
    urgent = {rows["safety:sms"].id, rows["alert1:sms"].id}
    assert {i for _, i in sent(container)} == urgent  # at night, only the safety text and alert
    assert rows["safety:sms"].status == rows["alert1:sms"].status == "sent"

    walk = rows["walk_2h:sms"]
    assert walk.expires_at == walk.due_at + timedelta(hours=3)
    assert walk.status == "skipped"
    assert walk.reason == "skipped: 4 h late, expired after 3 h"
    for key in ("welcome:sms", "welcome:email"):
        assert rows[key].status == "planned"
        assert rows[key].send_after == MORNING
        assert rows[key].reason == "waited for quiet hours to end (22:24 patient time; goes " \
                                   "Tue 08:00)"
        assert rows[key].attempts == 0  # the held claim was not an attempt
    assert (report.sent, report.skipped, report.waiting) == (2, 1, 2)

    # Still night: a second run claims nothing.
    clock.now = NIGHT + timedelta(hours=2)
    assert run(container).claimed == 0

    clock.now = MORNING
    report = run(container)
    assert report.sent == 2
    with container.sessions() as session:
        welcome = session.scalars(select(Message).where(Message.step == "welcome")).all()
    assert {m.status for m in welcome} == {"sent"}
    assert {m.sent_at for m in welcome} == {MORNING}
    # The timeline still says why they left at 08:00 and not at 16:00.
    assert all(m.reason and m.reason.startswith("waited for quiet hours") for m in welcome)
    assert len(sent(container)) == 4  # each message once
