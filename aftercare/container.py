"""What a process runs on: settings and the adapters built from them (see bootstrap.py).

The edges (HTTP routes, Celery tasks, CLI commands) take what they need from here and pass
it on; services are handed what they use, never the container.
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, sessionmaker

from aftercare.auth.tokens import TokenCache
from aftercare.careplans.schema import CarePlan, QuietHours
from aftercare.channels.base import SendChannel
from aftercare.db.batch_writer import BatchWriter
from aftercare.db.session import make_async_session_factory
from aftercare.dispatch.policy import DispatchPolicy
from aftercare.dispatch.ratelimit import SendLimiter
from aftercare.media.store import MediaStore, media_store
from aftercare.planning import PlanningPolicy
from aftercare.queue import TaskQueue
from aftercare.settings import Settings

if TYPE_CHECKING:
    from aftercare.media.source import MediaSource


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
    limiter: SendLimiter
    clock: Callable[[], datetime] = utc_now
    # Where MMS photos are fetched from; None: Twilio's (or plain HTTP on the embedded
    # default), built on first use. Tests pass a stand-in.
    photo_source: MediaSource | None = None
    # The API's busiest requests, written many to a transaction (db/batch_writer.py); set
    # by bootstrap.build.
    reply_writer: BatchWriter[Any, Any] = field(init=False)
    status_writer: BatchWriter[Any, Any] = field(init=False)
    procedure_writer: BatchWriter[Any, Any] = field(init=False)

    @functools.cached_property
    def _async_sessions(self) -> weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, async_sessionmaker[AsyncSession]]:
        return weakref.WeakKeyDictionary()

    def async_sessions(self) -> async_sessionmaker[AsyncSession]:
        """Sessions for code on the running event loop. An API process has one loop; a test
        may run several, and asyncio connections cannot move between loops."""
        loop = asyncio.get_running_loop()
        found = self._async_sessions.get(loop)
        if found is None:
            found = self._async_sessions[loop] = make_async_session_factory(self.engine)
        return found

    @functools.cached_property
    def token_cache(self) -> TokenCache[Any]:
        """API tokens checked recently by this process, with what they may see
        (http/deps.py)."""
        return TokenCache(ttl=self.settings.token_cache_seconds)

    @functools.cached_property
    def media_source(self) -> MediaSource:
        if self.photo_source is not None:
            return self.photo_source
        if self.settings.sms_channel == "twilio":
            from aftercare.channels.twilio_media import TwilioMedia

            return TwilioMedia.from_settings(self.settings)
        from aftercare.channels.twilio_media import PlainMedia

        return PlainMedia()

    @functools.cached_property
    def media_store(self) -> MediaStore:
        s = self.settings
        return media_store(folder=s.media_folder, bucket=s.media_bucket,
                           prefix=s.media_bucket_prefix, endpoint_url=s.media_s3_endpoint,
                           region=s.media_s3_region)

    @property
    def planning_policy(self) -> PlanningPolicy:
        return PlanningPolicy.from_settings(self.settings)

    @property
    def dispatch_policy(self) -> DispatchPolicy:
        s = self.settings
        return DispatchPolicy(
            batch_size=s.dispatch_batch_size, max_attempts=s.max_send_attempts,
            retry_base_seconds=s.retry_base_seconds, retry_max_seconds=s.retry_max_seconds,
            sending_timeout_seconds=s.sending_timeout_seconds,
            send_concurrency=s.dispatch_send_concurrency,
            linger_seconds=s.dispatch_interval_seconds, urgent_first=s.urgent_first,
            quiet_hours=QuietHours(start=s.quiet_hours_start, end=s.quiet_hours_end),
            plan_quiet_hours={key: plan.quiet_hours for key, plan in self.plans.items()
                              if plan.quiet_hours is not None},
        )


@dataclass
class CommandContext:
    """What `aftercare` hands each command (click's `ctx.obj`): a container, built only by
    the commands that need one, with wake-ups sent at once (bootstrap.for_command)."""

    build: Callable[[], Container]

    @functools.cached_property
    def container(self) -> Container:
        return self.build()
