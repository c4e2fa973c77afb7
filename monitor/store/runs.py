"""The queries on poll runs (`source_runs`): one poll of one source and what it covered."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.store import models

R = models.SourceRun


def last_complete_sweep(session: Session, source_id: str) -> models.SourceRun | None:
    """A source's most recent full sweep that read everything, if any."""
    query = (
        select(R)
        .where(R.source_id == source_id, R.full.is_(True), R.complete.is_(True))
        .order_by(R.id.desc())
        .limit(1)
    )
    return session.scalar(query)
