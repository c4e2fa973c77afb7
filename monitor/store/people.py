"""The queries on people and advocates: who still needs matching against history, who is current."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from monitor.store import models


def everyone(session: Session) -> Sequence[models.PersonRow]:
    """Every person ever watched (archived ones too)."""
    return session.scalars(select(models.PersonRow)).all()


def stamp(session: Session) -> tuple[Any, ...]:
    """(people, archived people, newest update): it changes whenever the people table does."""
    P = models.PersonRow
    query = select(func.count(), func.count(P.archived_at), func.max(P.updated_at))
    return tuple(session.execute(query).one())


def current(session: Session) -> Sequence[models.PersonRow]:
    """The people on the watchlist now (not archived), by id."""
    P = models.PersonRow
    return session.scalars(select(P).where(P.archived_at.is_(None)).order_by(P.id)).all()


def pending_backfill(session: Session) -> list[models.PersonRow]:
    """Current people whose present watchlist entry was not yet matched against stored history."""
    P = models.PersonRow
    query = select(P).where(
        P.archived_at.is_(None), or_(P.backfilled_hash.is_(None), P.backfilled_hash != P.spec_hash)
    )
    return list(session.scalars(query.order_by(P.id)))


def current_advocates(session: Session) -> Sequence[models.Advocate]:
    """The advocates not archived, by id."""
    A = models.Advocate
    return session.scalars(select(A).where(A.archived_at.is_(None)).order_by(A.id)).all()


def advocates(session: Session) -> Sequence[models.Advocate]:
    """Every advocate (archived ones too), by id."""
    A = models.Advocate
    return session.scalars(select(A).order_by(A.id)).all()
