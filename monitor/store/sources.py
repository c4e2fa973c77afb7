"""The queries on sources: the poll lease (claim, renew, release) and the lists status and
/metrics read.

Rules:
- a claim is one conditional UPDATE whose rowcount says whether it was won, so two instances
  never hold the same source;
- renewing and releasing touch only a lease `owner` still holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from monitor.store import models
from monitor.store.leases import ProcessId

S = models.Source


def claim(
    session: Session,
    source_id: str,
    owner: str,
    process: ProcessId,
    *,
    now: datetime,
    until: datetime,
    dead_owner: str | None,
    force: bool,
) -> bool:
    """Take the lease on a source that is enabled, unarchived, due (unless forced) and free.

    - free: no lease, an expired one, ours, or `dead_owner`'s (a holder known dead), only if
      nobody took it over meanwhile.
    """
    free = [S.lease_until.is_(None), S.lease_until < now, S.lease_owner == owner]
    if dead_owner is not None:
        free.append(S.lease_owner == dead_owner)
    conditions = [S.id == source_id, S.enabled.is_(True), S.archived_at.is_(None), or_(*free)]
    if not force:
        conditions.append(or_(S.next_run_at.is_(None), S.next_run_at <= now))
    result = session.execute(
        update(S)
        .where(and_(*conditions))
        .values(
            lease_owner=owner,
            lease_until=until,
            lease_host=process.host,
            lease_pid=process.pid,
            lease_process_started=process.started,
            lease_since=now,
        )
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def renew(session: Session, source_id: str, owner: str, until: datetime) -> bool:
    """Extend `owner`'s lease on a source; False when it is no longer theirs."""
    result = session.execute(
        update(S).where(S.id == source_id, S.lease_owner == owner).values(lease_until=until)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def release(session: Session, source_id: str, owner: str) -> None:
    """Forget `owner`'s lease on a source without recording anything."""
    session.execute(
        update(S)
        .where(S.id == source_id, S.lease_owner == owner)
        .values(
            lease_owner=None,
            lease_until=None,
            lease_since=None,
            lease_host=None,
            lease_pid=None,
            lease_process_started=None,
        )
    )


def ids(session: Session) -> list[str]:
    """Every stored source's id (archived ones too), in order."""
    return list(session.scalars(select(S.id).order_by(S.id)))


def live(session: Session, source_type: str | None = None) -> Sequence[models.Source]:
    """The sources not archived (of one type when given), by id."""
    query = select(S).where(S.archived_at.is_(None))
    if source_type is not None:
        query = query.where(S.type == source_type)
    return session.scalars(query.order_by(S.id)).all()


def failures(session: Session) -> list[tuple[str, int]]:
    """(id, consecutive failures) of every source not archived."""
    rows = session.execute(select(S.id, S.consecutive_failures).where(S.archived_at.is_(None)))
    return [(source_id, failed) for source_id, failed in rows]
