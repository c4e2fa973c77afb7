"""The database fails mid-cycle: SQLite's disk is full or its file read-only, PostgreSQL restarts.
The cycle fails cleanly (one clear line, nothing half-written), and the next one recovers: every
article becomes one event and one email per follower.

Real `monitor poll` / `monitor run` processes (through tests/servers/faults_launcher.py for a later
clock and the SQLite limits), a real feed and SMTP server, and a PostgreSQL server of the test's
own (tests/servers/faults_postgres.py) that the test stops and restarts.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from monitor.store import database, models
from tests.e2e import write_watchlist
from tests.servers import faults_postgres
from tests.servers.faults_crash import event_ref, plain_body
from tests.servers.faults_postgres import PrivatePostgres
from tests.servers.faults_process import ShiftedMonitor, run_shifted
from tests.servers.faults_world import SUBJECTS, World, followers
from tests.servers.http_server import HttpTestServer
from tests.servers.interpol_sim import InterpolSim
from tests.servers.service_process import wait_until
from tests.servers.smtp_server import SmtpTestServer

pytestmark = pytest.mark.slow
START = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
LATER = timedelta(minutes=3)  # each cycle starts past the leases of the one before


@dataclass
class Shop:
    """The sources, the SMTP server and the settings a cycle runs with."""

    folder: Path
    world: World
    server: HttpTestServer
    smtp: SmtpTestServer
    environ: dict[str, str]
    url: str
    at: datetime = START

    def poll(self, **faults: Any) -> subprocess.CompletedProcess[str]:
        """`monitor poll`, LATER than the previous cycle."""
        self.at += LATER
        return run_shifted(self.environ, self.folder, ["poll"], at=self.at, **faults)

    def rows(self, query: Any) -> list[Any]:
        engine = database.create_db_engine(self.url)
        try:
            with database.make_session_factory(engine)() as session:
                return list(session.scalars(query))
        finally:
            engine.dispose()

    def publish(self, articles: int) -> None:
        for number in range(articles):
            self.world.publish_article("news", 1, SUBJECTS[number % len(SUBJECTS)])


@contextmanager
def opened_shop(folder: Path, url: str | None) -> Iterator[Shop]:
    """A news feed (polled once: the baseline) and an SMTP server, on `url` (None: the embedded
    SQLite file)."""
    world = World(InterpolSim(), random.Random(5))
    for _ in range(20):
        world.publish_noise("news")
    with HttpTestServer() as server, SmtpTestServer() as smtp:
        world.routes(server)
        sources = [s for s in world.sources(server) if s["id"] == "news"]
        environ = {
            "MONITOR_WATCHLIST": str(write_watchlist(folder / "watchlist.yaml", sources)),
            "MONITOR_DATA_DIR": str(folder / "data"),
            "MONITOR_SMTP_HOST": "127.0.0.1",
            "MONITOR_SMTP_PORT": str(smtp.port),
            "MONITOR_SMTP_SECURITY": "none",
            "MONITOR_LOG_FORMAT": "json",
        }
        if url:
            environ["MONITOR_DATABASE_URL"] = url
            assert run_shifted(environ, folder, ["db", "upgrade"]).returncode == 0
        url = url or f"sqlite:///{folder / 'data' / 'monitor.sqlite3'}"
        shop = Shop(folder, world, server, smtp, environ, url)
        assert shop.poll().returncode == 0  # the baseline
        yield shop


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Shop]:
    with opened_shop(tmp_path, None) as opened:
        yield opened


def a_clean_failure(done: subprocess.CompletedProcess[str]) -> bool:
    """Exit 1, the failure said in one line (the source's summary, or the command's own message),
    and no stack trace printed (the JSON log lines may carry one in their `exc` field)."""
    said = [line for line in done.stdout.splitlines() if ": FAILED: " in line]
    said += [line for line in done.stderr.splitlines() if line.startswith("monitor: ")]
    bare = [line for line in done.stderr.splitlines() if line.startswith("Traceback")]
    return done.returncode == 1 and len(said) >= 1 and not bare


def finished(service: ShiftedMonitor, code: int) -> subprocess.CompletedProcess[str]:
    return subprocess.CompletedProcess(
        service.args, code, "".join(service.stdout), "".join(service.stderr)
    )


def recorded(shop: Shop) -> tuple[list[models.Event], list[models.Observation]]:
    """The events and observations of the articles published after the baseline."""
    refs = {p.ref for p in shop.world.expected}
    events = [e for e in shop.rows(select(models.Event)) if event_ref(e) in refs]
    observations = [o for o in shop.rows(select(models.Observation)) if o.url in refs]
    return events, observations


def half_written(shop: Shop) -> list[str]:
    """What a crash may never leave: a delivery without events, an event without its delivery."""
    problems = []
    links = shop.rows(select(models.DeliveryEvent))
    told = {link.event_id for link in links}
    for delivery in shop.rows(select(models.Delivery)):
        if delivery.kind == "alert" and not [k for k in links if k.delivery_id == delivery.id]:
            problems.append(f"delivery {delivery.id} has no event")
    for event in shop.rows(select(models.Event)):
        if not event.baseline and event.id not in told:
            problems.append(f"event {event.id} has no delivery")
    return problems


def all_told(shop: Shop) -> bool:
    with shop.smtp.lock:
        bodies = [(str(m["To"]), plain_body(m)) for m in shop.smtp.messages]
    return all(
        any(to == address and published.ref in body for to, body in bodies)
        for published in shop.world.expected
        for address in followers(published.person_id)
    )


def everyone_told_once(shop: Shop) -> None:
    """Each article published after the baseline: one event, one email per follower."""
    events, _ = recorded(shop)
    expected = sorted((p.person_id, p.ref) for p in shop.world.expected)
    assert sorted((e.person_id, event_ref(e)) for e in events) == expected
    with shop.smtp.lock:
        messages = list(shop.smtp.messages)
    for published in shop.world.expected:
        for address in followers(published.person_id):
            copies = [m for m in messages if m["To"] == address and published.ref in plain_body(m)]
            assert len(copies) == 1, (address, published.ref)
    assert half_written(shop) == []


# SQLite -----------------------------------------------------------------------------------------
def page_count(shop: Shop) -> int:
    path = shop.url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as connection:
        return int(connection.execute("PRAGMA page_count").fetchone()[0])


def test_a_full_disk_fails_the_sqlite_cycle_cleanly_and_the_next_one_recovers(
    shop: Shop,
) -> None:
    shop.publish(150)  # far more than two free pages hold
    full = shop.poll(sqlite_max_pages=page_count(shop) + 2)
    assert a_clean_failure(full), full.stderr
    assert "database error: database or disk is full" in full.stdout + full.stderr
    assert recorded(shop) == ([], []) and half_written(shop) == []
    assert shop.smtp.messages == []
    recovered = shop.poll()
    assert recovered.returncode == 0, recovered.stderr
    everyone_told_once(shop)


def test_a_read_only_database_fails_the_sqlite_cycle_cleanly_and_the_next_one_recovers(
    shop: Shop,
) -> None:
    shop.publish(3)
    refused = shop.poll(sqlite_read_only=True)
    assert a_clean_failure(refused), refused.stderr
    assert "database error: attempt to write a readonly database" in refused.stdout + refused.stderr
    assert recorded(shop) == ([], [])
    recovered = shop.poll()
    assert recovered.returncode == 0, recovered.stderr
    everyone_told_once(shop)


# PostgreSQL -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def postgres() -> Iterator[PrivatePostgres]:
    if not faults_postgres.available():
        reason = f"PostgreSQL 15 binaries not found in {faults_postgres.BIN}"
        if os.environ.get("MONITOR_TEST_REQUIRE_POSTGRES", "") not in ("", "0"):
            pytest.fail(reason)
        pytest.skip(reason)
    with PrivatePostgres() as server:
        yield server


@pytest.fixture
def pg_shop(postgres: PrivatePostgres, tmp_path: Path) -> Iterator[Shop]:
    url = postgres.create_database(f"faults_{uuid.uuid4().hex[:12]}")
    with opened_shop(tmp_path, url) as opened:
        yield opened


@contextmanager
def people_locked(url: str) -> Iterator[None]:
    """A transaction holding every watched person's row: a poll's first match (its foreign key
    to the person) waits for it, inside the poll's transaction. The connection dies with the
    server's restart; it is closed without a rollback."""
    import psycopg

    connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
    try:
        connection.execute("SELECT id FROM people FOR UPDATE")
        yield
    finally:
        connection.close()


