"""Routing events to advocates, inside the poll's transaction.

Rules:
- an event goes to every advocate who follows its person; it is emailed at once when its severity
  is at or above the advocate's `min_severity` and it is not a first-scan (baseline) finding;
- the events of one cycle for one advocate make one email (one delivery row, key
  `alert:<cycle>:<advocate>`), written in the same transaction as the events.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from monitor.config.watchlist import Watchlist
from monitor.outbox import views
from monitor.store import models


def queue_alerts(
    session: Session,
    events: Sequence[models.Event],
    watchlist: Watchlist,
    cycle_id: str,
    now: datetime,
) -> list[models.Delivery]:
    """Create this cycle's delivery rows for `events`, in the events' transaction."""
    session.flush()  # the events get their ids
    grouped: dict[str, list[models.Event]] = {}
    for event in events:
        for advocate_id in recipients(event, watchlist):
            grouped.setdefault(advocate_id, []).append(event)
    deliveries = []
    for advocate_id, group in grouped.items():
        delivery = models.Delivery(
            key=f"alert:{cycle_id}:{advocate_id}",
            advocate_id=advocate_id,
            kind="alert",
            person_id=lead_event(group).person_id,
            next_attempt_at=now,
            created_at=now,
        )
        session.add(delivery)
        session.flush()
        session.add_all(models.DeliveryEvent(delivery_id=delivery.id, event_id=e.id) for e in group)
        deliveries.append(delivery)
    return deliveries


def recipients(event: models.Event, watchlist: Watchlist) -> list[str]:
    """The advocates to email at once about `event`."""
    person = watchlist.person(event.person_id)
    if event.baseline or person is None:
        return []
    return [
        advocate.id
        for advocate in watchlist.followers(person)
        if views.at_least(event.severity, advocate.min_severity)
    ]


def lead_event(events: Iterable[models.Event]) -> models.Event:
    return max(events, key=lambda e: (views.SEVERITY_RANK.get(e.severity, 0), -e.id))
