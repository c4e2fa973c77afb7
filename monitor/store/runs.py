"""The queries on poll runs (`source_runs`): one poll of one source and what it covered."""

from __future__ import annotations

from sqlalchemy import func, select
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


def last_finished_full(session: Session) -> dict[str, models.SourceRun]:
    """Each source's most recently started full run that finished, by source id."""
    ranked = (
        select(
            R.id,
            func.row_number()
            .over(partition_by=R.source_id, order_by=R.started_at.desc())
            .label("n"),
        )
        .where(R.full.is_(True), R.finished_at.is_not(None))
        .subquery()
    )
    query = select(R).join(ranked, ranked.c.id == R.id).where(ranked.c.n == 1)
    return {run.source_id: run for run in session.scalars(query)}
