"""Routing events to advocates, and the outbox: claim, send, record.

Rules:
- an event goes to every advocate who follows its person; it is emailed at once when its severity
  is at or above the advocate's `min_severity` and it is not a first-scan (baseline) finding;
- the events of one cycle for one advocate make one email (one delivery row, key
  `alert:<cycle>:<advocate>`), written in the same transaction as the events;
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
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from monitor import metrics, models, views
from monitor.emails import make_message
from monitor.exc import DeliveryError
from monitor.mailer import Transport
from monitor.watchlist import Watchlist

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
) -> list[models.Delivery]:
    """Create this cycle's delivery rows for `events`, in the events' transaction."""
    session.flush()  # the events get their ids
    grouped: dict[str, list[models.Event]] = {}
    for event in events:
        for advocate_id in recipients(event, watchlist):
            grouped.setdefault(advocate_id, []).append(event)
    deliveries = []
    for advocate_id, group in grouped.items():
        delivery = models.Delivery(
            key=f"alert:{cycle_id}:{advocate_id}",
            advocate_id=advocate_id,
            kind="alert",
            person_id=lead_event(group).person_id,
            next_attempt_at=now,
            created_at=now,
        )
        session.add(delivery)
        session.flush()
        session.add_all(models.DeliveryEvent(delivery_id=delivery.id, event_id=e.id) for e in group)
        deliveries.append(delivery)
    return deliveries


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


class Links(Protocol):
    """The web app's links in emails (monitor.web.signing.EmailLinks), when the app is set up."""

    def sign_in(self, link_id: int) -> str: ...

    def verdict(self, advocate_id: str, event_id: int) -> dict[str, str]: ...

    def person(self, person_id: str) -> str: ...


@dataclass(frozen=True)
class Mailing:
    """What the delivery step needs besides the database."""

    transport: Transport
    sender: str
    templates_dir: Path
    tz: Any
    names_in_subjects: bool = True
    links: Links | None = None  # None: no MONITOR_SECRET_KEY, so emails carry no web links


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
        metrics.ALERTS.labels(outcome).inc()
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
            message = build_message(session, mailing, delivery_id)
        await mailing.transport.send(message)
    except DeliveryError as exc:
        return record_failure(factory, delivery_id, owner, exc, clock())
    except asyncio.CancelledError:
        give_back(factory, delivery_id, owner)  # the service stops: the next start sends it
        raise
    record_sent(
        factory, delivery_id, owner, str(message["Message-ID"]), str(message["Subject"]), clock()
    )
    return "sent"


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
    log.info("email sent", extra={"delivery_id": delivery_id})


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
        "email not delivered",
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
    if delivery.kind == "login":
        return _sign_in_message(session, mailing, delivery, advocate)
    events = list(
        session.scalars(
            select(models.Event)
            .join(models.DeliveryEvent, models.DeliveryEvent.event_id == models.Event.id)
            .where(models.DeliveryEvent.delivery_id == delivery.id)
        )
    )
    event_views = views.most_severe_first([_view(session, e, mailing) for e in events])
    add_verdict_links(event_views, mailing, advocate.id)
    context = {
        "advocate": advocate.spec,
        "events": event_views,
        "lead": event_views[0],
        "generated_at": views.local_time(delivery.created_at, mailing.tz),
    }
    return make_message(
        "alert",
        context,
        templates_dir=mailing.templates_dir,
        sender=mailing.sender,
        recipient=str(advocate.spec["email"]),
        headers=_alert_headers(session, delivery, mailing.sender),
    )


def _digest_message(
    session: Session, mailing: Mailing, delivery: models.Delivery, advocate: models.Advocate
) -> EmailMessage:
    from monitor.digest import Period, digest_context

    assert delivery.period_start is not None and delivery.period_end is not None
    period = Period(delivery.period_start, delivery.period_end)
    context = digest_context(
        session, advocate, period, mailing.tz, show_names=mailing.names_in_subjects
    )
    for section in context["people"]:
        add_verdict_links(section["possible"], mailing, advocate.id)
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
    )


# --- the web app's links (issue 17) ---------------------------------------------------------------
def add_verdict_links(
    event_views: Iterable[dict[str, Any]], mailing: Mailing, advocate_id: str
) -> None:
    """Give each possible match its one-click "Yes, this is them" / "Not this person" links."""
    if mailing.links is None:
        return
    for view in event_views:
        if view["type"] == "possible_match" and view["id"] is not None:
            view["verdict_links"] = mailing.links.verdict(advocate_id, int(view["id"]))


def _sign_in_message(
    session: Session, mailing: Mailing, delivery: models.Delivery, advocate: models.Advocate
) -> EmailMessage:
    link = session.scalar(
        select(models.SignInLink).where(models.SignInLink.delivery_id == delivery.id)
    )
    if link is None or mailing.links is None:
        raise DeliveryError("a sign-in email needs MONITOR_SECRET_KEY", permanent=True)
    context = {
        "advocate": advocate.spec,
        "link": mailing.links.sign_in(link.id),
        "valid_until": views.local_time(link.expires_at, mailing.tz),
        "generated_at": views.local_time(delivery.created_at, mailing.tz),
    }
    headers = {
        "Message-ID": message_id(delivery.key, mailing.sender),
        "Date": format_datetime(delivery.created_at),
    }
    return make_message(
        "login",
        context,
        templates_dir=mailing.templates_dir,
        sender=mailing.sender,
        recipient=str(advocate.spec["email"]),
        headers=headers,
    )


# --- end of the web app's links ---------------------------------------------------------------------
def _view(session: Session, event: models.Event, mailing: Mailing) -> dict[str, Any]:
    person = session.get(models.Person, event.person_id)
    name = str(person.spec.get("name", event.person_id)) if person else event.person_id
    return views.event_view(event, name, mailing.tz, show_name=mailing.names_in_subjects)


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
            D.id < delivery.id,
        )
        .order_by(D.id.desc())
        .limit(1)
    )
    return message_id(key, sender) if key else None
