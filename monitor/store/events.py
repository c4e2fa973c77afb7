"""The queries on events: by key, by person, the listing `monitor events` prints, and the same
article told through another source."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.store import models

E = models.Event


def key_taken(session: Session, key: str) -> bool:
    return session.scalar(select(E.id).where(E.key == key)) is not None


def of_delivery(session: Session, delivery_id: int) -> list[models.Event]:
    """The events a delivery tells of."""
    D = models.DeliveryEvent
    query = select(E).join(D, D.event_id == E.id).where(D.delivery_id == delivery_id)
    return list(session.scalars(query))


def listed(
    session: Session, person_id: str | None = None, since: datetime | None = None
) -> list[models.Event]:
    """Events oldest first (of one person, detected since a time)."""
    query = select(E).order_by(E.detected_at, E.id)
    if person_id:
        query = query.where(E.person_id == person_id)
    if since:
        query = query.where(E.detected_at >= since)
    return list(session.scalars(query))


def of_people_between(
    session: Session, person_ids: Collection[str], start: datetime, end: datetime
) -> list[models.Event]:
    """The events of these people detected from `start` up to (not including) `end`, oldest first."""
    query = (
        select(E)
        .where(E.person_id.in_(person_ids), E.detected_at >= start, E.detected_at < end)
        .order_by(E.detected_at, E.id)
    )
    return list(session.scalars(query))


def told_elsewhere(
    session: Session, person_id: str, url: str, source_id: str, types: Collection[str]
) -> bool:
    """Whether an event of one of `types` about `url` named the person through another source."""
    query = select(E.id).where(
        E.person_id == person_id, E.url == url, E.source_id != source_id, E.type.in_(types)
    )
    return session.scalar(query.limit(1)) is not None
