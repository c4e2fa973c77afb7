"""The queries on sign-in links (`sign_in_links`): the web app's single-use links, emailed through
the outbox."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.store import models

L = models.SignInLink


def of_delivery(session: Session, delivery_id: int) -> models.SignInLink | None:
    """The sign-in link a delivery (a sign-in email) carries, if any."""
    return session.scalar(select(L).where(L.delivery_id == delivery_id))
