"""Starting and stopping `monitor run` (real processes, SQLite): what an admin's restarts rely on."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from monitor.store import database, models
from monitor.store.models import utcnow
from tests.e2e import write_watchlist
from tests.news import UNRELATED, rss
from tests.servers.http_server import HttpTestServer, Reply
from tests.servers.service_process import MonitorProcess, clean_environ, wait_until

pytestmark = pytest.mark.slow


def environ_for(folder: Path, server: HttpTestServer, **extra: str) -> dict[str, str]:
    source = {"id": "slow", "type": "feed", "url": server.url("/feed"), "interval": "1m"}
    return {
        "MONITOR_WATCHLIST": str(write_watchlist(folder / "w.yaml", [source])),
        "MONITOR_DATA_DIR": str(folder / "data"),
        **{f"MONITOR_{k.upper()}": v for k, v in extra.items()},
    }


def source_row(folder: Path) -> models.Source:
    engine = database.create_db_engine(f"sqlite:///{folder / 'data' / 'monitor.sqlite3'}")
    try:
        with database.make_session_factory(engine)() as session:
            return session.scalars(select(models.Source)).one()
    finally:
        engine.dispose()


def test_sigterm_mid_poll_exits_0_in_time_and_the_next_start_polls_the_source_again(
    tmp_path: Path,
) -> None:
    body = rss([("/a", "Budget", UNRELATED)])
    with HttpTestServer() as server:
        server.route("/feed", Reply.raw(body, delay=60), Reply.raw(body))
        environ = environ_for(tmp_path, server, http_timeout="120")
        with MonitorProcess(environ, tmp_path) as service:
            wait_until(lambda: server.count("/feed") == 1, 60, "the poll to start")
            service.signal(signal.SIGTERM)
            assert service.wait(timeout=10) == 0
        interrupted = source_row(tmp_path)
        with MonitorProcess(environ, tmp_path) as again:
            again.wait_for_log(lambda e: e["msg"] == "source polled", 60)
            assert again.terminate(timeout=10) == 0
    # Nothing half-written: no claim left, no run recorded, still waiting for its first scan.
    assert (interrupted.lease_owner, interrupted.last_attempt_at) == (None, None)
    assert (interrupted.status, interrupted.baseline_at) == ("new", None)
    assert server.count("/feed") == 2
    assert "Traceback" not in service.text() + again.text()
    assert source_row(tmp_path).status == "ok"


def test_a_second_service_on_the_same_sqlite_database_refuses_with_a_clear_message(
    tmp_path: Path,
) -> None:
    with HttpTestServer() as server:
        server.route("/feed", Reply.raw(rss([("/a", "Budget", UNRELATED)])))
        environ = environ_for(tmp_path, server)
        with MonitorProcess(environ, tmp_path) as first:
            first.wait_for_log(lambda e: e["msg"] == "service started", 60)
            second = subprocess.run(
                [sys.executable, "-m", "monitor", "run"],
                cwd=tmp_path,
                env=clean_environ(environ),
                capture_output=True,
                text=True,
                timeout=60,
            )
            still_running = first.running()
            first.terminate(timeout=10)
    assert second.returncode == 1
    assert "another `monitor run` is already using" in second.stderr
    assert "PostgreSQL" in second.stderr and "Traceback" not in second.stderr
    assert still_running


def test_a_service_that_was_down_for_many_intervals_polls_once_not_once_per_missed_interval(
    tmp_path: Path,
) -> None:
    with HttpTestServer() as server:
        server.route("/feed", Reply.raw(rss([("/a", "Budget", UNRELATED)])))
        environ = environ_for(tmp_path, server)
        done = subprocess.run(
            [sys.executable, "-m", "monitor", "poll"],
            cwd=tmp_path,
            env=clean_environ(environ),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        _pretend_down_for(tmp_path, timedelta(minutes=30))
        with MonitorProcess(environ, tmp_path) as service:
            service.wait_for_log(lambda e: e["msg"] == "source polled", 60)
            time.sleep(15)  # a replayed slot would start within MIN_RETRY (5 s) plus jitter (6 s)
            assert service.terminate(timeout=10) == 0
    assert server.count("/feed") == 2  # `monitor poll`, then one catch-up poll
    assert source_row(tmp_path).next_run_at > utcnow()  # type: ignore[operator]


def _pretend_down_for(folder: Path, downtime: timedelta) -> None:
    """Move the source's schedule into the past, as a machine asleep for `downtime` finds it."""
    engine = database.create_db_engine(f"sqlite:///{folder / 'data' / 'monitor.sqlite3'}")
    try:
        with database.transaction(database.make_session_factory(engine)) as session:
            session.execute(update(models.Source).values(next_run_at=utcnow() - downtime))
    finally:
        engine.dispose()
