"""The composition root: settings in, real adapters (or the fakes a test passes) out.

Everything with a connection is built here, when a process starts, never at import time:
Celery's prefork workers fork after importing, and each child needs its own engine.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from aftercare.careplans.loader import load_plans
from aftercare.careplans.schema import CarePlan, QuietHours
from aftercare.channels.base import SendChannel
from aftercare.db.session import make_engine, make_session_factory
from aftercare.dispatch.send import DispatchPolicy
from aftercare.planning import ClinicContext
from aftercare.procedures.outbox import PlanningPolicy
from aftercare.settings import Settings

if TYPE_CHECKING:
    from aftercare.auth.tokens import TokenCache
    from aftercare.dispatch.status_intake import StatusIntake
    from aftercare.procedures.intake import ProcedureIntake
    from aftercare.replies.intake import AsyncReplyIntake, ReplyIntake


class TaskQueue(Protocol):
    """Work handed to the Celery worker. Called only after the transaction committed."""

    def plan_procedure(self, procedure_id: int) -> None: ...

    def process_reply(self, reply_id: int) -> None: ...

    def dispatch_now(self) -> None: ...


@dataclass
class RecordingQueue:
    """A fake queue for tests that run the services themselves."""

    planned: list[int] = field(default_factory=list)
    replies: list[int] = field(default_factory=list)
    dispatches: int = 0

    def plan_procedure(self, procedure_id: int) -> None:
        self.planned.append(procedure_id)

    def process_reply(self, reply_id: int) -> None:
        self.replies.append(reply_id)

    def dispatch_now(self) -> None:
        self.dispatches += 1


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Container:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    plans: dict[str, CarePlan]
    channels: dict[str, SendChannel]
    queue: TaskQueue
    clock: Callable[[], datetime] = utc_now

    @functools.cached_property
    def token_cache(self) -> TokenCache:
        """API tokens checked recently by this process (auth/tokens.py)."""
        from aftercare.auth.tokens import TokenCache

        return TokenCache(ttl=self.settings.token_cache_seconds)

    @functools.cached_property
    def reply_intake(self) -> ReplyIntake:
        """Stores inbound replies many to a transaction (replies/intake.py)."""
        from aftercare.replies.intake import ReplyIntake

        return ReplyIntake(self.engine)

    @functools.cached_property
    def procedure_intake(self) -> ProcedureIntake:
        """Logs concurrent single POSTs many to a transaction (procedures/intake.py)."""
        from aftercare.procedures.intake import ProcedureIntake

        return ProcedureIntake(self)

    @functools.cached_property
    def status_intake(self) -> StatusIntake:
        """Records Twilio's status callbacks many to a transaction (dispatch/status_intake.py)."""
        from aftercare.dispatch.status_intake import StatusIntake

        # Looked up at each call: tests swap the clock and the queue of a built container.
        return StatusIntake(self.sessions, clock=lambda: self.clock(),
                            on_fallback=lambda: self.queue.dispatch_now())

    @functools.cached_property
    def async_reply_intake(self) -> AsyncReplyIntake | None:
        """The webhook's intake on the event loop, on PostgreSQL (replies/intake.py)."""
        if self.engine.dialect.name != "postgresql":
            return None
        from aftercare.replies.intake import AsyncReplyIntake

        url = self.engine.url.set(drivername="postgresql")
        return AsyncReplyIntake(url.render_as_string(hide_password=False))

    @property
    def planning_policy(self) -> PlanningPolicy:
        s = self.settings
        return PlanningPolicy(
            clinic=ClinicContext(name=s.clinic_name, phone=s.clinic_phone,
                                 emergency_number=s.emergency_number),
            quiet_hours=QuietHours(start=s.quiet_hours_start, end=s.quiet_hours_end),
            grace=timedelta(minutes=s.late_grace_minutes),
        )

    @property
    def dispatch_policy(self) -> DispatchPolicy:
        s = self.settings
        return DispatchPolicy(
            batch_size=s.dispatch_batch_size, max_attempts=s.max_send_attempts,
            retry_base_seconds=s.retry_base_seconds, retry_max_seconds=s.retry_max_seconds,
            sending_timeout_seconds=s.sending_timeout_seconds,
            send_concurrency=s.dispatch_send_concurrency,
            linger_seconds=s.dispatch_interval_seconds,
        )


def build_channels(settings: Settings) -> dict[str, SendChannel]:
    from aftercare.channels.console import ConsoleChannel

    channels: dict[str, SendChannel] = {}
    if settings.sms_channel == "twilio":
        from aftercare.channels.twilio_sms import TwilioSMS

        channels["sms"] = TwilioSMS.from_settings(settings)
    else:
        channels["sms"] = ConsoleChannel.from_settings(settings)
    if settings.email_channel == "smtp":
        from aftercare.channels.smtp_email import SmtpEmail

        channels["email"] = SmtpEmail.from_settings(settings)
    else:
        channels["email"] = ConsoleChannel.from_settings(settings)
    return channels


def build(
    settings: Settings,
    *,
    channels: dict[str, SendChannel] | None = None,
    queue: TaskQueue | None = None,
    clock: Callable[[], datetime] | None = None,
    engine: Engine | None = None,
) -> Container:
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    engine = engine or make_engine(settings.database_url)
    if queue is None:
        from aftercare.worker import CeleryQueue, configure

        queue = CeleryQueue(configure(settings), wakeup_window=settings.wakeup_window_seconds)
    return Container(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        plans=load_plans(settings.schedules_dir),
        channels=channels if channels is not None else build_channels(settings),
        queue=queue,
        clock=clock or utc_now,
    )
