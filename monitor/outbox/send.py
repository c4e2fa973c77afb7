"""The outbox: claim a due delivery, send it, record the outcome.

Rules:
- a delivery is claimed atomically (SKIP LOCKED on PostgreSQL, a conditional UPDATE everywhere),
  so two instances never send the same row; a claim whose sender died expires and is retried;
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

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from monitor import metrics
from monitor.exc import DeliveryError
from monitor.outbox.compose import (
    Mailing,
    build_message,
)
from monitor.store import models

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
