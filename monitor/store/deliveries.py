"""The queries on deliveries (the outbox rows): claim, record an outcome, and count.

Rules:
- a claim takes one due row (pending and due, or sending with an expired lease): SKIP LOCKED on
  PostgreSQL, and a conditional UPDATE everywhere whose rowcount says whether it was won;
- recording an outcome touches only a row whose lease `owner` still holds;
- counts are per status (and per channel label: a channel's scheme, never its URL).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from monitor.store import models
from monitor.store.states import DeliveryKind, DeliveryStatus

D = models.Delivery


def claim_due(
    session: Session, owner: str, now: datetime, until: datetime, skip: set[int] | None = None
) -> int | None:
    """Claim one due delivery for `owner` until `until`; its id, or None when nothing is due."""
    due = or_(
        and_(D.status == DeliveryStatus.PENDING, D.next_attempt_at <= now),
        and_(D.status == DeliveryStatus.SENDING, D.lease_until < now),
    )
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
            status=DeliveryStatus.SENDING,
            lease_owner=owner,
            lease_until=until,
            attempts=D.attempts + 1,
        )
    )
    return delivery_id if claimed.rowcount == 1 else None  # type: ignore[attr-defined]


def update_held(session: Session, delivery_id: int, owner: str, **values: Any) -> None:
    """Set `values` on a delivery whose lease `owner` still holds."""
    session.execute(update(D).where(D.id == delivery_id, D.lease_owner == owner).values(**values))


def attempts(session: Session, delivery_id: int) -> int | None:
    return session.scalar(select(D.attempts).where(D.id == delivery_id))


def channel(session: Session, delivery_id: int) -> str | None:
    return session.scalar(select(D.channel).where(D.id == delivery_id))


def by_key(session: Session, key: str) -> models.Delivery | None:
    return session.scalar(select(D).where(D.key == key))


def previous_alert_key(session: Session, delivery: models.Delivery, channel: str) -> str | None:
    """The key of the alert sent on `channel` before `delivery`, to the same advocate about the
    same person (the email thread's previous message), or None."""
    query = (
        select(D.key)
        .where(
            D.advocate_id == delivery.advocate_id,
            D.person_id == delivery.person_id,
            D.kind == DeliveryKind.ALERT,
            D.channel == channel,
            D.id < delivery.id,
        )
        .order_by(D.id.desc())
        .limit(1)
    )
    return session.scalar(query)


def count_by_status(session: Session) -> dict[DeliveryStatus, int]:
    """How many deliveries are in each status (every status named, 0 when none)."""
    counts = dict(session.execute(select(D.status, func.count()).group_by(D.status)).all())
    return {status: int(counts.get(status, 0)) for status in DeliveryStatus}


def count_by_channel(session: Session) -> dict[tuple[str, str], int]:
    """(channel label, status) -> count; a channel's label is its scheme, never its URL."""
    counts: dict[tuple[str, str], int] = {}
    for label, status, count in session.execute(
        select(D.channel, D.status, func.count()).group_by(D.channel, D.status)
    ):
        key = (str(label).split(":", 1)[0], str(status))
        counts[key] = counts.get(key, 0) + int(count)
    return counts


def failed(session: Session) -> Sequence[models.Delivery]:
    """Deliveries that failed for good, oldest first."""
    return session.scalars(select(D).where(D.status == DeliveryStatus.FAILED).order_by(D.id)).all()


def retrying(session: Session) -> Sequence[models.Delivery]:
    """Deliveries waiting for another try after a temporary failure, oldest first."""
    query = select(D).where(D.status == DeliveryStatus.PENDING, D.last_error.is_not(None))
    return session.scalars(query.order_by(D.id)).all()


def failed_or_retrying(session: Session, advocate_id: str) -> Sequence[models.Delivery]:
    """An advocate's deliveries that failed for good or wait for another try, oldest first."""
    query = select(D).where(
        D.advocate_id == advocate_id,
        or_(
            D.status == DeliveryStatus.FAILED,
            and_(D.status == DeliveryStatus.PENDING, D.last_error.is_not(None)),
        ),
    )
    return session.scalars(query.order_by(D.id)).all()


def last_digest(session: Session, advocate_id: str) -> models.Delivery | None:
    """An advocate's most recent digest (by the end of its period), or None."""
    query = (
        select(D)
        .where(D.advocate_id == advocate_id, D.kind == DeliveryKind.DIGEST)
        .order_by(D.period_end.desc(), D.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()
