"""One typed Settings object, read from the environment (prefix AFTERCARE_) at start-up.

Nothing here connects to anything: engines, channels and the Celery app are built from a
Settings instance in `bootstrap.py`, after the process (or the forked worker) has started.
"""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["development", "test", "production"]

# Values that must never reach production: the defaults below and the usual placeholders.
PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "dev", "development", "test"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AFTERCARE_", env_file=".env", extra="ignore")

    environment: Environment = "development"
    secret_key: SecretStr = SecretStr("dev")

    # Storage and queues. The defaults are the embedded setup: SQLite and a broker that is a
    # folder on disk, so `aftercare dev` needs no server.
    var_dir: Path = Path("var")
    # Unset: the SQLite file in var_dir, so AFTERCARE_VAR_DIR alone moves all local data.
    database_url: str = ""
    broker_url: str = "filesystem://"
    celery_queue: str = "aftercare"
    redis_url: str | None = None

    schedules_dir: Path = Path("schedules")

    # Channels: "console" records what would be sent; "twilio" / "smtp" deliver for real.
    sms_channel: Literal["console", "twilio"] = "console"
    email_channel: Literal["console", "smtp"] = "console"

    twilio_account_sid: str = ""
    twilio_auth_token: SecretStr = SecretStr("")
    twilio_from_number: str = ""
    twilio_messaging_service_sid: str = ""
    # Only for tests and local stand-ins: where the official client's requests go instead.
    twilio_api_base_url: str | None = None

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 10.0
    email_from: str = "aftercare@example.org"

    # No procedure words in the name: it goes into every SMS (privacy, minimum necessary).
    clinic_name: str = "Riverside Clinic"
    clinic_phone: str = "+1 555 010 2030"
    clinic_timezone: str = "America/New_York"
    emergency_number: str = "911"
    public_base_url: str = "http://127.0.0.1:8000"
    default_phone_region: str = "US"

    quiet_hours_start: time = time(21, 0)
    quiet_hours_end: time = time(8, 0)
    late_grace_minutes: int = 60

    # Dispatch: how often beat looks for due messages, how many one claim takes, when a
    # message stuck in "sending" is reconciled, and how transient provider errors back off.
    dispatch_interval_seconds: float = 1.0
    dispatch_batch_size: int = 200
    dispatch_send_concurrency: int = Field(default=32, ge=1, le=256)
    # Keep-alive connections to Twilio per worker process: at least the sends in flight at
    # once (worker threads x dispatch_send_concurrency), or the rest reconnect every time.
    twilio_connections: int = Field(default=64, ge=1, le=1000)
    sending_timeout_seconds: int = 300
    max_send_attempts: int = 6
    retry_base_seconds: float = 30.0
    retry_max_seconds: float = 3600.0
    # The API wakes the worker for new procedures and replies at most this often (seconds);
    # each wake-up plans or reads everything pending. 0: one task per procedure or reply.
    wakeup_window_seconds: float = Field(default=0.02, ge=0, le=5)

    # Replies: how far back a reply may answer a check-in, who is alerted about urgent ones,
    # and how long an urgent reply may wait for review before the alert goes again.
    reply_window_hours: int = 72
    oncall_phone: str = ""
    oncall_email: str = ""
    backup_phone: str = ""
    backup_email: str = ""
    escalation_minutes: int = 15

    # How long an API process trusts a token it checked without asking the database again:
    # a token revoked on another API process stops working within this many seconds.
    token_cache_seconds: float = Field(default=10.0, ge=0, le=300)

    # Clinicians and admins must sign in with a second factor (a TOTP app); unset: required
    # in production only.
    two_factor_required: bool | None = None
    # Web sessions: kept in the database, ended at sign-out or this long after sign-in.
    session_max_age_minutes: int = 12 * 60
    # GET /metrics needs `Authorization: Bearer <this>` when set; unset, it is open in
    # development and tests and 404 in production.
    metrics_token: SecretStr | None = None
    # The patient phone simulator (try the loop without a phone); never in production.
    patient_phone_enabled: bool = True

    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    # POST /webhooks/email/inbound (an email provider's inbound parse): off while empty;
    # the provider sends it as the password of the URL's basic auth, or `?key=`.
    inbound_email_secret: SecretStr = SecretStr("")
    # An email with its HTML and headers (attachments are not kept, but are posted).
    max_inbound_email_bytes: int = Field(default=1024 * 1024, ge=1024)
    # POST /api/procedures/batch: 500 procedures take about 200 KB.
    max_batch_body_bytes: int = Field(default=1024 * 1024, ge=1024)

    # MMS photos: kept in this folder (default var/media; never served but through the
    # signed-in app), at most this large, fetched by the worker every 15 s.
    media_dir: Path | None = None
    # Or an S3-compatible bucket (credentials as boto3 reads them: AWS_ACCESS_KEY_ID, ...).
    media_bucket: str | None = None
    media_bucket_prefix: str = "aftercare-media"
    media_s3_endpoint: str | None = None  # MinIO, Ceph, ...; AWS when unset
    media_s3_region: str | None = None
    media_max_bytes: int = Field(default=5 * 1024 * 1024, ge=64 * 1024, le=50 * 1024 * 1024)

    # Remove the words of messages and replies older than this many days (patients/
    # retention.py), hourly; off when unset. The rows, statuses and readings stay.
    retention_days: int | None = Field(default=None, ge=1, le=36500)

    # How often beat asks the provider about rows stuck in "sending" (see dispatch/reconcile).
    reconcile_interval_seconds: float = Field(default=60.0, gt=0)

    # Twilio accepts requests faster than a number may send (1 MPS for a US long code, 3 for
    # toll-free, ...) and queues the rest, up to 10 h. Pacing sends here keeps that queue
    # short. Shared by every worker through Redis (`redis_url`); without Redis, no limit.
    # 0 disables the limit; overrides are per sending number or Messaging Service SID.
    sms_rate_per_second: float = Field(default=1.0, ge=0)
    sms_rate_overrides: dict[str, float] = Field(default_factory=dict)
    # Safety texts and clinician alerts go ahead of reminders: claimed first, and they take
    # the sender's next slot. Turning it off exists to measure the difference (bench/alert).
    urgent_first: bool = True

    # Logs: one JSON object per line in production, readable lines on a terminal.
    log_format: Literal["json", "text"] = "json"
    log_level: str = "INFO"
    # Celery's line per periodic task sent, received and finished (dispatch runs every
    # second): off, only its warnings and errors show. `aftercare dev` turns them off.
    log_routine_tasks: bool = True
    # Celery task events for Flower (`celery -A aftercare.worker flower`).
    celery_events: bool = False
    # The worker's own Prometheus endpoint (send counters, lateness); None: not served.
    worker_metrics_port: int | None = None

    @property
    def two_factor_needed(self) -> bool:
        if self.two_factor_required is not None:
            return self.two_factor_required
        return self.environment == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def broker_folder(self) -> Path:
        return self.var_dir / "broker"

    @property
    def media_folder(self) -> Path:
        return self.media_dir or self.var_dir / "media"

    @property
    def outbox_path(self) -> Path:
        return self.var_dir / "outbox.jsonl"

    @model_validator(mode="after")
    def _database_in_var_dir(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.var_dir / 'aftercare.db'}"
        return self

    @model_validator(mode="after")
    def _refuse_placeholders_in_production(self) -> Settings:
        if self.environment != "production":
            return self
        problems = []
        if self.secret_key.get_secret_value().lower() in PLACEHOLDER_SECRETS:
            problems.append("AFTERCARE_SECRET_KEY is a placeholder")
        if self.sms_channel == "twilio":
            if self.twilio_auth_token.get_secret_value().lower() in PLACEHOLDER_SECRETS:
                problems.append("AFTERCARE_TWILIO_AUTH_TOKEN is a placeholder")
            if not self.twilio_account_sid.startswith("AC"):
                problems.append("AFTERCARE_TWILIO_ACCOUNT_SID must start with AC")
            if not (self.twilio_from_number or self.twilio_messaging_service_sid):
                problems.append("set AFTERCARE_TWILIO_FROM_NUMBER or _MESSAGING_SERVICE_SID")
        if self.patient_phone_enabled:
            problems.append("AFTERCARE_PATIENT_PHONE_ENABLED must be false in production")
        if not self.public_base_url.startswith("https://"):
            problems.append("AFTERCARE_PUBLIC_BASE_URL must be https")
        if self.is_sqlite:
            problems.append("AFTERCARE_DATABASE_URL points at SQLite; production needs PostgreSQL")
        if not (self.oncall_phone or self.oncall_email):
            # The rota may cover the week, but an urgent reply in any hour it leaves open
            # would alert nobody while the patient is told the clinic will call.
            problems.append("set AFTERCARE_ONCALL_PHONE or AFTERCARE_ONCALL_EMAIL (the on-call "
                            "contact for hours the rota does not cover)")
        if problems:
            raise ValueError("refusing to start in production: " + "; ".join(problems))
        return self
