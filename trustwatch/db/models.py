"""The warehouse schema: SQLAlchemy 2.0 typed models.

This module and the Alembic revisions under `trustwatch/db/migrations` are the one source
of truth for the schema; nothing else issues DDL. Authors' real handles live in their own
table so that access to them can be restricted: items carry only a pseudonym key.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JsonType = JSON().with_variant(postgresql.JSONB(), "postgresql")
IdType = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Stores UTC and always hands back aware UTC datetimes, on SQLite as on PostgreSQL.

    SQLite has no time zones; without this a value read back is naive and comparisons
    with aware datetimes raise. Naive input is refused rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the warehouse; use an aware UTC value")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class School(Base):
    """One row per school in the registry (synced, never edited by hand)."""

    __tablename__ = "schools"

    school_id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    school_key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    safeguarding_lead_name: Mapped[str] = mapped_column(String(200))
    safeguarding_lead_email: Mapped[str | None] = mapped_column(String(320))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    synced_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    accounts: Mapped[list[Account]] = relationship(back_populates="school")


class Account(Base):
    """An official school account on one platform."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("platform", "platform_account_id"),)

    account_id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.school_id"))
    platform: Mapped[str] = mapped_column(String(20))
    platform_account_id: Mapped[str] = mapped_column(String(64))
    handle: Mapped[str] = mapped_column(String(200))
    administrators: Mapped[list[str]] = mapped_column(JsonType, default=list)
    approved_on: Mapped[dt.date | None] = mapped_column(Date)
    visibility: Mapped[str] = mapped_column(String(10), default="open")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    synced_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    school: Mapped[School] = relationship(back_populates="accounts")


class Author(Base):
    """Real identities, kept apart from items: only safeguarding views read this table."""

    __tablename__ = "authors"
    __table_args__ = (UniqueConstraint("platform", "platform_author_id"),)

    author_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    platform_author_id: Mapped[str] = mapped_column(String(128))
    handle: Mapped[str | None] = mapped_column(String(200))
    display_name: Mapped[str | None] = mapped_column(String(300))
    profile_url: Mapped[str | None] = mapped_column(String(500))
    first_seen_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    erased_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class Item(Base):
    """One row per post, comment, reply, mention, visitor post, review or DM.

    Natural key: (platform, external_id). `account_id` is the school account the item
    is on or addressed to (None for public mentions found by keyword search).
    """

    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("platform", "external_id"),
        Index("ix_items_thread", "platform", "thread_root_external_id"),
        Index("ix_items_created_at", "created_at"),
        # Revision 0010: the hourly jobs find what changed since their last run.
        Index("ix_items_updated_at", "updated_at"),
        Index("ix_items_text_purged_at", "text_purged_at"),
        Index("ix_items_author_key_platform", "author_key", "platform"),
    )

    item_id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(20))
    stream: Mapped[str] = mapped_column(String(60))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.school_id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.account_id"))
    parent_external_id: Mapped[str | None] = mapped_column(String(128))
    thread_root_external_id: Mapped[str | None] = mapped_column(String(128))
    author_key: Mapped[str | None] = mapped_column(ForeignKey("authors.author_key"))
    is_from_school: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    raw: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    content_hash: Mapped[str] = mapped_column(String(64))
    ingested_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    text_purged_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    raw_purged_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class IngestState(Base):
    """The replication cursor of one stream for one partition (usually an account)."""

    __tablename__ = "ingest_state"
    __table_args__ = (UniqueConstraint("stream", "partition"),)

    ingest_state_id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    stream: Mapped[str] = mapped_column(String(60))
    partition: Mapped[str] = mapped_column(String(200))
    cursor: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    last_run_started_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    last_success_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    items_loaded: Mapped[int] = mapped_column(Integer, default=0)


class Classification(Base):
    """One score per item, label and model version: rescoring with a new model adds rows."""

    __tablename__ = "classifications"
    __table_args__ = (
        UniqueConstraint("item_id", "label", "model_version"),
        Index("ix_classifications_classified_at", "classified_at"),
    )

    classification_id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.item_id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(20))
    score: Mapped[float] = mapped_column(Float)
    is_above_threshold: Mapped[bool] = mapped_column(Boolean)
    model_version: Mapped[str] = mapped_column(String(64))
    classified_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class ResponseSla(Base):
    """One row per item that needs a response under the 24-hour rule."""

    __tablename__ = "response_sla"
    __table_args__ = (
        # Revision 0010: clocks by clock, by due time (escalations) and by last change.
        Index("ix_response_sla_clock_item_id", "clock_item_id"),
        Index("ix_response_sla_status_due_at", "status", "due_at"),
        Index("ix_response_sla_due_at", "due_at"),
        Index("ix_response_sla_computed_at", "computed_at"),
    )

    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.item_id", ondelete="CASCADE"), primary_key=True
    )
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.school_id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.account_id"))
    clock_item_id: Mapped[int] = mapped_column(ForeignKey("items.item_id"))
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    responded_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    response_item_id: Mapped[int | None] = mapped_column(ForeignKey("items.item_id"))
    response_seconds: Mapped[float | None] = mapped_column(Float)
    responded_manually_by: Mapped[str | None] = mapped_column(String(200))
    responded_manually_note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    computed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Monday of the local week the clock started in (revision 0002): SQL cannot derive it
    # portably, so the SLA job writes it for the weekly views.
    week_start: Mapped[dt.date | None] = mapped_column(Date, index=True)


