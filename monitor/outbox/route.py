"""Routing events to advocates, inside the poll's transaction.

Rules:
- an event goes to every advocate who follows its person; it is sent at once when its severity
  is at or above the advocate's `min_severity` and it is not a first-scan (baseline) finding;
- the events of one cycle for one advocate make one message per channel: one email (key
  `alert:<cycle>:<advocate>`) and one message per `notify:` target (key
  `alert:<cycle>:<advocate>:<channel>`), written in the same transaction as the events;
- inside the advocate's quiet hours only urgent (high) events go at once; the others join one
  held row per advocate and channel (key `held:<advocate>:<channel>:<end of the window>`),
  due when the window ends, so the night's events arrive as one grouped message.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, tzinfo

from monitor.config.watchlist import Advocate, Watchlist
from monitor.outbox import channels, present, quiet, views
from monitor.store import Session, deliveries, models
from monitor.store.states import DeliveryKind, DeliveryStatus


def queue_alerts(
    session: Session,
    events: Sequence[models.Event],
    watchlist: Watchlist,
    cycle_id: str,
    now: datetime,
    tz: tzinfo = UTC,
) -> list[models.Delivery]:
    """Create this cycle's delivery rows for `events`, in the events' transaction.

    `tz` is MONITOR_TIMEZONE: the quiet hours of an advocate without a `timezone:` are read in it.
    """
    session.flush()  # the events get their ids
    grouped: dict[str, list[models.Event]] = {}
    for event in events:
        for advocate_id in recipients(event, watchlist):
            grouped.setdefault(advocate_id, []).append(event)
    queued = []
    for advocate_id, group in grouped.items():
        advocate = watchlist.advocate(advocate_id)
        assert advocate is not None  # recipients() found them there
        queued += _queue_for(session, advocate, group, cycle_id, now, tz)
    return queued


def _queue_for(
    session: Session,
    advocate: Advocate,
    group: list[models.Event],
    cycle_id: str,
    now: datetime,
    tz: tzinfo,
) -> list[models.Delivery]:
    """One row per channel for what goes now, one held row per channel for what waits."""
    zone = present.advocate_tz({"timezone": advocate.timezone}, tz)
    until = quiet.quiet_until(now, zone, advocate.quiet_hours)
    now_events = [e for e in group if until is None or quiet.is_urgent(e.severity)]
    waiting = [e for e in group if e not in now_events]
    rows = []
    for channel in [channels.EMAIL, *(t.channel for t in channels.targets(advocate.model_dump()))]:
        suffix = "" if channel == channels.EMAIL else f":{channel}"
        if now_events:
            key = f"alert:{cycle_id}:{advocate.id}{suffix}"
            rows.append(_new_delivery(session, key, advocate.id, channel, now_events, now, now))
        if waiting and until is not None:
            rows.append(
                _held_delivery(session, advocate.id, channel, waiting, until, now, cycle_id)
            )
    return rows


def _new_delivery(
    session: Session,
    key: str,
    advocate_id: str,
    channel: str,
    group: list[models.Event],
    due: datetime,
    now: datetime,
) -> models.Delivery:
    delivery = models.Delivery(
        key=key,
        advocate_id=advocate_id,
        kind=DeliveryKind.ALERT,
        channel=channel,
        person_id=lead_event(group).person_id,
        next_attempt_at=due,
        created_at=now,
    )
    session.add(delivery)
    session.flush()
    session.add_all(models.DeliveryEvent(delivery_id=delivery.id, event_id=e.id) for e in group)
    return delivery


def _held_delivery(
    session: Session,
    advocate_id: str,
    channel: str,
    group: list[models.Event],
    until: datetime,
    now: datetime,
    cycle_id: str,
) -> models.Delivery:
    """The row that gathers the quiet window's events for one channel, due at its end."""
    key = f"held:{advocate_id}:{channel}:{until.isoformat(timespec='minutes')}"
    held = deliveries.by_key(session, key)
    if held is None or held.status != DeliveryStatus.PENDING:
        key = key if held is None else f"{key}:{cycle_id}"  # the window's row already went
        return _new_delivery(session, key, advocate_id, channel, group, until, now)
    session.add_all(models.DeliveryEvent(delivery_id=held.id, event_id=e.id) for e in group)
    return held


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
