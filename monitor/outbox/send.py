"""Routing events to advocates, and the outbox: claim, send, record.

Rules:
- an event goes to every advocate who follows its person; it is emailed at once when its severity
  is at or above the advocate's `min_severity` and it is not a first-scan (baseline) finding;
- the events of one cycle for one advocate make one message per channel: one email (key
  `alert:<cycle>:<advocate>`) and one message per `notify:` target (key
  `alert:<cycle>:<advocate>:<channel>`), written in the same transaction as the events;
- inside the advocate's quiet hours only urgent (high) events go at once; the others join one
  held row per advocate and channel (key `held:<advocate>:<channel>:<end of the window>`),
  due when the window ends, so the night's events arrive as one grouped message;
- a delivery is claimed atomically (SKIP LOCKED on PostgreSQL, a conditional UPDATE everywhere),
  so two instances never send the same row; a claim whose sender died expires and is retried;
- the Message-ID derives from the delivery key, so a retried send is recognisably the same email;
- temporary failures are retried with capped exponential backoff, forever; permanent ones
  (a 5xx for the recipient) are recorded as failed and shown by `monitor status`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from monitor import metrics
from monitor.config.watchlist import Advocate, Watchlist
from monitor.exc import DeliveryError
from monitor.outbox import channels, present, quiet, views
from monitor.outbox.digest import Period, digest_context
from monitor.outbox.i18n import translator, when
from monitor.outbox.templates import make_message
from monitor.outbox.transports import Transport
from monitor.outbox.urgency import most_urgent_first
from monitor.store import models

log = logging.getLogger(__name__)
# Longer than one SMTP conversation can take (connect, TLS, DATA, each bounded by the timeout),
# short enough that a delivery claimed by a killed instance is soon taken over.
LEASE = timedelta(minutes=2)
BACKOFF_START = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)


def queue_alerts(
    session: Session,
    events: Sequence[models.Event],
    watchlist: Watchlist,
    cycle_id: str,
    now: datetime,
    tz: tzinfo = UTC,
) -> list[models.Delivery]:
    """Create this cycle's delivery rows for `events`, in the events' transaction.

    `tz` is MONITOR_TIMEZONE: the quiet hours of an advocate without a `timezone:` are read in it.
    """
    session.flush()  # the events get their ids
    grouped: dict[str, list[models.Event]] = {}
    for event in events:
        for advocate_id in recipients(event, watchlist):
            grouped.setdefault(advocate_id, []).append(event)
    deliveries = []
    for advocate_id, group in grouped.items():
        advocate = watchlist.advocate(advocate_id)
        assert advocate is not None  # recipients() found them there
        deliveries += _queue_for(session, advocate, group, cycle_id, now, tz)
    return deliveries


def _queue_for(
    session: Session,
    advocate: Advocate,
    group: list[models.Event],
    cycle_id: str,
    now: datetime,
    tz: tzinfo,
) -> list[models.Delivery]:
    """One row per channel for what goes now, one held row per channel for what waits."""
    zone = present.advocate_tz({"timezone": advocate.timezone}, tz)
    until = quiet.quiet_until(now, zone, advocate.quiet_hours)
    now_events = [e for e in group if until is None or quiet.is_urgent(e.severity)]
    waiting = [e for e in group if e not in now_events]
    rows = []
    for channel in [channels.EMAIL, *(t.channel for t in channels.targets(advocate.model_dump()))]:
        suffix = "" if channel == channels.EMAIL else f":{channel}"
        if now_events:
            key = f"alert:{cycle_id}:{advocate.id}{suffix}"
            rows.append(_new_delivery(session, key, advocate.id, channel, now_events, now, now))
        if waiting and until is not None:
            rows.append(
                _held_delivery(session, advocate.id, channel, waiting, until, now, cycle_id)
            )
    return rows


def _new_delivery(
    session: Session,
    key: str,
    advocate_id: str,
    channel: str,
    group: list[models.Event],
    due: datetime,
    now: datetime,
) -> models.Delivery:
    delivery = models.Delivery(
        key=key,
        advocate_id=advocate_id,
        kind="alert",
        channel=channel,
        person_id=lead_event(group).person_id,
        next_attempt_at=due,
        created_at=now,
    )
    session.add(delivery)
    session.flush()
    session.add_all(models.DeliveryEvent(delivery_id=delivery.id, event_id=e.id) for e in group)
    return delivery


def _held_delivery(
    session: Session,
    advocate_id: str,
    channel: str,
    group: list[models.Event],
    until: datetime,
    now: datetime,
    cycle_id: str,
) -> models.Delivery:
    """The row that gathers the quiet window's events for one channel, due at its end."""
    key = f"held:{advocate_id}:{channel}:{until.isoformat(timespec='minutes')}"
    held = session.scalar(select(models.Delivery).where(models.Delivery.key == key))
    if held is None or held.status != "pending":
        key = key if held is None else f"{key}:{cycle_id}"  # the window's row already went
        return _new_delivery(session, key, advocate_id, channel, group, until, now)
    session.add_all(models.DeliveryEvent(delivery_id=held.id, event_id=e.id) for e in group)
    return held