class JobCursor(Base):
    """Where an incremental job left off (revision 0010): one row per job.

    `as_of` is the "now" of the job's last run; `changed_since` the wall-clock mark from
    which the next run reads new and changed rows (kept a little behind, so a transaction
    that committed late is still seen); `fingerprint` hashes the inputs that are not rows
    (calendars, school accounts, thresholds): when it differs, the job rebuilds in full.
    `last_id` is the highest id of an append-only table (scores) the job has read.
    """

    __tablename__ = "job_cursors"

    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    as_of: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    changed_since: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    last_id: Mapped[int | None] = mapped_column(BigInteger)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class ManualResponse(Base):
    """A manual mark from the review app (revision 0002): `kind` "responded" outside the
    platform, or "not_needed" with the reason in `note` (revision 0007).

    Kept apart from `response_sla`, which is derived and recomputed, so no mark is lost.
    """

    __tablename__ = "manual_responses"
    __table_args__ = (Index("ix_manual_responses_marked_at", "marked_at"),)

    manual_response_id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.item_id", ondelete="CASCADE"), index=True
    )
    responded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    marked_by: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    marked_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(20), default="responded", server_default="responded")


class Alert(Base):
    """One alert per item and type (the dedupe key), escalated in place."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_status_severity", "status", "severity"),
        Index("ix_alerts_item_id", "item_id"),
        Index("ix_alerts_updated_at", "updated_at"),
    )

    alert_id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.item_id", ondelete="CASCADE"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.school_id"))
    alert_type: Mapped[str] = mapped_column(String(30))
    severity: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(15), default="open")
    score: Mapped[float | None] = mapped_column(Float)
    model_version: Mapped[str | None] = mapped_column(String(64))
    routed_to: Mapped[list[str]] = mapped_column(JsonType, default=list)
    assigned_to: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    events: Mapped[list[AlertEvent]] = relationship(
        back_populates="alert", order_by="AlertEvent.alert_event_id"
    )


class AlertEvent(Base):
    """Every change of an alert: who, when, what, and a note."""

    __tablename__ = "alert_events"

    alert_event_id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.alert_id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(15))
    to_status: Mapped[str | None] = mapped_column(String(15))
    from_severity: Mapped[str | None] = mapped_column(String(10))
    to_severity: Mapped[str | None] = mapped_column(String(10))
    actor: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    alert: Mapped[Alert] = relationship(back_populates="events")


class Quarantine(Base):
    """Records that failed parsing or data checks, with the reason; the batch went on."""

    __tablename__ = "quarantine"

    quarantine_id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(20))
    stream: Mapped[str] = mapped_column(String(60))
    partition: Mapped[str | None] = mapped_column(String(200))
    external_id: Mapped[str | None] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
    check_name: Mapped[str] = mapped_column(String(100))
    payload: Mapped[Any] = mapped_column(JsonType)
    payload_hash: Mapped[str] = mapped_column(String(64), unique=True)
    quarantined_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class AuditLog(Base):
    """Who saw or changed what; erasures are recorded here (the fact, never the data)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    audit_id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


# --- review web app: users, sessions, login attempts (revision 0003) ---------------------
# Kept apart from the warehouse tables above: these rows describe staff who use the app,
# never the people in the monitored items.


class WebUser(Base):
    """A member of staff who signs in to the review app, with one role.

    `school_id` scopes a safeguarding lead or data staff to one school; None means
    trust-wide. Passwords are stored only as argon2 hashes.
    """

    __tablename__ = "web_users"

    user_id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.school_id"))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    school: Mapped[School | None] = relationship()


class WebSession(Base):
    """A signed-in browser. Only a SHA-256 of the cookie token is stored, never the token."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_user_id", "user_id"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("web_users.user_id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)

    user: Mapped[WebUser] = relationship()


class LoginAttempt(Base):
    """One sign-in attempt, kept briefly to rate-limit guessing by address and by email."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "at"),
        Index("ix_login_attempts_client_at", "client", "at"),
    )

    attempt_id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320))
    client: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class ValidationResult(Base):
    """One row per data-check suite run on one target for one data interval.

    Keyed on (suite, target, interval) so rerunning a DAG run for the same interval
    rewrites its own row instead of piling up duplicates; `result_hash` lets an
    identical rerun leave the row untouched.
    """

    __tablename__ = "validation_results"
    __table_args__ = (
        UniqueConstraint("suite_name", "target", "data_interval_start", "data_interval_end"),
        Index("ix_validation_results_run_at", "run_at"),
    )

    validation_result_id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    suite_name: Mapped[str] = mapped_column(String(100))
    target: Mapped[str] = mapped_column(String(200))
    data_interval_start: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    data_interval_end: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    success: Mapped[bool] = mapped_column(Boolean)
    evaluated: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)
    rows_checked: Mapped[int] = mapped_column(Integer)
    rows_failed: Mapped[int] = mapped_column(Integer)
    failures: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    result_hash: Mapped[str] = mapped_column(String(64))
    run_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


