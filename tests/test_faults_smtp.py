"""The SMTP server misbehaves for hours: nothing is lost, nothing is sent twice, and the admin sees
the failures in `monitor status`.

The service's own jobs run on a simulated clock (the Runtime's `clock`): the scheduler's poll job
every 15 minutes and its delivery job every 30 seconds, for hours, in a few seconds. The feed
server and the SMTP servers are real; `monitor status` is the real command, run as a process whose
wall clock is the simulated one (tests/servers/faults_launcher.py).
"""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from monitor.http import open_client
from monitor.service.run import mailing_for
from monitor.service.runtime import Runtime
from monitor.service.scheduler import DELIVERY_EVERY, Scheduler
from monitor.store import models
from tests.e2e import settings_for, write_watchlist
from tests.servers.faults_crash import plain_body
from tests.servers.faults_process import run_shifted
from tests.servers.faults_smtp import StarttlsSmtpServer, self_signed_certificate
from tests.servers.faults_sources import Clock
from tests.servers.faults_world import SUBJECTS, World, followers
from tests.servers.http_server import HttpTestServer
from tests.servers.interpol_sim import InterpolSim
from tests.servers.smtp_server import SmtpTestServer, free_port

START = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)  # a Tuesday: no digest falls due for a day
POLL_EVERY = timedelta(minutes=15)
PUBLISH_EVERY = timedelta(hours=1)
pytestmark = pytest.mark.slow


@dataclass
class Office:
    """A service at work on a simulated clock: its scheduler's jobs, called as they would fire."""

    folder: Path
    world: World
    runtime: Runtime
    scheduler: Scheduler
    clock: Clock
    environ: dict[str, str]

    async def live(self, duration: timedelta) -> None:
        """Run the jobs for `duration`: publish hourly, poll every 15 min, deliver every 30 s."""
        end = self.clock.now + duration
        while self.clock.now < end:
            minute = self.clock.now - START
            if minute % PUBLISH_EVERY == timedelta(0) and minute:
                self.world.publish_article("news", int(minute / PUBLISH_EVERY))
            if minute % POLL_EVERY == timedelta(0):
                await self.scheduler.poll("news")
            await self.scheduler.deliver()
            self.clock.now += DELIVERY_EVERY

    def status(self) -> tuple[int, dict[str, Any]]:
        """`monitor status --json` at the simulated time: its exit code and its data."""
        done = run_shifted(self.environ, self.folder, ["status", "--json"], at=self.clock.now)
        return done.returncode, json.loads(done.stdout)

    def table(self) -> str:
        """`monitor status` as an admin reads it, at the simulated time."""
        return run_shifted(self.environ, self.folder, ["status"], at=self.clock.now).stdout

    def deliveries(self) -> list[models.Delivery]:
        with self.runtime.factory() as session:
            return list(session.scalars(select(models.Delivery).order_by(models.Delivery.id)))


@pytest.fixture
async def office(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Office]:
    """The service and its feed, polled once (the baseline); SMTP settings from the test's
    parameter (MONITOR_SMTP_*)."""
    smtp: dict[str, str] = request.param
    world = World(InterpolSim(), random.Random(3))
    for subject in SUBJECTS[:2]:
        world.publish_article("news", 0, subject, baseline=True)
    with HttpTestServer() as server:
        world.routes(server)
        sources = [s for s in world.sources(server) if s["id"] == "news"]
        watchlist = write_watchlist(tmp_path / "watchlist.yaml", sources)
        environ = {
            "MONITOR_WATCHLIST": str(watchlist),
            "MONITOR_DATA_DIR": str(tmp_path / "data"),
            "MONITOR_SMTP_HOST": "127.0.0.1",
            "MONITOR_SMTP_TIMEOUT": "5",
            **{f"MONITOR_SMTP_{k.upper()}": v for k, v in smtp.items()},
        }
        settings = settings_for(tmp_path, watchlist, **dict(_short(environ)))
        runtime = Runtime.open(settings)
        clock = Clock(START)
        runtime.clock = clock
        try:
            async with open_client(settings) as client:
                runtime.http = client
                scheduler = Scheduler(runtime, mailing_for(settings))
                await scheduler.poll("news")  # the first poll: the baseline, no alerts
                yield Office(tmp_path, world, runtime, scheduler, clock, environ)
        finally:
            runtime.close()


def _short(environ: dict[str, str]) -> list[tuple[str, str]]:
    """MONITOR_* variables as settings_for's keyword arguments (its folder already set)."""
    skip = {"MONITOR_WATCHLIST", "MONITOR_DATA_DIR"}
    return [(k.removeprefix("MONITOR_").lower(), v) for k, v in environ.items() if k not in skip]


