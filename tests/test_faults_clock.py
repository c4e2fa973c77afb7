"""The clock misbehaves: summer time starts and ends in MONITOR_TIMEZONE, the wall clock steps back
an hour after a digest went out, the machine sleeps for months. Each advocate still gets exactly
one digest per period, at 08:00 local time.

Through the scheduler's own digest job (`Scheduler.queue_digests`, which queues and then sends)
on a simulated clock, with a real SMTP server; tests/test_digest.py checks the queueing rule
alone on both databases.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

import pytest

from monitor.config.watchlist import load_watchlist
from monitor.http import open_client
from monitor.service.run import mailing_for
from monitor.service.runtime import Runtime
from monitor.service.scheduler import DIGEST_CHECK_EVERY, Scheduler
from monitor.store import database
from monitor.store.sync import sync_watchlist
from tests.e2e import settings_for, write_watchlist
from tests.servers.faults_sources import Clock
from tests.servers.smtp_server import SmtpTestServer

PARIS = ZoneInfo("Europe/Paris")
SPRING = (datetime(2026, 3, 21, tzinfo=PARIS), datetime(2026, 4, 7, tzinfo=PARIS))  # 29 March
AUTUMN = (datetime(2026, 10, 17, tzinfo=PARIS), datetime(2026, 11, 3, tzinfo=PARIS))  # 25 Oct.
STEP_BACK_AT = datetime(2026, 3, 30, 8, 10, tzinfo=PARIS)  # the Monday after the change
STEP_BACK = timedelta(minutes=90)
ADDED = datetime(2026, 3, 10, tzinfo=UTC)  # when the advocates were added
pytestmark = pytest.mark.slow


def step(now: datetime) -> timedelta:
    """How long until the job fires again: every DIGEST_CHECK_EVERY near 08:00 local, hourly-ish
    elsewhere (a job that misfires or coalesces; correctness must not depend on its cadence)."""
    local = now.astimezone(PARIS)
    near = abs((local.hour * 60 + local.minute) - 8 * 60) <= 90
    return DIGEST_CHECK_EVERY if near else timedelta(minutes=55)


async def run_job(scheduler: Scheduler, clock: Clock, start: datetime, end: datetime) -> None:
    clock.now = start.astimezone(UTC)
    stepped_back = False
    while clock.now < end:
        await scheduler.queue_digests()
        clock.now += step(clock.now)
        if not stepped_back and clock.now >= STEP_BACK_AT > start:
            clock.now -= STEP_BACK  # an NTP correction: the wall clock goes back past 08:00
            stepped_back = True


@pytest.fixture(scope="module")
def digests(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[EmailMessage]]:
    """Every digest the SMTP server received over both windows (months of sleep between them)."""
    folder = tmp_path_factory.mktemp("clock")
    with SmtpTestServer() as smtp:
        watchlist = write_watchlist(folder / "watchlist.yaml", [])
        settings = settings_for(
            folder,
            watchlist,
            timezone="Europe/Paris",
            smtp_host="127.0.0.1",
            smtp_port=str(smtp.port),
            smtp_security="none",
        )
        engine = database.open_engine(settings)
        database.upgrade(engine)
        with database.transaction(database.make_session_factory(engine)) as session:
            sync_watchlist(session, load_watchlist(watchlist), ADDED)
        engine.dispose()
        asyncio.run(_play(settings))
        with smtp.lock:
            yield list(smtp.messages)


async def _play(settings: object) -> None:
    runtime = Runtime.open(settings)  # type: ignore[arg-type]
    clock = Clock(ADDED)
    runtime.clock = clock
    try:
        async with open_client(runtime.settings) as client:
            runtime.http = client
            scheduler = Scheduler(runtime, mailing_for(runtime.settings))
            for start, end in (SPRING, AUTUMN):
                await run_job(scheduler, clock, start, end)
    finally:
        runtime.close()


def received(messages: list[EmailMessage], address: str) -> list[tuple[date, datetime]]:
    """(the local day its period ends, when it was dated in Paris) of each digest to `address`."""
    found = []
    for message in messages:
        subject = str(message["Subject"])
        if message["To"] == address and subject.startswith("[DIGEST]"):
            end = date.fromisoformat(subject.rsplit(" to ", 1)[-1].rstrip(")"))
            found.append((end, parsedate_to_datetime(str(message["Date"])).astimezone(PARIS)))
    return sorted(found)


def expected_ends(start: datetime, end: datetime, *, weekly: bool) -> list[date]:
    """The periods a window must close: the last one that ended before it began (the service
    was not running: it catches up with one digest), then each 08:00 inside it."""
    days, day = [], (start - timedelta(days=8)).date()
    while day < end.date() + timedelta(days=1):
        at_eight = datetime(day.year, day.month, day.day, 8, tzinfo=PARIS)
        if (not weekly or day.weekday() == 0) and at_eight < end:
            days.append((day, at_eight))
        day += timedelta(days=1)
    before = [d for d, at in days if at <= start][-1:]
    return before + [d for d, at in days if start < at]


def test_one_weekly_digest_per_week_across_both_changes_of_time(
    digests: list[EmailMessage],
) -> None:
    ends = [end for end, _ in received(digests, "legal@example.org")]
    wanted = expected_ends(*SPRING, weekly=True) + expected_ends(*AUTUMN, weekly=True)
    assert ends == wanted
    assert all(end.weekday() == 0 for end in ends)


def test_one_daily_digest_per_day_on_the_23_and_25_hour_days_too(
    digests: list[EmailMessage],
) -> None:
    ends = [end for end, _ in received(digests, "press@example.org")]
    wanted = expected_ends(*SPRING, weekly=False) + expected_ends(*AUTUMN, weekly=False)
    assert date(2026, 3, 29) in wanted and date(2026, 10, 25) in wanted
    assert ends == wanted


def test_digests_go_out_at_eight_local_time_in_summer_and_in_winter(
    digests: list[EmailMessage],
) -> None:
    sent = received(digests, "legal@example.org") + received(digests, "press@example.org")
    on_time = [when for end, when in sent if when.date() == end]
    assert {when.utcoffset() for when in on_time} == {timedelta(hours=1), timedelta(hours=2)}
    assert [w for w in on_time if not (8, 0) <= (w.hour, w.minute) <= (8, 10)] == []
    caught_up = [when for end, when in sent if when.date() != end]
    assert sorted(set(caught_up)) == [SPRING[0], AUTUMN[0]]  # at each wake-up


def test_a_wall_clock_stepping_back_past_eight_sends_nothing_twice(
    digests: list[EmailMessage],
) -> None:
    that_day = [e for e, _ in received(digests, "press@example.org") if e == STEP_BACK_AT.date()]
    assert len(that_day) == 1
    assert len({str(m["Message-ID"]) for m in digests}) == len(digests)


def test_after_months_asleep_one_digest_covers_the_whole_gap(
    digests: list[EmailMessage],
) -> None:
    spans = [
        str(m["Subject"]).rsplit("(", 1)[-1].rstrip(")")
        for m in digests
        if m["To"] == "legal@example.org" and str(m["Subject"]).startswith("[DIGEST]")
    ]
    # From the last spring digest to the last Monday before waking up: one digest, no backlog.
    assert [span for span in spans if span.startswith("2026-04-06")] == ["2026-04-06 to 2026-10-12"]