def waiting_for_a_lock(url: str) -> bool:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        found = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        ).fetchone()
    return bool(found and found[0])


def test_postgres_restarted_inside_the_recording_transaction_leaves_nothing_half_written(
    pg_shop: Shop, postgres: PrivatePostgres
) -> None:
    pg_shop.publish(5)
    pg_shop.at += LATER
    with (
        people_locked(pg_shop.url),
        ShiftedMonitor(pg_shop.environ, pg_shop.folder, ["poll"], at=pg_shop.at) as service,
    ):
        wait_until(lambda: waiting_for_a_lock(pg_shop.url), 60, "the poll's transaction to wait")
        postgres.restart()  # cuts the poll's connection mid-transaction
        code = service.wait(timeout=60)
    assert a_clean_failure(finished(service, code)), service.text()
    assert "database error: " in service.text()  # the server's own words, not "internal error"
    assert recorded(pg_shop) == ([], []) and half_written(pg_shop) == []
    recovered = pg_shop.poll()
    assert recovered.returncode == 0, recovered.stderr
    everyone_told_once(pg_shop)


def test_postgres_restarted_during_a_fetch_does_not_fail_the_cycle(
    pg_shop: Shop, postgres: PrivatePostgres
) -> None:
    pg_shop.publish(3)
    pg_shop.world.hold_next("news", seconds=3.0)
    pg_shop.at += LATER
    with ShiftedMonitor(pg_shop.environ, pg_shop.folder, ["poll"], at=pg_shop.at) as service:
        wait_until(pg_shop.world.held.is_set, 60, "the fetch to start")
        postgres.restart()  # the pool's connections are dead; the recording reconnects
        code = service.wait(timeout=60)
    assert code == 0, service.text()
    everyone_told_once(pg_shop)


