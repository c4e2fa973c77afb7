"""Quiet hours: an advocate sleeps through what can wait, never through what cannot; the night's
events arrive as one message when the window ends, on the right hour across summer-time changes;
and the digest comes at 08:00 in the advocate's own zone.

The clock is simulated with time-machine: the service's clock (`models.utcnow`) is the frozen
`datetime.now`, as it would be on a machine whose clock really stood there.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.config.watchlist import Watchlist, parse_watchlist
from monitor.outbox.compose import Mailing
from monitor.outbox.digest import last_scheduled, queue_due_digests
from monitor.outbox.quiet import quiet_until
from monitor.outbox.route import queue_alerts
from monitor.outbox.send import deliver_pending_async
from monitor.outbox.templates import default_templates_dir
from monitor.outbox.transports import OutboxTransport
from monitor.store import database, models
from monitor.store.models import utcnow
from monitor.store.sync import sync_watchlist

PARIS = ZoneInfo("Europe/Paris")
SPRING_NIGHT = datetime(2026, 3, 28, 23, 30, tzinfo=PARIS)  # clocks go 02:00 -> 03:00 at dawn
AUTUMN_NIGHT = datetime(2026, 10, 24, 23, 30, tzinfo=PARIS)  # clocks go 03:00 -> 02:00


def watchlist(quiet: str = "22:00-07:00", zone: str = "Europe/Paris") -> Watchlist:
    return parse_watchlist(
        f"""
people:
  - id: p1
    name: Mukhtar Ablyazov
    advocates: [legal]
advocates:
  - id: legal
    name: Legal team
    email: legal@example.org
    digest: daily
    min_severity: low
    timezone: {zone}
    quiet_hours: "{quiet}"
sources:
  - id: news
    type: feed
    url: https://news.example.org/rss
""".encode()
    )


def event(factory: sessionmaker[Session], wl: Watchlist, key: str, severity: str) -> None:
    """An event recorded now (the simulated clock), queued as the poll queues it."""
    now = utcnow()
    with database.transaction(factory) as session:
        sync_watchlist(session, wl, now - timedelta(days=3))
        row = models.Event(
            key=key,
            person_id="p1",
            type="news_mention",
            severity=severity,
            title=f"item {key}",
            evidence=f"Mukhtar Ablyazov {key}.",
            source_id="news",
            details={"context_labels": ["arrest"] if severity == "high" else []},
            detected_at=now,
            cycle_id=key,
        )
        session.add(row)
        session.flush()
        queue_alerts(session, [row], wl, key, now, UTC)


def deliver(factory: sessionmaker[Session], outbox: Path) -> list[str]:
    """Send what is due now; the subjects of the emails sent."""
    mailing = Mailing(OutboxTransport(outbox), "r <r@example.org>", default_templates_dir(), UTC)
    asyncio.run(deliver_pending_async(factory, mailing, "t", utcnow))
    with factory() as session:
        sent = session.scalars(
            select(models.Delivery.subject)
            .where(models.Delivery.status == "sent", models.Delivery.sent_at == utcnow())
            .order_by(models.Delivery.id)
        )
        return [str(s) for s in sent]


def events_of_sent(factory: sessionmaker[Session]) -> list[list[str]]:
    with factory() as session:
        deliveries = session.scalars(
            select(models.Delivery)
            .where(models.Delivery.status == "sent")
            .order_by(models.Delivery.id)
        )
        return [
            sorted(
                session.scalars(
                    select(models.Event.key)
                    .join(models.DeliveryEvent, models.DeliveryEvent.event_id == models.Event.id)
                    .where(models.DeliveryEvent.delivery_id == d.id)
                )
            )
            for d in deliveries
        ]


@pytest.mark.parametrize(
    ("night", "wake_utc"),
    [
        (SPRING_NIGHT, datetime(2026, 3, 29, 5, 0, tzinfo=UTC)),  # 07:00 CEST
        (AUTUMN_NIGHT, datetime(2026, 10, 25, 6, 0, tzinfo=UTC)),  # 07:00 CET
    ],
    ids=["summer-time-starts", "summer-time-ends"],
)
def test_what_can_wait_arrives_as_one_message_at_seven_local_across_a_dst_change(
    factory: sessionmaker[Session], tmp_path: Path, night: datetime, wake_utc: datetime
) -> None:
    wl = watchlist()
    with time_machine.travel(night, tick=False) as clock:
        event(factory, wl, "a", "medium")
        assert deliver(factory, tmp_path) == []
        clock.move_to(night + timedelta(hours=3))  # past the clock change
        event(factory, wl, "b", "low")
        assert deliver(factory, tmp_path) == []
        clock.move_to(wake_utc - timedelta(minutes=1))
        assert deliver(factory, tmp_path) == []
        clock.move_to(wake_utc)
        [subject] = deliver(factory, tmp_path)
    assert subject.endswith("and 1 more")
    assert events_of_sent(factory) == [["a", "b"]]


def test_urgent_news_goes_out_at_once_in_the_middle_of_the_night(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    wl = watchlist()
    with time_machine.travel(SPRING_NIGHT + timedelta(hours=2), tick=False):  # 01:30 local
        event(factory, wl, "waits", "medium")
        event(factory, wl, "arrest", "high")
        assert deliver(factory, tmp_path) == ["ARREST: Mukhtar Ablyazov"]
    assert events_of_sent(factory) == [["arrest"]]


def test_outside_quiet_hours_everything_goes_at_once(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with time_machine.travel(datetime(2026, 3, 30, 12, 0, tzinfo=PARIS), tick=False):
        event(factory, watchlist(), "noon", "low")
        assert len(deliver(factory, tmp_path)) == 1


def test_a_window_inside_one_day_and_a_skipped_spring_hour_end_where_the_clocks_say() -> None:
    day = datetime(2026, 6, 1, 13, 0, tzinfo=PARIS)
    assert quiet_until(day, PARIS, "12:00-14:00") == datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert quiet_until(day, PARIS, "14:00-16:00") is None
    # 02:30 does not exist in Paris on 2026-03-29: the window ends as the clocks moved, 03:30.
    night = datetime(2026, 3, 29, 1, 0, tzinfo=PARIS)
    end = quiet_until(night, PARIS, "22:00-02:30")
    assert end is not None and end.astimezone(PARIS).strftime("%H:%M") == "03:30"


def test_the_digest_comes_at_eight_in_the_advocates_own_zone_across_a_dst_change(
    factory: sessionmaker[Session],
) -> None:
    york = ZoneInfo("America/New_York")  # summer time starts there on 2026-03-08
    wl = watchlist(zone="America/New_York")
    catch_up = datetime(2026, 3, 7, 7, 0, tzinfo=york)
    with time_machine.travel(catch_up, tick=False), database.transaction(factory) as session:
        sync_watchlist(session, wl, datetime(2026, 3, 1, tzinfo=UTC))
        queue_due_digests(session, utcnow(), PARIS)  # the catch-up of the days before
    for day in (7, 8, 9):
        local_eight = datetime(2026, 3, day, 8, 0, tzinfo=york)
        before = local_eight - timedelta(minutes=1)
        with time_machine.travel(before, tick=False), database.transaction(factory) as session:
            assert queue_due_digests(session, utcnow(), PARIS) == []
        with time_machine.travel(local_eight, tick=False), database.transaction(factory) as session:
            [digest] = queue_due_digests(session, utcnow(), PARIS)
            assert digest.period_end == local_eight
    assert last_scheduled(datetime(2026, 3, 9, 13, 0, tzinfo=UTC), york, "daily") == datetime(
        2026, 3, 9, 8, 0, tzinfo=york
    )
