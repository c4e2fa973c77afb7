"""Forgetting old observations that nothing refers to (after MONITOR_RETENTION_DAYS)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, exists, select
from sqlalchemy.orm import Session

from monitor.store import models


def prune_observations(session: Session, before: datetime) -> int:
    """Delete observations last seen before `before` that no event or match refers to.

    - events are never deleted, nor what they point at: an alert's evidence stays available;
    - a notice still on the public list is seen at every sweep, so it is never old enough.
    """
    Obs = models.Observation
    unused = and_(
        Obs.last_seen_at < before,
        ~exists().where(models.Event.observation_id == Obs.id),
        ~exists().where(models.MatchRow.observation_id == Obs.id),
        ~exists().where(models.Decision.observation_id == Obs.id),
    )
    doomed = select(Obs.id).where(unused).scalar_subquery()
    session.execute(delete(models.Evidence).where(models.Evidence.observation_id.in_(doomed)))
    result = session.execute(
        delete(Obs).where(Obs.id.in_(select(Obs.id).where(unused).scalar_subquery()))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