# --- notifications ledger (issue 8: trustwatch/notify) ---------------------------------------


class Notification(Base):
    """One row per message subject, state and channel: the ledger that stops double sends.

    `subject` is "alert:<id>" or "report:<period>:<scope>"; `state` is what the message
    announced (an alert's severity, so an escalation is announced again but an
    acknowledgement is not). Only `status == "sent"` counts as notified: a failed send
    keeps its row (attempts, last error) for the report and is tried again next run.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("subject", "state", "channel"),
        Index("ix_notifications_alert_id", "alert_id"),
    )

    notification_id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    subject: Mapped[str] = mapped_column(String(120))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.alert_id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    first_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


# --- identity tombstones (issue 22) ----------------------------------------------------------


class IdentityTombstone(Base):
    """An erased person, so a re-fetch of their posts cannot bring them back (revision 0006).

    Keyed by the pseudonym (HMAC of platform and author id), never the raw id: the table
    says that someone was erased, not who. Written by erasure in the same transaction;
    read by the loader for each batch's authors only.
    """

    __tablename__ = "identity_tombstones"

    tombstone_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(20))
    erased_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


# --- inbound platform events (issue 24: trustwatch/receiver, trustwatch/events) --------------


class InboundEvent(Base):
    """One platform event pushed to the webhook receiver, stored before it is acknowledged.

    Keyed on (platform, event_key): the platform's own event id where it has one, else a
    digest of the event, so a redelivered event is stored once. `processed_at` stays empty
    until the event's item has loaded; any run of `ingest_events` takes every unprocessed
    row, so an event whose queue notice was lost is still picked up. The payload is
    cleared once processed (the item row keeps the raw record): least data.
    """

    __tablename__ = "inbound_events"
    __table_args__ = (
        UniqueConstraint("platform", "event_key"),
        Index("ix_inbound_events_processed_at", "processed_at"),
        Index("ix_inbound_events_delivery_sha256", "delivery_sha256"),
    )

    inbound_event_id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(20))
    event_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(60))
    account_platform_id: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(128))
    occurred_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    delivery_sha256: Mapped[str] = mapped_column(String(64))
    payload: Mapped[Any] = mapped_column(JsonType, nullable=True)
    processed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class InboundRejection(Base):
    """The audit row for a delivery (or one event of it) the receiver refused, and why.

    Never the body: only its digest and size, so a rejected payload of children's words is
    not kept, yet a replay or a flood can still be traced.
    """

    __tablename__ = "inbound_rejections"
    __table_args__ = (Index("ix_inbound_rejections_received_at", "received_at"),)

    inbound_rejection_id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(20))
    status_code: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(300))
    event_key: Mapped[str | None] = mapped_column(String(200))
    body_sha256: Mapped[str | None] = mapped_column(String(64))
    body_bytes: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


# --- leads' verdicts and retrained model versions (issue 20, revision 0008) ------------------


class LabelVerdict(Base):
    """A safeguarding lead's word on one label of one item: the labels no dataset has.

    `verdict` is `confirmed` (the flagged label was right), `dismissed` (it was wrong),
    `should_be` (wrong, and `should_be` names the right label) or `missed` (the model did
    not flag `label` but should have). One row per item and label: a later verdict
    replaces the earlier one. Personal data: retention, erasure and subject access cover it.
    """

    __tablename__ = "label_verdicts"
    __table_args__ = (
        UniqueConstraint("item_id", "label"),
        Index("ix_label_verdicts_decided_at", "decided_at"),
    )

    verdict_id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.item_id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(20))
    verdict: Mapped[str] = mapped_column(String(12))
    should_be: Mapped[str | None] = mapped_column(String(20))
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("web_users.user_id", ondelete="SET NULL")
    )
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.alert_id", ondelete="SET NULL"))
    model_version: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class ModelVersion(Base):
    """A challenger model built by `trustwatch model retrain`, and what became of it.

    `status` is `active` (serving), `retired` (served before, replaced or rolled back),
    or `refused` (the promotion rule said no). `lineage` records the base model, the data
    and the verdict window; `rule` the declared promotion rule; `figures` both models'
    scores on the frozen check sets and held-out verdicts.
    """

    __tablename__ = "model_versions"
    __table_args__ = (Index("ix_model_versions_status", "status"),)

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(12))
    artefact_path: Mapped[str] = mapped_column(String(1000))
    base_version: Mapped[str] = mapped_column(String(64))
    verdict_count: Mapped[int] = mapped_column(Integer, default=0)
    lineage: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    rule: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    figures: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    model_card: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    promoted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
