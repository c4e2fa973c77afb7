"""The queries on sign-in links (`sign_in_links`): the web app's single-use links, emailed through
the outbox.

Rules:
- a link is used by one conditional UPDATE whose rowcount says whether it was won, so two clicks
  or two instances cannot both use it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from monitor.store import models

L = models.SignInLink


def of_delivery(session: Session, delivery_id: int) -> models.SignInLink | None:
    """The sign-in link a delivery (a sign-in email) carries, if any."""
    return session.scalar(select(L).where(L.delivery_id == delivery_id))


def count_since(session: Session, advocate_id: str, since: datetime) -> int:
    """How many sign-in links an advocate asked for after `since`."""
    query = select(func.count()).where(L.advocate_id == advocate_id, L.created_at > since)
    return int(session.scalar(query) or 0)


def use(session: Session, link_id: int, now: datetime) -> bool:
    """Mark a link used if it is unused and not expired at `now`; whether this call used it."""
    used = session.execute(
        update(L)
        .where(L.id == link_id, L.used_at.is_(None), L.expires_at > now)
        .values(used_at=now)
    )
    return used.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def owner_and_path(session: Session, link_id: int) -> tuple[str, str | None]:
    """(advocate id, the local path asked for) of an existing link."""
    row = session.execute(select(L.advocate_id, L.next_path).where(L.id == link_id)).one()
    return row.advocate_id, row.next_path