def recipients(event: models.Event, watchlist: Watchlist) -> list[str]:
    """The advocates to email at once about `event`."""
    person = watchlist.person(event.person_id)
    if event.baseline or person is None:
        return []
    return [
        advocate.id
        for advocate in watchlist.followers(person)
        if views.at_least(event.severity, advocate.min_severity)
    ]


def lead_event(events: Iterable[models.Event]) -> models.Event:
    return max(events, key=lambda e: (views.SEVERITY_RANK.get(e.severity, 0), -e.id))


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


@dataclass(frozen=True)
class Mailing:
    """What the delivery step needs besides the database."""

    transport: Transport
    sender: str
    templates_dir: Path
    tz: Any
    names_in_subjects: bool = True
    public_url: str | None = None


def deliver_pending(
    factory: sessionmaker[Session], mailing: Mailing, owner: str, clock: Callable[[], datetime]
) -> DeliveryReport:
    """Send every delivery that is due, one at a time, until none is left (synchronous wrapper)."""
    return asyncio.run(deliver_pending_async(factory, mailing, owner, clock))


async def deliver_pending_async(
    factory: sessionmaker[Session],
    mailing: Mailing,
    owner: str,
    clock: Callable[[], datetime],
    keep_going: Callable[[], bool] = lambda: True,
) -> DeliveryReport:
    """Send what is due; stop claiming more as soon as `keep_going()` is false (the service stops)."""
    report = DeliveryReport()
    attempted: set[int] = set()
    while keep_going() and (claimed := claim_next(factory, owner, clock(), skip=attempted)):
        attempted.add(claimed)
        outcome = await send_one(factory, mailing, claimed, owner, clock)
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def claim_next(
    factory: sessionmaker[Session], owner: str, now: datetime, skip: set[int] | None = None
) -> int | None:
    """Claim one due delivery for `owner`; its id, or None when nothing is due."""
    D = models.Delivery
    due = or_(
        and_(D.status == "pending", D.next_attempt_at <= now),
        and_(D.status == "sending", D.lease_until < now),
    )
    with factory() as session, session.begin():
        query = select(D.id).where(due).order_by(D.id).limit(1).with_for_update(skip_locked=True)
        if skip:
            query = query.where(D.id.not_in(skip))
        delivery_id = session.scalar(query)
        if delivery_id is None:
            return None
        claimed = session.execute(
            update(D)
            .where(D.id == delivery_id, due)
            .values(
                status="sending",
                lease_owner=owner,
                lease_until=now + LEASE,
                attempts=D.attempts + 1,
            )
        )
        return delivery_id if claimed.rowcount == 1 else None  # type: ignore[attr-defined]


