"""The composition root: settings in, a process's adapters out (or the fakes a test passes).

Everything with a connection is built here when a process starts, never at import time:
Celery's prefork workers fork after importing, and each child needs its own engine. The
API builds its container at start-up (`api_from_environment`); a worker builds its own on
the first task it runs (`WorkerApp.container`), in the process that runs it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from celery import Celery, signals
from fastapi import FastAPI
from sqlalchemy import Engine

from aftercare.careplans.loader import load_plans
from aftercare.channels.base import SendChannel
from aftercare.container import Container, utc_now
from aftercare.db.batch_writer import BatchWriter
from aftercare.db.session import make_engine, make_session_factory
from aftercare.dispatch.ratelimit import SendLimiter, build_limiter, sms_sender
from aftercare.media.source import MediaSource
from aftercare.queue import DISPATCH, READ, CeleryQueue, TaskQueue
from aftercare.settings import Settings


def build(
    settings: Settings,
    *,
    channels: dict[str, SendChannel] | None = None,
    queue: TaskQueue | None = None,
    clock: Callable[[], datetime] | None = None,
    engine: Engine | None = None,
    limiter: SendLimiter | None = None,
    photo_source: MediaSource | None = None,
) -> Container:
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    engine = engine or make_engine(settings.database_url)
    if queue is None:
        queue = CeleryQueue(celery_app(settings), window=settings.wakeup_window_seconds)
    container = Container(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        plans=load_plans(settings.schedules_dir),
        channels=channels if channels is not None else build_channels(settings),
        queue=queue,
        limiter=limiter if limiter is not None else build_limiter(
            redis_url=settings.redis_url, rate_per_second=settings.sms_rate_per_second,
            overrides=settings.sms_rate_overrides,
            sender=sms_sender(settings.twilio_from_number,
                              settings.twilio_messaging_service_sid)),
        clock=clock or utc_now,
        photo_source=photo_source,
    )
    _add_writers(container)
    return container


def for_command(settings: Settings | None = None) -> Container:
    """A CLI command's container: its wake-ups go at once, since the process ends soon."""
    settings = settings or Settings()
    return build(settings, queue=CeleryQueue(celery_app(settings)))


def _add_writers(c: Container) -> None:
    """The API's busiest requests share transactions; each writer calls the same service
    function a single request would. The container's clock and queue are read at each call
    (tests swap them)."""
    from aftercare.outbox.status import record_statuses
    from aftercare.procedures.service import log_procedures
    from aftercare.replies.intake import store_replies

    c.reply_writer = BatchWriter(
        lambda session, rows: store_replies(session, rows, queue=c.queue),
        sessions=c.async_sessions, what="the reply")
    c.status_writer = BatchWriter(
        lambda session, callbacks: record_statuses(session, callbacks, now=c.clock(),
                                                   queue=c.queue),
        sessions=c.async_sessions, what="the status callback")
    c.procedure_writer = BatchWriter(
        lambda session, items: log_procedures(
            session, requests=[request for request, _ in items], plans=c.plans,
            queue=c.queue, now=c.clock(), phone_region=c.settings.default_phone_region,
            by=[by for _, by in items]),
        sessions=c.async_sessions, what="the procedure")


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
        from aftercare.patients.unsubscribe import link_for

        def unsubscribe_link(patient_id: int) -> str:  # RFC 8058, in every patient's email
            return link_for(patient_id, secret_key=settings.secret_key.get_secret_value(),
                            base_url=settings.public_base_url)

        channels["email"] = SmtpEmail.from_settings(settings, unsubscribe_link)
    else:
        channels["email"] = ConsoleChannel.from_settings(settings)
    return channels


# --- the HTTP app ---------------------------------------------------------------------


def create_app(container: Container) -> FastAPI:
    from aftercare.conversations.api import router as conversations_router
    from aftercare.conversations.email_in import router as email_router
    from aftercare.fhir.api import router as fhir_router
    from aftercare.http.errors import install_errors
    from aftercare.http.middleware import BodySizeLimit
    from aftercare.observability.http import RequestContext
    from aftercare.ops.health import router as health_router
    from aftercare.ops.metrics import router as metrics_router
    from aftercare.patients.api import router as patients_router
    from aftercare.procedures.api import router as procedures_router
    from aftercare.replies.webhooks import router as webhooks_router
    from aftercare.review.api import router as review_router
    from aftercare.web import install_web

    # Production serves the docs to signed-in users only (aftercare/web/routes/docs.py).
    public_docs = container.settings.environment != "production"
    app = FastAPI(title="aftercare",
                  summary="Post-procedure aftercare reminders for vein clinics",
                  version="0.1.0", docs_url="/docs" if public_docs else None,
                  redoc_url="/redoc" if public_docs else None,
                  openapi_url="/openapi.json" if public_docs else None)
    app.state.container = container
    for router in (procedures_router, conversations_router, fhir_router, patients_router,
                   review_router, webhooks_router, email_router, health_router,
                   metrics_router):
        app.include_router(router)
    install_errors(app)
    install_web(app, container.settings)
    if not public_docs:
        from aftercare.web.routes import docs

        app.include_router(docs.router)
    settings = container.settings
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes,
                       larger={"/api/procedures/batch": settings.max_batch_body_bytes,
                               "/webhooks/email/inbound": settings.max_inbound_email_bytes,
                               "/procedures/import": settings.max_batch_body_bytes})
    # Outermost: every response, a 413 included, gets its request id and security headers.
    app.add_middleware(RequestContext)
    return app


