"""The queries on events: by key, by person, the listing `monitor events` prints, the same
article told through another source, and the possible matches awaiting a verdict (the web app's
home and review queue).

Rules:
- a possible match awaits a verdict until a verdict on its (person, record) pair is given at or
  after the event.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.orm import Session

from monitor.store import models
from monitor.store.states import EventType

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


def at_last_detection(session: Session, person_ids: Collection[str]) -> list[models.Event]:
    """The events detected at each person's newest detection time (the (person, detected_at)
    index answers each maximum); two events of one person may share it."""
    newest = (
        select(E.person_id, func.max(E.detected_at).label("at"))
        .where(E.person_id.in_(person_ids))
        .group_by(E.person_id)
        .subquery()
    )
    query = select(E).join(
        newest, and_(E.person_id == newest.c.person_id, E.detected_at == newest.c.at)
    )
    return list(session.scalars(query))


def last_detected(
    session: Session, person_ids: Collection[str], types: Collection[str]
) -> dict[tuple[str, int | None], datetime]:
    """(person, observation) -> when an event of one of `types` about them was last detected."""
    query = (
        select(E.person_id, E.observation_id, func.max(E.detected_at))
        .where(E.person_id.in_(person_ids), E.type.in_(types))
        .group_by(E.person_id, E.observation_id)
    )
    return {(p, o): at for p, o, at in session.execute(query).all()}


def awaiting_verdict() -> ColumnElement[bool]:
    """A possible-match event with no verdict on its pair given since."""
    D = models.Decision
    decided = exists().where(
        D.person_id == E.person_id,
        D.observation_id == E.observation_id,
        D.decided_at >= E.detected_at,
    )
    return and_(E.type == EventType.POSSIBLE_MATCH, E.observation_id.is_not(None), ~decided)


def awaiting_by_person(session: Session, person_ids: Collection[str]) -> dict[str, int]:
    """How many possible matches await a verdict, per person (those with none left out)."""
    query = (
        select(E.person_id, func.count())
        .where(E.person_id.in_(person_ids), awaiting_verdict())
        .group_by(E.person_id)
    )
    return {person_id: int(count) for person_id, count in session.execute(query).all()}


def _awaiting_of(person_ids: Collection[str] | None) -> list[ColumnElement[bool]]:
    where = [awaiting_verdict()]
    if person_ids is not None:
        where.append(E.person_id.in_(person_ids))
    return where


def awaiting_count(session: Session, person_ids: Collection[str] | None, cap: int) -> int:
    """How many possible matches await a verdict (of these people; everyone's with None), counted
    up to `cap`."""
    counted = select(E.id).where(*_awaiting_of(person_ids)).limit(cap).subquery()
    return int(session.scalar(select(func.count()).select_from(counted)) or 0)


def awaiting_page(
    session: Session, person_ids: Collection[str] | None, offset: int, limit: int
) -> list[tuple[models.Event, models.Observation | None, models.MatchRow | None]]:
    """Possible matches awaiting a verdict (of these people; everyone's with None), oldest first,
    `limit` of them from `offset`, each with its record and match when they are stored."""
    Obs, M = models.Observation, models.MatchRow
    query = (
        select(E, Obs, M)
        .outerjoin(Obs, Obs.id == E.observation_id)
        .outerjoin(M, and_(M.observation_id == E.observation_id, M.person_id == E.person_id))
        .where(*_awaiting_of(person_ids))
        .order_by(E.detected_at, E.id)
        .offset(offset)
        .limit(limit)
    )
    return [(e, o, m) for e, o, m in session.execute(query).all()]