async def send_one(
    factory: sessionmaker[Session],
    mailing: Mailing,
    delivery_id: int,
    owner: str,
    clock: Callable[[], datetime],
) -> str:
    """Render and send one claimed delivery; record the outcome. Returns sent/retrying/failed."""
    try:
        with factory() as session:
            outgoing = build_outgoing(session, mailing, delivery_id)
        await outgoing.send(mailing)
    except DeliveryError as exc:
        outcome = record_failure(factory, delivery_id, owner, exc, clock())
    except asyncio.CancelledError:
        give_back(factory, delivery_id, owner)  # the service stops: the next start sends it
        raise
    else:
        record_sent(factory, delivery_id, owner, outgoing.ident, outgoing.subject, clock())
        outcome = "sent"
    channel = outgoing_label(factory, delivery_id)
    metrics.DELIVERIES.labels(channel, outcome).inc()
    if channel == channels.EMAIL:
        metrics.ALERTS.labels(outcome).inc()
    return outcome


@dataclass(frozen=True)
class Outgoing:
    """A rendered delivery: an email, or a message for one notify target."""

    ident: str
    subject: str
    email: EmailMessage | None = None
    target: channels.Target | None = None
    notice: channels.Notice | None = None

    async def send(self, mailing: Mailing) -> None:
        if self.email is not None:
            await mailing.transport.send(self.email)
        else:
            assert self.target is not None and self.notice is not None
            await channels.send(self.target, self.notice)


def build_outgoing(session: Session, mailing: Mailing, delivery_id: int) -> Outgoing:
    delivery = session.get_one(models.Delivery, delivery_id)
    if delivery.channel == channels.EMAIL:
        message = build_message(session, mailing, delivery_id)
        return Outgoing(str(message["Message-ID"]), str(message["Subject"]), email=message)
    advocate = session.get_one(models.Advocate, delivery.advocate_id)
    target = channels.target_for(advocate.spec, delivery.channel)
    if target is None:
        raise DeliveryError("this notify target is no longer in watchlist.yaml", permanent=True)
    views = _alert_views(session, mailing, delivery, advocate, show_name=target.names)
    tr = translator(present.advocate_language(advocate.spec))
    notice = channels.compose(target, delivery.key, views, mailing.public_url, tr)
    return Outgoing(
        message_id(delivery.key, mailing.sender), notice.title, target=target, notice=notice
    )


def outgoing_label(factory: sessionmaker[Session], delivery_id: int) -> str:
    with factory() as session:
        channel = session.scalar(
            select(models.Delivery.channel).where(models.Delivery.id == delivery_id)
        )
    return channels.label(channel or channels.EMAIL)


def give_back(factory: sessionmaker[Session], delivery_id: int, owner: str) -> None:
    """Return a claimed delivery to the queue untouched (an interrupted send)."""
    D = models.Delivery
    with factory() as session, session.begin():
        session.execute(
            update(D)
            .where(D.id == delivery_id, D.lease_owner == owner)
            .values(status="pending", lease_owner=None, lease_until=None)
        )


def record_sent(
    factory: sessionmaker[Session],
    delivery_id: int,
    owner: str,
    message_id: str,
    subject: str,
    now: datetime,
) -> None:
    D = models.Delivery
    with factory() as session, session.begin():
        session.execute(
            update(D)
            .where(D.id == delivery_id, D.lease_owner == owner)
            .values(
                status="sent",
                sent_at=now,
                message_id=message_id,
                subject=subject,
                lease_owner=None,
                lease_until=None,
                last_error=None,
            )
        )
    log.info("message sent", extra={"delivery_id": delivery_id})


def record_failure(
    factory: sessionmaker[Session],
    delivery_id: int,
    owner: str,
    error: DeliveryError,
    now: datetime,
) -> str:
    D = models.Delivery
    with factory() as session, session.begin():
        attempts = session.scalar(select(D.attempts).where(D.id == delivery_id)) or 1
        values: dict[str, Any] = {
            "last_error": str(error)[:2000],
            "lease_owner": None,
            "lease_until": None,
        }
        if error.permanent:
            values["status"] = "failed"
        else:
            values.update(status="pending", next_attempt_at=now + backoff(attempts))
        session.execute(
            update(D).where(D.id == delivery_id, D.lease_owner == owner).values(**values)
        )
    outcome = "failed" if error.permanent else "retrying"
    log.warning(
        "message not delivered",
        extra={"delivery_id": delivery_id, "outcome": outcome, "error": str(error)},
    )
    return outcome