def api_from_environment() -> FastAPI:
    """uvicorn's factory (`aftercare api`): settings and container at start-up."""
    return create_app(build(Settings()))


# --- the Celery app ---------------------------------------------------------------------


class WorkerApp(Celery):
    """The Celery app, carrying the container its tasks run on (see aftercare/worker.py)."""

    def __init__(self, settings: Settings, *, container: Container | None = None) -> None:
        super().__init__("aftercare")
        self.settings = settings
        self._container = container
        self._building = threading.Lock()

    @property
    def container(self) -> Container:
        """Built on first use, in the process that runs the task (after any fork)."""
        if self._container is None:
            with self._building:
                if self._container is None:
                    self._container = build(self.settings, queue=CeleryQueue(
                        self, window=self.settings.wakeup_window_seconds))
        return self._container


def celery_app(settings: Settings, *, container: Container | None = None) -> WorkerApp:
    """A Celery app for the broker and schedule of `settings`; tests pass a container with
    fake or stand-in channels."""
    app = WorkerApp(settings, container=container)
    transport_options: dict[str, object]
    broker_url = settings.broker_url
    if broker_url.startswith("filesystem://"):
        from aftercare.embedded_broker import register

        # The folder broker, with atomic writes and reads (see embedded_broker.py).
        broker_url = register() + "://"
        folder = settings.broker_folder.resolve()
        for sub in ("in", "processed"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        transport_options = {"data_folder_in": str(folder / "in"),
                             "data_folder_out": str(folder / "in"),
                             "processed_folder": str(folder / "processed"),
                             "store_processed": False}
    else:
        # Long enough that an unacked task is never redelivered while still running.
        transport_options = {"visibility_timeout": 3600}
    interval = settings.dispatch_interval_seconds
    reconcile = settings.reconcile_interval_seconds
    app.conf.update(
        broker_url=broker_url,
        broker_transport_options=transport_options,
        broker_connection_retry_on_startup=True,
        include=["aftercare.worker"],
        task_default_queue=settings.celery_queue,
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        # Task events for Flower (`celery -A aftercare.worker --broker URL flower`).
        worker_send_task_events=settings.celery_events,
        task_send_sent_event=settings.celery_events,
        timezone="UTC",
        beat_schedule={
            "dispatch-due": _every(DISPATCH, interval, expires=max(interval * 3, 5)),
            "reconcile-sending": _every("aftercare.reconcile_sending", reconcile,
                                        expires=max(reconcile, 5)),
            "plan-unplanned": _every("aftercare.plan_unplanned", 30.0),
            "read-unread-replies": _every(READ, 30.0),
            "escalate-urgent": _every("aftercare.escalate_urgent", 60.0),
            "fetch-photos": _every("aftercare.fetch_photos", 15.0),
            "forget-stale-sign-ins": _every("aftercare.forget_stale_sign_ins", 3600.0),
            **({"purge-expired": _every("aftercare.purge_expired", 3600.0)}
               if settings.retention_days else {}),
        },
    )
    _connect_signals(settings)
    return app


def _every(task: str, seconds: float, *, expires: float | None = None) -> dict[str, Any]:
    return {"task": task, "schedule": seconds, "options": {"expires": expires or seconds}}


def _connect_signals(settings: Settings) -> None:
    """Logging, task ids in logs, and the worker's metrics port, for worker and beat."""
    from aftercare.observability.logs import bind_task, setup_logging

    def logging_from_settings(loglevel: object = None, **_: object) -> None:
        # Connecting here stops Celery from configuring logging itself; it passes the
        # --loglevel it parsed, as a number.
        level = logging.getLevelName(loglevel) if isinstance(loglevel, int) else loglevel
        setup_logging(settings, level=level if isinstance(level, str) else None)

    def task_started(task_id: str | None = None, task: object = None, **_: object) -> None:
        bind_task(task_id, getattr(task, "name", None))

    def task_finished(**_: object) -> None:
        bind_task(None, None)

    def serve_metrics(**_: object) -> None:
        if settings.worker_metrics_port:
            from prometheus_client import start_http_server

            start_http_server(settings.worker_metrics_port)

    for signal, handler in ((signals.setup_logging, logging_from_settings),
                            (signals.task_prerun, task_started),
                            (signals.task_postrun, task_finished),
                            (signals.worker_init, serve_metrics)):
        signal.connect(handler, weak=False, dispatch_uid=f"aftercare-{handler.__name__}")
