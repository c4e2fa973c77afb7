"""The store's tables, as SQLAlchemy 2.x typed models.

Rules:
- every timestamp is stored in UTC and read back timezone-aware;
- history is never deleted by a watchlist edit: people, advocates and sources are archived;
- idempotency lives in unique keys (events.key, deliveries.key), so a retried or doubled cycle
  cannot create a second event or a second email.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from monitor.store.states import DeliveryStatus, RunStatus, SourceStatus

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as naive UTC (SQLite has no time zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give a timezone-aware value")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}  # noqa: RUF012


class PersonRow(Base):
    """A watched person, synced from watchlist.yaml (`spec` is their entry, as validated)."""

    __tablename__ = "people"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    spec: Mapped[dict[str, Any]] = mapped_column(default=dict)
    spec_hash: Mapped[str] = mapped_column(String(64))
    # The spec_hash for which stored history was last searched for this person.
    backfilled_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]


class Advocate(Base):
    """Someone who follows people and receives their alerts and digests."""

    __tablename__ = "advocates"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    spec: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]


class Source(Base):
    """A source to poll, its configuration and its health."""

    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]
    # Health: "new" until the first poll, then "ok", "failing", "blocked" or "degraded".
    status: Mapped[str] = mapped_column(String(16), default=SourceStatus.NEW)
    last_attempt_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_failure_at: Mapped[datetime | None]
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    items_seen: Mapped[int] = mapped_column(Integer, default=0)
    # When the first successful poll recorded the baseline (no immediate alerts before it).
    baseline_at: Mapped[datetime | None]
    last_full_at: Mapped[datetime | None]
    next_run_at: Mapped[datetime | None]
    # A claim on the source by one instance, so two instances never poll it at once: who holds it
    # (host, process id and that process's start time, to tell a dead holder) and since when.
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    lease_host: Mapped[str | None] = mapped_column(String(255))
    lease_pid: Mapped[int | None] = mapped_column(Integer)
    lease_process_started: Mapped[float | None] = mapped_column(Float)
    lease_since: Mapped[datetime | None]
    # Conditional GET validators of the source's main URL.
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)


class SourceRun(Base):
    """One poll of one source: what happened, for `monitor status` and coverage records."""

    __tablename__ = "source_runs"
    __table_args__ = (Index("ix_source_runs_source_started", "source_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"))
    cycle_id: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.RUNNING)
    full: Mapped[bool] = mapped_column(Boolean, default=False)
    complete: Mapped[bool | None] = mapped_column(Boolean)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    items: Mapped[int] = mapped_column(Integer, default=0)
    new_items: Mapped[int] = mapped_column(Integer, default=0)
    changed_items: Mapped[int] = mapped_column(Integer, default=0)
    events: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    coverage: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Observation(Base):
    """Every item seen from every source, kept so a person added later can be matched against it."""

    __tablename__ = "observations"
    # An item's key is unique within its source: two sources sharing a URL have an item each.
    __table_args__ = (
        Index("ix_observations_source_last_seen", "source_id", "last_seen_at"),
        UniqueConstraint("source_id", "key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(512))
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"))
    kind: Mapped[str] = mapped_column(String(32))
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None]
    content_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # For lists whose members can leave (INTERPOL's public notices): is it listed now, and for how
    # many consecutive sweeps has it been shown absent?
    present: Mapped[bool] = mapped_column(Boolean, default=True)
    absent_sweeps: Mapped[int] = mapped_column(Integer, default=0)
    # The first 404 of its detail in the current run of 404s (a withdrawal awaiting confirmation),
    # and the last time its detail answered at all (200 or 404) while it was not listed.
    missing_since: Mapped[datetime | None]
    checked_at: Mapped[datetime | None]


class Evidence(Base):
    """Raw bytes as fetched (a notice version, a photo, a feed entry, a 404), with their hash."""

    __tablename__ = "evidence"
    __table_args__ = (UniqueConstraint("observation_id", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    observation_id: Mapped[int | None] = mapped_column(ForeignKey("observations.id"), index=True)
    url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[int | None] = mapped_column(Integer)
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    media_type: Mapped[str | None] = mapped_column(String(255))
    charset: Mapped[str | None] = mapped_column(String(64))  # how the bytes were read
    sha256: Mapped[str] = mapped_column(String(64))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    retrieved_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class MatchRow(Base):
    """A watched person found in an observation, with the score and the explanation."""

    __tablename__ = "matches"
    __table_args__ = (UniqueConstraint("observation_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    observation_id: Mapped[int] = mapped_column(ForeignKey("observations.id"))
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    score: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(16))
    explanation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Event(Base):
    """A change in a watched person's situation, as found in a source."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_person_detected", "person_id", "detected_at"),
        # The web app's review queue: possible matches, oldest first (issue 17).
        Index("ix_events_type_detected", "type", "detected_at", "person_id", "observation_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # What makes the event unique (type, person, observation, version): a replayed cycle finds it.
    key: Mapped[str] = mapped_column(String(255), unique=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    observation_id: Mapped[int | None] = mapped_column(ForeignKey("observations.id"), index=True)
    source_id: Mapped[str | None] = mapped_column(ForeignKey("sources.id"))
    type: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Found by a first scan (of a new source or a newly added person): for the digest, not an alert.
    baseline: Mapped[bool] = mapped_column(Boolean, default=False)
    cycle_id: Mapped[str | None] = mapped_column(String(32))
    detected_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Delivery(Base):
    """An email to send (the outbox): claimed, sent and recorded exactly once."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Idempotency key: (event group, advocate) for alerts, (advocate, period) for digests.
    key: Mapped[str] = mapped_column(String(255), unique=True)
    advocate_id: Mapped[str] = mapped_column(ForeignKey("advocates.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    # "email", or a notify target's id ("signal:3f2a9c01b7": its scheme and a hash of its URL).
    channel: Mapped[str] = mapped_column(String(64), default="email", server_default="email")
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING)
    person_id: Mapped[str | None] = mapped_column(ForeignKey("people.id"))
    period_start: Mapped[datetime | None]
    period_end: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(255))
    subject: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    @property
    def channel_label(self) -> str:
        """The channel as people read it: 'email', 'signal', 'json'..."""
        return (self.channel or "email").split(":", 1)[0]


class DeliveryEvent(Base):
    """Which events an email told of."""

    __tablename__ = "delivery_events"

    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id"), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True, index=True)


class Decision(Base):
    """An advocate's verdict on a (person, observation) pair: the same person, or a namesake.

    A pair judged "not this person" raises no further alerts until a material field of the
    observation (names, birth date, nationalities) changes: `material_hash` records them.
    """

    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("person_id", "observation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    observation_id: Mapped[int] = mapped_column(ForeignKey("observations.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    verdict: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    material_hash: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Who gave the verdict: an advocate's id (web app, email link) or "cli" (`monitor decide`).
    decided_by: Mapped[str | None] = mapped_column(String(64))


# --- the web app (monitor/web/) ----------------------------------------------------------------
class SignInLink(Base):
    """A sign-in link emailed to an advocate: single-use, valid until `expires_at`."""

    __tablename__ = "sign_in_links"
    __table_args__ = (Index("ix_sign_in_links_advocate_created", "advocate_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    advocate_id: Mapped[str] = mapped_column(ForeignKey("advocates.id"))
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    # The local path the advocate asked for before signing in (checked when stored and when used).
    next_path: Mapped[str | None] = mapped_column(String(512))


class WebSession(Base):
    """A signed-in browser: the cookie holds a signed random id, the table its SHA-256."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie's id
    advocate_id: Mapped[str] = mapped_column(ForeignKey("advocates.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


class UsedLink(Base):
    """A one-click verdict link already used (its signed token's SHA-256): it works once."""

    __tablename__ = "used_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    advocate_id: Mapped[str] = mapped_column(ForeignKey("advocates.id"))
    used_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """Who did what in the web app: sign-ins, person pages viewed, evidence downloaded, verdicts."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    advocate_id: Mapped[str] = mapped_column(ForeignKey("advocates.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    person_id: Mapped[str | None] = mapped_column(ForeignKey("people.id"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class LoginHit(Base):
    """One request to the sign-in pages: the hourly limit per client, shared by every instance.

    `client` is a keyed hash of the client's address (HMAC with MONITOR_SECRET_KEY), never the
    address; rows older than the limit's hour are deleted as new ones come.
    """

    __tablename__ = "login_hits"
    __table_args__ = (Index("ix_login_hits_client_at", "client", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(index=True)


# --- end of the web app ------------------------------------------------------------------------
