"""The queries on the audit log (`audit_log`): who did what in the web app."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.store import models

A = models.AuditEntry


def newest(session: Session, limit: int) -> list[models.AuditEntry]:
    """The `limit` newest entries, newest first."""
    return list(session.scalars(select(A).order_by(A.at.desc(), A.id.desc()).limit(limit)))