def backoff(attempts: int) -> timedelta:
    delay: timedelta = BACKOFF_START * (2 ** max(attempts - 1, 0))
    return min(delay, BACKOFF_CAP)


def message_id(key: str, sender: str) -> str:
    domain = parseaddr(sender)[1].rpartition("@")[2] or "redwatch.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def thread_root(advocate_id: str, person_id: str, sender: str) -> str:
    return message_id(f"thread:{advocate_id}:{person_id}", sender)


def build_message(session: Session, mailing: Mailing, delivery_id: int) -> EmailMessage:
    """The email of a delivery row: an alert or a digest, rendered from the stored events."""
    delivery = session.get_one(models.Delivery, delivery_id)
    advocate = session.get_one(models.Advocate, delivery.advocate_id)
    if delivery.kind == "digest":
        return _digest_message(session, mailing, delivery, advocate)
    language = present.advocate_language(advocate.spec)
    tr = translator(language)
    views = _alert_views(session, mailing, delivery, advocate, show_name=mailing.names_in_subjects)
    zone = present.advocate_tz(advocate.spec, mailing.tz)
    context = present.alert_context(
        advocate.spec, views, when(delivery.created_at, zone, language), tr
    )
    return make_message(
        "alert",
        {**context, "language": language},
        templates_dir=mailing.templates_dir,
        sender=mailing.sender,
        recipient=str(advocate.spec["email"]),
        headers=_alert_headers(session, delivery, mailing.sender),
        language=language,
    )


def _alert_views(
    session: Session,
    mailing: Mailing,
    delivery: models.Delivery,
    advocate: models.Advocate,
    *,
    show_name: bool,
) -> list[dict[str, Any]]:
    """The delivery's events as views, the most urgent first, in the advocate's language."""
    language = present.advocate_language(advocate.spec)
    tr, zone = translator(language), present.advocate_tz(advocate.spec, mailing.tz)
    events = session.scalars(
        select(models.Event)
        .join(models.DeliveryEvent, models.DeliveryEvent.event_id == models.Event.id)
        .where(models.DeliveryEvent.delivery_id == delivery.id)
    )
    views = []
    for event in events:
        person = session.get(models.Person, event.person_id)
        spec = person.spec if person else {"name": event.person_id}
        views.append(present.event_view(event, spec, zone, tr, language, show_name=show_name))
    return most_urgent_first(views)


def _digest_message(
    session: Session, mailing: Mailing, delivery: models.Delivery, advocate: models.Advocate
) -> EmailMessage:
    assert delivery.period_start is not None and delivery.period_end is not None
    period = Period(delivery.period_start, delivery.period_end)
    context = digest_context(
        session, advocate, period, mailing.tz, show_names=mailing.names_in_subjects
    )
    headers = {
        "Message-ID": message_id(delivery.key, mailing.sender),
        "Date": format_datetime(delivery.created_at),
    }
    return make_message(
        "digest",
        context,
        templates_dir=mailing.templates_dir,
        sender=mailing.sender,
        recipient=str(advocate.spec["email"]),
        headers=headers,
        language=context["language"],
    )


def _alert_headers(session: Session, delivery: models.Delivery, sender: str) -> dict[str, str]:
    headers = {
        "Message-ID": message_id(delivery.key, sender),
        "Date": format_datetime(delivery.created_at),
    }
    if delivery.person_id:
        root = thread_root(delivery.advocate_id, delivery.person_id, sender)
        previous = _previous_alert(session, delivery, sender)
        headers["In-Reply-To"] = previous or root
        headers["References"] = f"{root} {previous}" if previous else root
    return headers


def _previous_alert(session: Session, delivery: models.Delivery, sender: str) -> str | None:
    D = models.Delivery
    key = session.scalar(
        select(D.key)
        .where(
            D.advocate_id == delivery.advocate_id,
            D.person_id == delivery.person_id,
            D.kind == "alert",
            D.channel == channels.EMAIL,
            D.id < delivery.id,
        )
        .order_by(D.id.desc())
        .limit(1)
    )
    return message_id(key, sender) if key else None
