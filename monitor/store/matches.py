"""The queries on matches: one person in one observation, the weak ones kept for review, and
what a poll stored."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import datetime

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session

from monitor.store import models
from monitor.store.states import Band, ObservationKind, Verdict

M, Obs = models.MatchRow, models.Observation


def of(session: Session, observation_id: int | None, person_id: str) -> models.MatchRow | None:
    """The match of one person in one observation, if any."""
    query = select(M).where(M.observation_id == observation_id, M.person_id == person_id)
    return session.scalar(query)


def above_weak(session: Session, observation_id: int) -> bool:
    """Whether someone was matched in an observation above the weak band."""
    query = select(M.id).where(M.observation_id == observation_id, M.band != Band.WEAK).limit(1)
    return session.scalar(query) is not None


def people_above_weak(session: Session, observation_id: int) -> list[str]:
    """The people matched in an observation above the weak band."""
    query = select(M.person_id).where(M.observation_id == observation_id, M.band != Band.WEAK)
    return list(session.scalars(query))


def keys_above_weak(session: Session, source_id: str) -> set[str]:
    """The keys of a source's observations in which someone was matched above the weak band."""
    query = (
        select(Obs.key)
        .join(M, M.observation_id == Obs.id)
        .where(Obs.source_id == source_id, M.band != Band.WEAK)
    )
    return set(session.scalars(query))


def stored_at(session: Session, source_id: str, when: datetime) -> int:
    """How many matches in a source's observations were stored at `when` (one poll's time)."""
    query = (
        select(func.count(M.id))
        .join(Obs, Obs.id == M.observation_id)
        .where(Obs.source_id == source_id, M.created_at == when)
    )
    return int(session.scalar(query) or 0)


def _weak_query() -> Select[models.MatchRow, models.Observation]:
    return (
        select(M, Obs)
        .join(Obs, Obs.id == M.observation_id)
        .where(M.band == Band.WEAK)
        .order_by(M.created_at, M.id)
    )


def weak(
    session: Session, person_id: str | None = None, since: datetime | None = None
) -> Iterator[tuple[models.MatchRow, models.Observation]]:
    """Weak matches with their observations, oldest first (of one person, since a time)."""
    query = _weak_query()
    if person_id:
        query = query.where(M.person_id == person_id)
    if since:
        query = query.where(M.created_at >= since)
    yield from session.execute(query)


def weak_between(
    session: Session, person_ids: Collection[str], start: datetime, end: datetime
) -> list[tuple[models.MatchRow, models.Observation]]:
    """The weak matches of these people stored from `start` up to (not including) `end`, with
    their observations, oldest first."""
    query = _weak_query().where(
        M.person_id.in_(person_ids), M.created_at >= start, M.created_at < end
    )
    return [(match, observation) for match, observation in session.execute(query).all()]


def strong_notices(session: Session, person_ids: Collection[str]) -> list[tuple[str, str, bool]]:
    """(person id, notice key, on the public list) of the notices strongly matched to these
    people, by key."""
    query = (
        select(M.person_id, Obs.key, Obs.present)
        .join(M, M.observation_id == Obs.id)
        .where(
            M.person_id.in_(person_ids), M.band == Band.STRONG, Obs.kind == ObservationKind.NOTICE
        )
        .order_by(Obs.key)
    )
    return [(person_id, key, present) for person_id, key, present in session.execute(query).all()]


def notices_of(
    session: Session, person_id: str
) -> list[tuple[models.Observation, models.MatchRow]]:
    """The notices a person was matched in (any band), with the match, by key."""
    query = (
        select(Obs, M)
        .join(M, M.observation_id == Obs.id)
        .where(M.person_id == person_id, Obs.kind == ObservationKind.NOTICE)
        .order_by(Obs.key)
    )
    return [(obs, match) for obs, match in session.execute(query).all()]


def strong_or_confirmed_notices(
    session: Session, person_ids: Collection[str]
) -> list[tuple[str, int, str, bool, datetime, datetime]]:
    """(person id, observation id, key, on the public list, first seen, last changed) of the
    notices strongly matched to these people or confirmed as theirs, by key."""
    D = models.Decision
    confirmed = exists().where(
        D.person_id == M.person_id,
        D.observation_id == M.observation_id,
        D.verdict == Verdict.CONFIRMED,
    )
    query = (
        select(M.person_id, Obs.id, Obs.key, Obs.present, Obs.first_seen_at, Obs.last_changed_at)
        .join(Obs, M.observation_id == Obs.id)
        .where(
            M.person_id.in_(person_ids),
            Obs.kind == ObservationKind.NOTICE,
            or_(M.band == Band.STRONG, confirmed),
        )
        .order_by(Obs.key)
    )
    return [
        (person_id, observation_id, key, present, first_seen, changed)
        for person_id, observation_id, key, present, first_seen, changed in session.execute(query)
    ]