def told(messages: list[Any], office: Office) -> dict[tuple[str, str], list[str]]:
    """(recipient, article URL) -> the Message-IDs of the received emails that mention it."""
    found: dict[tuple[str, str], list[str]] = {}
    for message in messages:
        body = plain_body(message)
        for published in office.world.ledger:
            if published.ref in body:
                found.setdefault((str(message["To"]), published.ref), []).append(
                    str(message["Message-ID"])
                )
    return found


def wanted(office: Office, *, only: str | None = None) -> set[tuple[str, str]]:
    return {
        (address, p.ref)
        for p in office.world.expected
        for address in followers(p.person_id)
        if only is None or address == only
    }


PORT = free_port()


def smtp(security: str) -> pytest.MarkDecorator:
    """The SMTP settings of a test's office."""
    return pytest.mark.parametrize(
        "office", [{"security": security, "port": str(PORT)}], indirect=True, ids=[security]
    )


@smtp("none")
async def test_six_hours_without_smtp_lose_nothing_and_send_each_alert_once(
    office: Office,
) -> None:
    await office.live(timedelta(hours=6))  # the SMTP server is down all along
    assert {d.status for d in office.deliveries()} == {"pending"}
    code, down = office.status()
    table = office.table()
    waiting = len(wanted(office))  # one email per follower of each article so far
    with SmtpTestServer(PORT) as server:
        await office.live(timedelta(hours=1, minutes=5))  # the longest backoff is one hour
        code_after, up = office.status()
    assert code == 1 and down["queue"]["pending"] == waiting
    assert any("not delivered for more than an hour" in line for line in down["attention"])
    errors = [d["error"] for d in down["retrying_deliveries"]]
    assert len(errors) == waiting and all("Connect call failed" in e for e in errors)
    assert f"Retrying: {waiting} email(s)" in table and "needs attention" in table
    by_ref = told(server.messages, office)
    assert set(by_ref) == wanted(office)
    assert all(len(ids) == 1 for ids in by_ref.values())
    assert len({str(m["Message-ID"]) for m in server.messages}) == len(server.messages)
    assert {d.status for d in office.deliveries()} == {"sent"}
    # Retried with a capped backoff, not hammered every 30 s: at most one try an hour at the end.
    assert max(d.attempts for d in office.deliveries()) <= 12
    assert code_after == 0 and up["attention"] == [] and up["retrying_deliveries"] == []


@smtp("none")
async def test_421_throttling_for_two_hours_delays_but_loses_nothing(office: Office) -> None:
    with SmtpTestServer(PORT) as server:
        server.fail_data(421)
        await office.live(timedelta(hours=2, minutes=10))
        code, throttled = office.status()
        server.fail_data(None)
        await office.live(timedelta(hours=1, minutes=5))
    assert code == 1
    errors = [d["error"] for d in throttled["retrying_deliveries"]]
    assert errors and all("421" in e for e in errors)
    by_ref = told(server.messages, office)
    assert set(by_ref) == wanted(office) and all(len(ids) == 1 for ids in by_ref.values())
    assert {d.status for d in office.deliveries()} == {"sent"}


@smtp("none")
async def test_a_550_for_one_recipient_fails_that_email_only_and_status_says_so(
    office: Office,
) -> None:
    for subject in (SUBJECTS[2], SUBJECTS[6]):  # followed by both advocates
        office.world.publish_article("news", 1, subject)
    with SmtpTestServer(PORT) as server:
        server.refuse("legal@example.org", 550)
        await office.live(timedelta(hours=3))
    code, data = office.status()
    assert set(told(server.messages, office)) == wanted(office, only="press@example.org")
    failed = [d for d in office.deliveries() if d.status == "failed"]
    assert failed and {d.advocate_id for d in failed} == {"odf-legal"}
    assert {d.status for d in office.deliveries() if d.advocate_id == "press-desk"} == {"sent"}
    assert code == 1 and len(data["failed_deliveries"]) == len(failed)
    assert all("550" in d["error"] for d in data["failed_deliveries"])
    assert any("could not be delivered" in line for line in data["attention"])


@smtp("starttls")
async def test_a_certificate_the_client_rejects_holds_the_alerts_until_it_is_trusted(
    office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = self_signed_certificate(office.folder)
    with StarttlsSmtpServer(cert, key, PORT) as server:
        await office.live(timedelta(hours=2))
        code, refused = office.status()
        assert server.messages == []
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the admin installs the right CA
        await office.live(timedelta(hours=1, minutes=5))
    assert code == 1
    errors = [d["error"] for d in refused["retrying_deliveries"]]
    assert errors and all("certificate" in e.lower() for e in errors)
    by_ref = told(server.messages, office)
    assert set(by_ref) == wanted(office) and all(len(ids) == 1 for ids in by_ref.values())
