"""The queries on decisions: an advocate's verdict on a (person, observation) pair."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.store import models

D = models.Decision


def on(session: Session, person_id: str, observation_id: int | None) -> models.Decision | None:
    """The decision on one pair, if any."""
    query = select(D).where(D.person_id == person_id, D.observation_id == observation_id)
    return session.scalar(query)


def verdict_on(session: Session, person_id: str, observation_id: int) -> str | None:
    query = select(D.verdict).where(D.person_id == person_id, D.observation_id == observation_id)
    return session.scalar(query)


def listed(
    session: Session, person_id: str | None = None, since: datetime | None = None
) -> dict[tuple[str, int | None], models.Decision]:
    """The decision on each pair (of one person; on observations with events since a time)."""
    E = models.Event
    query = select(D)
    if person_id:
        query = query.where(D.person_id == person_id)
    if since:
        query = query.where(
            D.observation_id.in_(select(E.observation_id).where(E.detected_at >= since))
        )
    return {(d.person_id, d.observation_id): d for d in session.scalars(query)}