def test_postgres_down_when_a_cycle_starts_is_one_clear_line(
    pg_shop: Shop, postgres: PrivatePostgres
) -> None:
    pg_shop.publish(2)
    postgres.stop()
    try:
        down = pg_shop.poll()
    finally:
        postgres.start()
    assert a_clean_failure(down) and "cannot open the database" in down.stderr
    recovered = pg_shop.poll()
    assert recovered.returncode == 0, recovered.stderr
    everyone_told_once(pg_shop)


def test_a_running_service_survives_a_postgres_restart_and_records_at_its_next_try(
    pg_shop: Shop, postgres: PrivatePostgres
) -> None:
    pg_shop.publish(4)
    pg_shop.at += LATER
    with ShiftedMonitor(pg_shop.environ, pg_shop.folder, ["run"], at=pg_shop.at) as service:
        with people_locked(pg_shop.url):
            wait_until(lambda: waiting_for_a_lock(pg_shop.url), 90, "the poll to wait")
            postgres.restart()
        service.wait_for_log(lambda e: e["msg"] == "database unavailable; job skipped", 30)
        service.wait_for_log(lambda e: e["msg"] == "source polled", 150, "the next try")
        wait_until(lambda: all_told(pg_shop), 60, "the alerts")
        service.signal(signal.SIGTERM)
        assert service.wait(timeout=15) == 0
    assert not [line for line in service.stderr if line.startswith("Traceback")]
    everyone_told_once(pg_shop)
