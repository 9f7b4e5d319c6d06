"""SQLAlchemy 2.0 typed models: patients, procedures, the message outbox, API tokens.

Times are stored as UTC. `Message` is the outbox: one row per (procedure, step, channel),
unique, with an indexed time from which it may be sent; dispatch claims rows, never timers.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names, so migrations read the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (naive storage) too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Location(Base):
    """One of the clinic group's locations: what its messages say and send from, its quiet
    hours and its on-call contacts. The first one (made from the settings by migration 0011
    or at first start) is the default: a single-clinic deployment needs no other."""

    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)  # e.g. "downtown"
    # No procedure words in the name: it goes into every SMS (privacy, minimum necessary).
    name: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(32))  # as the patient should read it
    timezone: Mapped[str] = mapped_column(String(64))
    # A Twilio number (E.164) or Messaging Service SID (MG...); empty: the settings' sender.
    sms_sender: Mapped[str] = mapped_column(String(40), default="")
    emergency_number: Mapped[str] = mapped_column(String(16), default="911")
    quiet_hours_start: Mapped[str | None] = mapped_column(String(5))  # "HH:MM"; None: settings
    quiet_hours_end: Mapped[str | None] = mapped_column(String(5))
    # Alerted when the location's rota leaves an hour open (then the settings' contacts).
    oncall_phone: Mapped[str | None] = mapped_column(String(20))
    oncall_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


user_locations = Table(
    "user_locations", Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("location_id", ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True),
)


class Patient(Base):
    __tablename__ = "patients"
    __table_args__ = (
        # Staff search a name by any part of it (web/views/search.py): a trigram index
        # answers that on PostgreSQL without reading every patient of years. A phone by its
        # last digits: an index of reversed numbers, created by migration 0006 (PostgreSQL).
        Index("ix_patients_first_name_trgm", "first_name", postgresql_using="gin",
              postgresql_ops={"first_name": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    first_name: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str] = mapped_column(String(20), index=True)  # E.164
    email: Mapped[str | None] = mapped_column(String(254))
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(5), default="en")
    sms_consent: Mapped[bool] = mapped_column(Boolean)
    email_consent: Mapped[bool] = mapped_column(Boolean)
    sms_opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Erased at the patient's request (patients/erasure.py): no personal data is left.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    procedures: Mapped[list[Procedure]] = relationship(back_populates="patient")


class Procedure(Base):
    __tablename__ = "procedures"
    __table_args__ = (
        # Planning takes the procedures not planned yet, oldest first: only those are indexed.
        Index("ix_procedures_unplanned", "id", postgresql_where=text("planned_at IS NULL"),
              sqlite_where=text("planned_at IS NULL")),
        # The procedures list, newest first, a page at a time.
        Index("ix_procedures_performed_at", text("performed_at DESC"), text("id DESC")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    procedure_type: Mapped[str] = mapped_column(String(64))
    plan_version: Mapped[int | None] = mapped_column(Integer)
    performed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    follow_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    side: Mapped[str | None] = mapped_column(String(10))
    clinician: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | cancelled
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    # Set by the planning task; a procedure with none is picked up again by the sweep.
    planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # Why planning set this procedure aside (a bad row never blocks the rest); staff see it.
    plan_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    patient: Mapped[Patient] = relationship(back_populates="procedures")
    location: Mapped[Location] = relationship(lazy="joined", innerjoin=True)
    messages: Mapped[list[Message]] = relationship(
        back_populates="procedure", order_by="Message.due_at, Message.id"
    )


# Unsent rows that planning may rewrite. "cancelled" rows come back only through START.
REPLANNABLE = ("planned", "skipped")


class Message(Base):
    """One outgoing SMS or email: the outbox row dispatch claims and the status callback ends.

    Care plan messages and the service's own messages (safety replies, clinician alerts,
    email fallbacks) share this table, its one writer (outbox/writer.py) and its one send
    path. `dedupe_key` is unique, so writing the same message twice inserts it once.
    """

    __tablename__ = "messages"
    __table_args__ = (
        # Claims read due rows in (send_after, id) order straight off this index.
        Index("ix_messages_due", "status", "send_after", "id"),
        # Partial: planning inserts thousands of rows a second that have neither yet, and
        # every index a new row must enter costs the database time.
        Index("ix_messages_provider_id", "provider_id",
              postgresql_where=text("provider_id IS NOT NULL"),
              sqlite_where=text("provider_id IS NOT NULL")),
        Index("ix_messages_reply_id", "reply_id", postgresql_where=text("reply_id IS NOT NULL"),
              sqlite_where=text("reply_id IS NOT NULL")),
        Index("ix_messages_patient_sent", "patient_id", "channel", "sent_at"),
        # Safety texts and clinician alerts waiting to go: a claim takes these first, and
        # there are only ever a few among the millions of reminders planned.
        Index("ix_messages_urgent_due", "send_after", "id",
              postgresql_where=text("status = 'planned' AND priority = 0"),
              sqlite_where=text("status = 'planned' AND priority = 0")),
        # A paced claim takes SMS and email apart (outbox/claim.py): without the channel in
        # the index, claiming the few emails due walks every SMS of a paced backlog.
        Index("ix_messages_planned_channel", "channel", "send_after", "id",
              postgresql_where=text("status = 'planned'"),
              sqlite_where=text("status = 'planned'")),
        # Retention takes the oldest rows still holding their words: purged rows leave the
        # index, so each batch reads only what is left to purge.
        Index("ix_messages_unpurged", "created_at", "id",
              postgresql_where=text("body_purged_at IS NULL"),
              sqlite_where=text("body_purged_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedures.id"), index=True)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"))
    reply_id: Mapped[int | None] = mapped_column(Integer)  # what it answers
    audience: Mapped[str] = mapped_column(String(10), default="patient")  # or clinician
    to_address: Mapped[str | None] = mapped_column(String(254))  # when not the patient's
    step: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8))  # sms | email
    kind: Mapped[str] = mapped_column(String(24))
    # 0: urgent (a safety text, a clinician alert) goes ahead of every reminder; 1: routine.
    priority: Mapped[int] = mapped_column(SmallInteger, default=1, server_default="1")
    # planned -> sending -> sent -> delivered | undelivered; or failed, skipped, cancelled
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(300))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())  # as planned
    send_after: Mapped[datetime] = mapped_column(UTCDateTime())  # due_at, or later on retry
    local_due: Mapped[str] = mapped_column(String(40))  # the patient's wall clock, for people
    language: Mapped[str] = mapped_column(String(5))
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    provider: Mapped[str | None] = mapped_column(String(16))
    provider_id: Mapped[str | None] = mapped_column(String(120))
    provider_status: Mapped[str | None] = mapped_column(String(24))
    error_code: Mapped[str | None] = mapped_column(String(16))
    # A time-bound reminder too late to make sense after this is skipped, not sent.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Its words removed by retention or erasure; the row stays, for the counts.
    body_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A text a person wrote (an answer to a patient): who sent it. None: the service's own.
    sent_by: Mapped[str | None] = mapped_column(String(254))  # their email, or token:NAME
    sent_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    procedure: Mapped[Procedure | None] = relationship(back_populates="messages")
    patient: Mapped[Patient | None] = relationship()
    # The reply it answers: a text to a number not on file goes from the number they texted.
    answered: Mapped[Reply | None] = relationship(
        primaryjoin="foreign(Message.reply_id) == Reply.id", viewonly=True)


class Reply(Base):
    """A text a patient (or an unknown number) sent us, kept raw, with its current reading."""

    __tablename__ = "replies"
    __table_args__ = (
        # The clinician queue: open replies, most urgent first, oldest first.
        Index("ix_replies_queue", "review_status", "triage_rank", "received_at"),
        # Replies still to read (keywords never are), red flags first: a handful, among
        # millions read.
        Index("ix_replies_unread", "triage_rank", "id",
              postgresql_where=text("read_at IS NULL AND keyword IS NULL"),
              sqlite_where=text("read_at IS NULL AND keyword IS NULL")),
        # The foreign key to messages: without it, deleting a message reads every reply.
        Index("ix_replies_answers_message_id", "answers_message_id",
              postgresql_where=text("answers_message_id IS NOT NULL"),
              sqlite_where=text("answers_message_id IS NOT NULL")),
        Index("ix_replies_unpurged", "received_at", "id",
              postgresql_where=text("body_purged_at IS NULL"),
              sqlite_where=text("body_purged_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(64), unique=True)  # Twilio's; dedupes
    channel: Mapped[str] = mapped_column(String(8), default="sms", server_default="sms")
    from_phone: Mapped[str] = mapped_column(String(32), index=True)  # "" for an email
    from_email: Mapped[str | None] = mapped_column(String(254))  # an email reply's sender
    to_phone: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    media: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"), index=True)
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedures.id"), index=True)
    # Its procedure's location; from a number not on file, the location whose number it
    # reached (the default one for the shared number). Set when it is matched.
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"), index=True)
    answers_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    keyword: Mapped[str | None] = mapped_column(String(16))  # opt_out | opt_in | help
    auto_response: Mapped[str | None] = mapped_column(Text)  # what TwiML answered at once
    # The current reading; earlier ones are in reply_readings.
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reader_version: Mapped[str | None] = mapped_column(String(20))
    intent: Mapped[str | None] = mapped_column(String(20))
    triage: Mapped[str | None] = mapped_column(String(10))
    # urgent 0 .. none 3; until read, the order of reading (see replies/inbound.py)
    triage_rank: Mapped[int] = mapped_column(Integer, default=9)
    present: Mapped[list[str]] = mapped_column(JSON, default=list)
    absent: Mapped[list[str]] = mapped_column(JSON, default=list)
    severity: Mapped[str | None] = mapped_column(String(10))
    # A stocking check-in's answer: day_and_night | daytime | not_worn (adherence reports)
    stockings: Mapped[str | None] = mapped_column(String(16))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    reading: Mapped[dict[str, object] | None] = mapped_column(JSON)
    # Why reading set this reply aside; it then waits for a person in the queue.
    read_error: Mapped[str | None] = mapped_column(String(300))
    # open (a clinician should look), reviewed, or none (nothing for a clinician)
    review_status: Mapped[str] = mapped_column(String(10), default="pending")
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    last_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Its words (and photos' addresses) removed by retention or erasure; the reading stays.
    body_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    patient: Mapped[Patient | None] = relationship()
    procedure: Mapped[Procedure | None] = relationship()
    answers: Mapped[Message | None] = relationship()
    reviews: Mapped[list[Review]] = relationship(back_populates="reply", order_by="Review.id")
    photos: Mapped[list[ReplyMedia]] = relationship(order_by="ReplyMedia.id", viewonly=True)


class ReplyMedia(Base):
    """A photo (MMS media) a reply carried: fetched from the provider by the worker, checked,
    stored without its metadata, thumbnailed, then deleted at the provider. Clinicians see it
    only through the signed-in app (web/routes/media.py), never at a public address."""

    __tablename__ = "reply_media"
    __table_args__ = (UniqueConstraint("reply_id", "provider_url", name="uq_reply_media"),
                      # The fetch sweep's work: a handful among years of stored photos.
                      Index("ix_reply_media_pending", "id",
                            postgresql_where=text("status = 'pending'"),
                            sqlite_where=text("status = 'pending'")))

    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(ForeignKey("replies.id"), index=True)
    provider_url: Mapped[str] = mapped_column(String(500))
    # pending -> stored | refused (not an image, too large) | failed (gave up); deleted
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str | None] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    content_type: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    storage_key: Mapped[str | None] = mapped_column(String(200))
    thumbnail_key: Mapped[str | None] = mapped_column(String(200))
    stored_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_from_provider_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DeliveryEvent(Base):
    """Every status callback Twilio sent, once: applied to its message when the sid is known
    (a callback can arrive before the send's own commit recorded the sid)."""

    __tablename__ = "delivery_events"
    __table_args__ = (UniqueConstraint("provider_id", "status", name="uq_delivery_events"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[str] = mapped_column(String(120), index=True)
    status: Mapped[str] = mapped_column(String(24))
    error_code: Mapped[str | None] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReplyReading(Base):
    """Every reading a reply has had: re-reading after the reader improves keeps the old."""

    __tablename__ = "reply_readings"

    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(ForeignKey("replies.id"), index=True)
    reader_version: Mapped[str] = mapped_column(String(20))
    reading: Mapped[dict[str, object]] = mapped_column(JSON)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Review(Base):
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(ForeignKey("replies.id"), index=True)
    reviewer: Mapped[str] = mapped_column(String(120))
    outcome: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    reply: Mapped[Reply] = relationship(back_populates="reviews")


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(16))  # staff | clinician | admin
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Who answers for it: disabling them ends it. None only for a system token made without
    # an owner (`aftercare tokens create` with no --owner, tests).
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A location's own system: it sees and logs at that location only. None: wherever its
    # owner may (a token made without an owner: everywhere).
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("locations.id", ondelete="CASCADE"))


class User(Base):
    """A person who signs in to the web app: staff, clinician or admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(16))  # staff | clinician | admin
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Second factor (auth/two_factor.py): the TOTP secret once enrolled, and the time step
    # of the last code used, so no code signs in twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # Staff and clinicians see only these locations' patients; admins see every location.
    locations: Mapped[list[Location]] = relationship(secondary=user_locations,
                                                     order_by="Location.id")


class RecoveryCode(Base):
    """A one-time code for signing in without the phone; only its hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class UserSession(Base):
    """A signed-in browser. The cookie holds a random secret; only its hash is kept here, so
    ending a session (sign-out, disable, a new password) is a row update."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the secret
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    user_agent: Mapped[str] = mapped_column(String(120), default="")


class LoginThrottle(Base):
    """Failed sign-ins for one account or one client address, keyed by a hash so an unknown
    email gets a row exactly like a real one (and the table lists no addresses)."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    # No attempt is checked before this; stored as epoch seconds so the claim's arithmetic
    # is plain SQL on SQLite and PostgreSQL alike.
    not_before: Mapped[float] = mapped_column(Float, default=0.0)


class OnCallShift(Base):
    """Who is on call for one weekday's span of hours, in the clinic's time zone, with a backup.

    `ends` at or before `starts` runs through midnight into the next day.
    """

    __tablename__ = "oncall_shifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: covers every location (a group-wide rota, and every rota before locations).
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)  # 0 Monday .. 6 Sunday
    starts: Mapped[str] = mapped_column(String(5))  # "HH:MM"
    ends: Mapped[str] = mapped_column(String(5))
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164
    email: Mapped[str | None] = mapped_column(String(254))
    backup_name: Mapped[str | None] = mapped_column(String(120))
    backup_phone: Mapped[str | None] = mapped_column(String(20))
    backup_email: Mapped[str | None] = mapped_column(String(254))
    updated_by: Mapped[str] = mapped_column(String(120), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class CannedReply(Base):
    """A ready-made answer staff choose on the answer form ("Please call us on
    {clinic_phone}"). Placeholders are filled from the patient's location when it is sent."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)
    # None: offered at every location. No foreign key yet: per-location canned replies
    # are a later change, which adds it.
    location_id: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ConsentEvent(Base):
    """One change of a patient's consent to a channel: when, how and by whom. The patient's
    own sms_consent / email_consent columns hold the answer now; these rows say how it came
    to be (the answers given at intake are the procedure's own record)."""

    __tablename__ = "consent_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))  # sms | email
    granted: Mapped[bool] = mapped_column(Boolean)
    # form | verbal | sms_keyword | email_link
    method: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(120))  # a user's email, or "patient"
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    note: Mapped[str | None] = mapped_column(String(200))


class AuditEvent(Base):
    """Who did what to which record; never message bodies."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(80))
    detail: Mapped[dict[str, object] | None] = mapped_column(JSON)


__all__ = [
    "ApiToken", "AuditEvent", "Base", "CannedReply", "ConsentEvent", "DeliveryEvent",
    "Location", "Message", "OnCallShift", "Patient", "Procedure", "RecoveryCode", "Reply",
    "ReplyMedia", "ReplyReading", "Review", "User", "utcnow",
]
