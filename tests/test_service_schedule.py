"""The scheduling rules: cadence, backoff, leases and jitter, and the jobs APScheduler is given."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from monitor.config.watchlist import MIN_INTERVAL
from monitor.poll import LEASE, RENEW_EVERY, failure_backoff, next_due
from monitor.service.run import mailing_for
from monitor.service.runtime import Runtime
from monitor.service.scheduler import Scheduler, jitter_for, next_chance
from monitor.store import models
from monitor.store.database import transaction
from tests.e2e import settings_for, write_watchlist
from tests.news import UNRELATED, rss
from tests.servers.http_server import HttpTestServer, Reply

T = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def test_a_failing_source_waits_twice_as_long_after_each_failure_up_to_six_hours() -> None:
    waits = [failure_backoff(15 * MINUTE, n) / MINUTE for n in range(1, 8)]
    assert waits == [15, 30, 60, 120, 240, 360, 360]


def test_a_source_polled_less_often_than_six_hours_never_backs_off_past_its_interval() -> None:
    assert failure_backoff(timedelta(days=1), 5) == timedelta(days=1)


def test_the_next_poll_keeps_the_cadence_however_late_and_long_the_last_one_was() -> None:
    # Due at 10:00, fired with jitter at 10:01, took two minutes: the next slot is still 10:15.
    assert next_due(T, 15 * MINUTE, T + 3 * MINUTE) == T + 15 * MINUTE


def test_slots_missed_while_asleep_are_skipped_not_replayed() -> None:
    woke = T + timedelta(hours=5, minutes=3)
    assert next_due(T, 15 * MINUTE, woke) == woke + 15 * MINUTE


def test_a_poll_forced_before_its_slot_starts_a_new_cadence() -> None:
    assert next_due(T + 15 * MINUTE, 15 * MINUTE, T) == T + 15 * MINUTE
    assert next_due(None, 15 * MINUTE, T) == T + 15 * MINUTE


def test_a_dead_instances_claims_lapse_within_the_shortest_interval() -> None:
    # Another instance retries when the lease lapses, plus at most its jitter.
    assert LEASE + jitter_for(MIN_INTERVAL) < MIN_INTERVAL
    # A live poll renews often enough to survive two renewals lost to a busy moment.
    assert RENEW_EVERY * 3 <= LEASE


def test_jitter_spreads_tries_over_a_tenth_of_the_interval_at_most_a_minute() -> None:
    assert jitter_for(MINUTE) == timedelta(seconds=6)
    assert jitter_for(timedelta(hours=6)) == MINUTE


# In-process scheduler on a real SQLite database ---------------------------------------------------
@pytest.fixture
def server() -> Iterator[HttpTestServer]:
    with HttpTestServer() as server:
        server.route_prefix("/", lambda request: Reply.raw(rss([("/a", "Budget", UNRELATED)])))
        yield server


def feed(server: HttpTestServer, source_id: str, interval: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": source_id,
        "type": "feed",
        "url": server.url(f"/{source_id}"),
        "interval": interval,
        **extra,
    }


@pytest.fixture
def runtime(tmp_path: Path, server: HttpTestServer) -> Iterator[Runtime]:
    sources = [
        feed(server, "minutely", "1m"),
        feed(server, "hourly", "1h"),
        feed(server, "off", "1h", enabled=False),
    ]
    settings = settings_for(tmp_path, write_watchlist(tmp_path / "w.yaml", sources))
    runtime = Runtime.open(settings)
    yield runtime
    runtime.close()


def source_jobs(scheduler: Scheduler) -> dict[str, Any]:
    return {j.id: j for j in scheduler.scheduler.get_jobs() if j.id.startswith("source:")}


async def test_each_enabled_source_has_a_job_that_coalesces_never_overlaps_and_tolerates_lateness(
    runtime: Runtime,
) -> None:
    scheduler = Scheduler(runtime, mailing_for(runtime.settings))
    scheduler.start()
    try:
        jobs = source_jobs(scheduler)
        assert set(jobs) == {"source:minutely", "source:hourly"}  # not the disabled one
        hourly = jobs["source:hourly"]
        assert (hourly.coalesce, hourly.max_instances, hourly.misfire_grace_time) == (True, 1, 1800)
        assert hourly.trigger.interval == timedelta(hours=1) and hourly.trigger.jitter == 60
        assert jobs["source:minutely"].misfire_grace_time == 30
        # First tries are spread over the jitter window, not all at the same instant.
        assert hourly.next_run_time <= datetime.now(UTC) + timedelta(minutes=1)
    finally:
        await scheduler.stop(1)


async def test_a_new_watchlist_adds_removes_and_reschedules_source_jobs(
    runtime: Runtime, server: HttpTestServer
) -> None:
    scheduler = Scheduler(runtime, mailing_for(runtime.settings))
    scheduler.start()
    try:
        write_watchlist(
            runtime.settings.watchlist,
            [feed(server, "minutely", "2m"), feed(server, "new", "30m")],
        )
        await scheduler.check_watchlist()
        jobs = source_jobs(scheduler)
        assert set(jobs) == {"source:minutely", "source:new"}
        assert jobs["source:minutely"].trigger.interval == timedelta(minutes=2)
    finally:
        await scheduler.stop(1)


async def test_two_watchlist_checks_at_once_take_a_new_version_once_without_a_database_error(
    runtime: Runtime, server: HttpTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    # The periodic check and another caller meet on the same new file: the second waits for the
    # first, where both syncing at once failed on the source rows the first had just inserted.
    scheduler = Scheduler(runtime, mailing_for(runtime.settings))
    scheduler.start()
    try:
        write_watchlist(runtime.settings.watchlist, [feed(server, "new", "30m")])
        with caplog.at_level(logging.INFO, logger="monitor.service.scheduler"):
            await asyncio.gather(*(scheduler.check_watchlist() for _ in range(3)))
        messages = [r.getMessage() for r in caplog.records]
        assert messages.count("watchlist changed; sources rescheduled") == 1
        assert not [m for m in messages if "could not take it" in m]
        assert set(source_jobs(scheduler)) == {"source:new"}
    finally:
        await scheduler.stop(1)


def test_another_instances_claim_delays_the_next_try_until_it_lapses(runtime: Runtime) -> None:
    now = runtime.clock()
    with transaction(runtime.factory) as session:
        session.execute(
            update(models.Source)
            .where(models.Source.id == "hourly")
            .values(next_run_at=now, lease_owner="other:1:x", lease_until=now + LEASE)
        )
    assert next_chance(runtime, "hourly") == now + LEASE
    assert next_chance(runtime, "off") is None  # disabled: never tried


def test_a_failed_source_is_next_tried_when_its_backoff_ends(runtime: Runtime) -> None:
    later = runtime.clock() + timedelta(hours=2)
    with transaction(runtime.factory) as session:
        session.execute(
            update(models.Source).where(models.Source.id == "hourly").values(next_run_at=later)
        )
    assert next_chance(runtime, "hourly") == later


async def test_a_database_outage_skips_jobs_with_a_warning_not_a_stack_trace(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    import asyncio
    import shutil

    runtime.engine.dispose()
    shutil.rmtree(runtime.settings.data_dir)  # SQLite cannot open its file any more
    scheduler = Scheduler(runtime, mailing_for(runtime.settings))
    scheduler.start()
    await asyncio.sleep(0.5)  # every job runs once at start
    await scheduler.stop(1)
    skipped = {
        getattr(r, "job", None)
        for r in caplog.records
        if r.getMessage() == "database unavailable; job skipped"
    }
    assert {"deliver", "queue_digests"} <= skipped  # the jobs that run at once at start
    assert not [r for r in caplog.records if r.exc_info]
