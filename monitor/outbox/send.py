"""The outbox: claim a due delivery, send it, record the outcome.

Rules:
- a delivery is claimed atomically (SKIP LOCKED on PostgreSQL, a conditional UPDATE everywhere),
  so two instances never send the same row; a claim whose sender died expires and is retried;
- every channel (email, and each Apprise target) goes through the same rows and the same steps;
- temporary failures are retried with capped exponential backoff, forever; permanent ones
  (a 5xx for the recipient) are recorded as failed and shown by `monitor status`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from monitor import metrics
from monitor.exc import DeliveryError
from monitor.outbox import channels
from monitor.outbox.compose import Mailing, build_outgoing
from monitor.store import Session, deliveries, sessionmaker
from monitor.store.states import DeliveryStatus, SendOutcome

log = logging.getLogger(__name__)
# Longer than one SMTP conversation can take (connect, TLS, DATA, each bounded by the timeout),
# short enough that a delivery claimed by a killed instance is soon taken over.
LEASE = timedelta(minutes=2)
BACKOFF_START = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


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
    with factory() as session, session.begin():
        return deliveries.claim_due(session, owner, now, now + LEASE, skip)


async def send_one(
    factory: sessionmaker[Session],
    mailing: Mailing,
    delivery_id: int,
    owner: str,
    clock: Callable[[], datetime],
) -> SendOutcome:
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
        outcome = SendOutcome.SENT
    channel = outgoing_label(factory, delivery_id)
    metrics.DELIVERIES.labels(channel, outcome).inc()
    if channel == channels.EMAIL:
        metrics.ALERTS.labels(outcome).inc()
    return outcome


def outgoing_label(factory: sessionmaker[Session], delivery_id: int) -> str:
    with factory() as session:
        channel = deliveries.channel(session, delivery_id)
    return channels.label(channel or channels.EMAIL)


def give_back(factory: sessionmaker[Session], delivery_id: int, owner: str) -> None:
    """Return a claimed delivery to the queue untouched (an interrupted send)."""
    with factory() as session, session.begin():
        deliveries.update_held(
            session,
            delivery_id,
            owner,
            status=DeliveryStatus.PENDING,
            lease_owner=None,
            lease_until=None,
        )


def record_sent(
    factory: sessionmaker[Session],
    delivery_id: int,
    owner: str,
    message_id: str,
    subject: str,
    now: datetime,
) -> None:
    with factory() as session, session.begin():
        deliveries.update_held(
            session,
            delivery_id,
            owner,
            status=DeliveryStatus.SENT,
            sent_at=now,
            message_id=message_id,
            subject=subject,
            lease_owner=None,
            lease_until=None,
            last_error=None,
        )
    log.info("message sent", extra={"delivery_id": delivery_id})


def record_failure(
    factory: sessionmaker[Session],
    delivery_id: int,
    owner: str,
    error: DeliveryError,
    now: datetime,
) -> SendOutcome:
    with factory() as session, session.begin():
        attempts = deliveries.attempts(session, delivery_id) or 1
        values: dict[str, Any] = {
            "last_error": str(error)[:2000],
            "lease_owner": None,
            "lease_until": None,
        }
        if error.permanent:
            values["status"] = DeliveryStatus.FAILED
        else:
            values.update(status=DeliveryStatus.PENDING, next_attempt_at=now + backoff(attempts))
        deliveries.update_held(session, delivery_id, owner, **values)
    outcome = SendOutcome.FAILED if error.permanent else SendOutcome.RETRYING
    log.warning(
        "message not delivered",
        extra={"delivery_id": delivery_id, "outcome": outcome, "error": str(error)},
    )
    return outcome


def backoff(attempts: int) -> timedelta:
    delay: timedelta = BACKOFF_START * (2 ** max(attempts - 1, 0))
    return min(delay, BACKOFF_CAP)
