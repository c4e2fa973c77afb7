"""Several `monitor run` processes on one PostgreSQL database (127.0.0.1:5432, a fresh database).

Real processes, a real feed server and a real SMTP server: each source is polled by one instance
at a time and once per interval, every alert is sent exactly once, a long poll keeps its claim,
and when an instance is killed (kill -9) another takes its source over within one interval.
"""

from __future__ import annotations

import itertools
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from monitor.store import database, models
from tests.e2e import write_watchlist
from tests.news import NEWS, UNRELATED, rss
from tests.servers.http_server import HttpTestServer, RecordedRequest, Reply
from tests.servers.service_process import MonitorProcess, clean_environ, wait_until
from tests.servers.smtp_server import SmtpTestServer, free_port
from tests.test_service_run import http_get

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
INTERVAL = 60.0  # seconds: the shortest interval a watchlist accepts
CYCLES = 3
SLOW = 50.0  # longer than a lease (40 s): the poll must renew its claim to keep it


def arrest(n: int) -> tuple[str, str, str]:
    return (f"/arrest-{n}", "Задержание", f"В Мадриде задержан Муратбек Кетебаев (сообщение {n}).")


class GrowingFeed:
    """A feed that gains one arrest report at each request: every poll after the first alerts."""

    def __init__(self) -> None:
        self.served = 0

    def __call__(self, request: RecordedRequest) -> Reply:
        entries = [("/a1", "Refugee status", NEWS[0])] + [
            arrest(n) for n in range(1, self.served + 1)
        ]
        self.served += 1
        return Reply.raw(rss(entries), content_type="application/rss+xml")


def feed_sources(server: HttpTestServer, *paths: str) -> list[dict[str, object]]:
    return [
        {"id": path.strip("/"), "type": "feed", "url": server.url(path), "interval": "1m"}
        for path in paths
    ]


