"""The demo data, on SQLite and PostgreSQL: two locations, through the logging service and
the reply intake, read into one reply of each triage level, with someone on call and a
clinician of one location; loading it again adds nothing."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from aftercare.container import Container
from aftercare.db.models import Location, OnCallShift, Procedure, Reply, User
from aftercare.ops.demo import DEMO_ADMIN, DEMO_CLINICIAN, PATIENTS, load_demo
from tests.support.queue import run_planning, run_reading


def test_the_demo_fills_the_queue_once(db_url: str,
                                       make_container: Callable[..., Container]) -> None:
    container = make_container(db_url)
    first = load_demo(container)
    assert first.procedures == len(PATIENTS)
    assert first.replies == sum(1 for p in PATIENTS if p.reply)
    assert first.admin_password
    run_planning(container)
    run_reading(container)
    with container.sessions() as session:
        triage = sorted(r.triage for r in session.scalars(select(Reply)))
        assert triage == ["none", "review", "routine", "urgent"]
        assert all(p.planned_at for p in session.scalars(select(Procedure)))
        assert len(session.scalars(select(OnCallShift)).all()) == 7
        users = {u.email: [loc.key for loc in u.locations]
                 for u in session.scalars(select(User))}
        assert users == {DEMO_ADMIN: ["main"], DEMO_CLINICIAN: ["lakeside"]}
        at = {p.patient.first_name: p.location.key for p in session.scalars(select(Procedure))}
        assert sorted(k for k, v in at.items() if v == "lakeside") == ["Harold", "Tobias"]
        replied = {r.body: r.location_id for r in session.scalars(select(Reply))}
        lakeside = session.scalar(select(Location.id).where(Location.key == "lakeside"))
        assert sum(1 for where in replied.values() if where == lakeside) == 2

    again = load_demo(container)
    assert (again.procedures, again.replies, again.admin_password) == (0, 0, None)
    with container.sessions() as session:
        assert len(session.scalars(select(Procedure)).all()) == len(PATIENTS)
        assert len(session.scalars(select(OnCallShift)).all()) == 7
