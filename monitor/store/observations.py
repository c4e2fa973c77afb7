"""The queries on observations and their evidence: by key, by id, by person.

Rules:
- keys and ids are looked up in chunks of CHUNK, under every database's limit on bound
  parameters.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from monitor.store import models
from monitor.store.states import ObservationKind

CHUNK = 500
Obs, Ev = models.Observation, models.Evidence


def by_keys(session: Session, source_id: str, keys: list[str]) -> dict[str, models.Observation]:
    """A source's stored observations under any of `keys`, by key."""
    found: dict[str, models.Observation] = {}
    for start in range(0, len(keys), CHUNK):
        query = select(Obs).where(
            Obs.source_id == source_id, Obs.key.in_(keys[start : start + CHUNK])
        )
        found.update((row.key, row) for row in session.scalars(query))
    return found


def stored_keys(session: Session, source_id: str, keys: Collection[str]) -> set[str]:
    """Which of `keys` a source has stored observations under."""
    query = select(Obs.key).where(Obs.source_id == source_id, Obs.key.in_(keys))
    return set(session.scalars(query))


def text_of(session: Session, source_id: str, key: str) -> str | None:
    """The stored text of a source's observation under `key`, if any."""
    query = select(Obs.text).where(Obs.source_id == source_id, Obs.key == key)
    return session.scalar(query)


def by_ids(session: Session, ids: Collection[int]) -> Sequence[models.Observation]:
    return session.scalars(select(Obs).where(Obs.id.in_(ids))).all()


def of_kind(session: Session, source_id: str, kind: ObservationKind) -> list[models.Observation]:
    """A source's observations of one kind (its notices, say)."""
    query = select(Obs).where(Obs.source_id == source_id, Obs.kind == kind)
    return list(session.scalars(query))


def matchable_ids(session: Session, source_id: str) -> list[int]:
    """A source's observations that name people (all but followed pages), by id."""
    query = select(Obs.id).where(Obs.source_id == source_id, Obs.kind != ObservationKind.WATCH_PAGE)
    return list(session.scalars(query.order_by(Obs.id)))


def about_person(
    session: Session, person_id: str, also: Collection[int]
) -> list[models.Observation]:
    """The observations a person was matched in, and those of `also` (their events'), by id."""
    matched = select(models.MatchRow.observation_id).where(models.MatchRow.person_id == person_id)
    query = select(Obs).where(or_(Obs.id.in_(also), Obs.id.in_(matched)))
    return list(session.scalars(query.order_by(Obs.id)))


def evidence_with_hash(
    session: Session, observation_id: int, sha256: str
) -> models.Evidence | None:
    query = select(Ev).where(Ev.observation_id == observation_id, Ev.sha256 == sha256)
    return session.scalar(query)


def evidence_of_each(session: Session, observation_ids: Collection[int]) -> list[models.Evidence]:
    """The evidence of these observations, oldest first."""
    query = select(Ev).where(Ev.observation_id.in_(observation_ids))
    return list(session.scalars(query.order_by(Ev.retrieved_at, Ev.id)))


def evidence_of(session: Session, observation_id: int) -> list[models.Evidence]:
    """An observation's evidence, oldest first."""
    query = select(Ev).where(Ev.observation_id == observation_id)
    return list(session.scalars(query.order_by(Ev.retrieved_at, Ev.id)))
