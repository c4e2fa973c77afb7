"""The queries on login hits (`login_hits`): the requests to the sign-in pages, counted per client
for the hourly limit (`client` is a keyed hash of the address, never the address)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from monitor.store import models

H = models.LoginHit


def forget_until(session: Session, until: datetime) -> None:
    """Delete the hits at or before `until`."""
    session.execute(delete(H).where(H.at <= until))


def count_since(session: Session, client: str, since: datetime) -> int:
    """How many requests a client made after `since`."""
    query = select(func.count()).where(H.client == client, H.at > since)
    return int(session.scalar(query) or 0)