def upgrade(environ: dict[str, str], folder: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "db", "upgrade"],
        cwd=folder,
        env=clean_environ(environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def environ_for(folder: Path, pg_url: str, watchlist: Path, **extra: str) -> dict[str, str]:
    return {
        "MONITOR_DATABASE_URL": pg_url,
        "MONITOR_WATCHLIST": str(watchlist),
        "MONITOR_DATA_DIR": str(folder / "data"),
        **{f"MONITOR_{k.upper()}": v for k, v in extra.items()},
    }


@contextmanager
def instances(environ: dict[str, str], folder: Path, count: int) -> Iterator[list[MonitorProcess]]:
    """`count` services on the same database, each in its own folder; killed if still running."""
    with ExitStack() as stack:
        started = []
        for n in range(count):
            own = folder / f"instance-{n}"
            own.mkdir()
            started.append(
                stack.enter_context(MonitorProcess({**environ, "MONITOR_DATA_DIR": str(own)}, own))
            )
        for service in started:
            service.wait_for_log(lambda e: e["msg"] == "service started", 120)
        yield started


def rows(url: str, query: Any) -> list[Any]:
    engine = database.create_db_engine(url)
    try:
        with database.make_session_factory(engine)() as session:
            return list(session.scalars(query))
    finally:
        engine.dispose()


def times(server: HttpTestServer, path: str) -> list[float]:
    return [r.at for r in server.requests if r.path == path]


def test_two_instances_poll_each_source_once_per_interval_and_send_each_alert_once(
    tmp_path: Path, pg_url: str
) -> None:
    with HttpTestServer() as server, SmtpTestServer() as smtp:
        server.route_prefix("/news", GrowingFeed())
        server.route("/quiet", Reply.raw(rss([("/q", "Budget", UNRELATED)])))
        server.route(
            "/slow",
            Reply.raw(rss([("/s", "Budget", UNRELATED)]), delay=SLOW),
            Reply.raw(rss([("/s", "Budget", UNRELATED)])),
        )
        watchlist = write_watchlist(
            tmp_path / "w.yaml", feed_sources(server, "/news", "/quiet", "/slow")
        )
        environ = environ_for(
            tmp_path,
            pg_url,
            watchlist,
            smtp_host="127.0.0.1",
            smtp_port=str(smtp.port),
            smtp_security="none",
            http_timeout="120",  # the slow reply must outlast the lease, not the client
        )
        upgrade(environ, tmp_path)
        with instances(environ, tmp_path, 2) as services:
            wait_until(
                lambda: server.count("/news") >= CYCLES,
                CYCLES * INTERVAL + 60,
                "three polls of news",
            )
            wait_until(lambda: len(alerts(smtp)) >= CYCLES - 1, 60, "the alerts of cycles 2 and 3")
            codes = [service.terminate(timeout=10) for service in services]
    assert codes == [0, 0]
    # Each alert exactly once: one email per delivery row, no Message-ID twice.
    message_ids = [str(m["Message-ID"]) for m in smtp.messages]
    assert len(message_ids) == len(set(message_ids))
    deliveries = rows(pg_url, select(models.Delivery))
    assert {d.status for d in deliveries} == {"sent"} and len(deliveries) == len(message_ids)
    assert len(alerts(smtp)) == server.count("/news") - 1  # every poll after the baseline
    # Each source polled once per interval: never twice in one interval, by whichever instance.
    for path in ("/news", "/quiet"):
        polls = times(server, path)
        assert min(b - a for a, b in itertools.pairwise(polls)) > INTERVAL / 2, path
    # The long poll kept its claim past the lease: nobody polled the slow source meanwhile.
    slow = times(server, "/slow")
    assert len(slow) == 1 or slow[1] - slow[0] >= SLOW
    # Every poll was done and recorded by one instance only (a poll cut short by the stop, at
    # most one per source, reached the server and recorded nothing).
    runs = rows(pg_url, select(models.SourceRun))
    logged = [e["cycle_id"] for s in services for e in s.logs() if e["msg"] == "source polled"]
    assert sorted(logged) == sorted(r.cycle_id for r in runs)
    for path in ("/news", "/quiet", "/slow"):
        recorded = sum(1 for r in runs if r.source_id == path.strip("/"))
        assert recorded <= server.count(path) <= recorded + 1, path


def alerts(smtp: SmtpTestServer) -> list[Any]:
    with smtp.lock:
        return [m for m in smtp.messages if "Ketebayev" in str(m["Subject"])]


def test_when_an_instance_is_killed_another_takes_its_source_over_within_one_interval(
    tmp_path: Path, pg_url: str
) -> None:
    with HttpTestServer() as server:
        server.route(
            "/slow",
            Reply.raw(rss([("/s", "Budget", UNRELATED)]), delay=300),  # the victim never gets it
            Reply.raw(rss([("/s", "Budget", UNRELATED)])),
        )
        watchlist = write_watchlist(tmp_path / "w.yaml", feed_sources(server, "/slow"))
        environ = environ_for(tmp_path, pg_url, watchlist)
        upgrade(environ, tmp_path)
        with instances(environ, tmp_path, 2) as services:
            wait_until(lambda: server.count("/slow") == 1, 60, "the first poll")
            [source] = rows(pg_url, select(models.Source))
            assert source.lease_owner is not None
            victim = next(s for s in services if f":{s.pid}:" in source.lease_owner)
            victim.signal(signal.SIGKILL)
            victim.wait(timeout=10)
            wait_until(lambda: server.count("/slow") == 2, 2 * INTERVAL, "the survivor's poll")
            survivor = next(s for s in services if s is not victim)
            survivor.wait_for_log(lambda e: e["msg"] == "source polled", 30)
            assert survivor.terminate(timeout=10) == 0
    first, second = times(server, "/slow")
    assert second - first < INTERVAL
    [source] = rows(pg_url, select(models.Source))
    assert (source.status, source.lease_owner, source.consecutive_failures) == ("ok", None, 0)


def test_health_turns_503_when_the_database_goes_away(tmp_path: Path, pg_url: str) -> None:
    port = free_port()
    watchlist = write_watchlist(tmp_path / "w.yaml", [])
    environ = environ_for(tmp_path, pg_url, watchlist, http_port=str(port))
    upgrade(environ, tmp_path)
    with MonitorProcess(environ, tmp_path) as service:
        service.wait_for_log(lambda e: e["msg"] == "service started", 60)
        assert http_get(port, "/healthz") == (200, "ok\n")
        drop_database(pg_url)
        _status, body = wait_until(
            lambda: (reply := http_get(port, "/healthz"))[0] == 503 and reply, 30, "a 503"
        )
        assert "database unreachable" in body
        # A watchlist edit meets the outage: a warning, the service lives and retries later.
        watchlist.write_text(watchlist.read_text() + "\n", encoding="utf-8")
        service.wait_for_log(lambda e: "database could not take it" in e["msg"], 60)
        assert service.terminate(timeout=10) == 0
    assert "Traceback" not in service.text()  # an outage is a warning, not a stack trace


def drop_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{parsed.database}" WITH (FORCE)'))
    finally:
        admin.dispose()
