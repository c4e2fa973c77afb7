"""Leases after a crash, on one machine (SQLite): a `monitor poll` killed with SIGKILL holds
nothing, so one restarted at once polls every source; a live holder is named in `skipped`.

Real `monitor poll` processes and a real feed server on 127.0.0.1.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from monitor.store import database, models
from tests.e2e import write_watchlist
from tests.news import UNRELATED, rss
from tests.servers.http_server import HttpTestServer, Reply
from tests.servers.service_process import MonitorProcess, clean_environ, wait_until

PATHS = ("/court", "/news")
SLOW = 120.0  # the first answer of each feed: the killed poll never gets it


def serve_slowly(server: HttpTestServer) -> None:
    for path in PATHS:
        body = rss([(f"{path}/1", "Budget", UNRELATED)])
        server.route(path, Reply.raw(body, delay=SLOW), Reply.raw(body))


def environ_for(folder: Path, server: HttpTestServer) -> dict[str, str]:
    sources = [
        {"id": path.strip("/"), "type": "feed", "url": server.url(path), "interval": "1h"}
        for path in PATHS
    ]
    return {
        "MONITOR_WATCHLIST": str(write_watchlist(folder / "w.yaml", sources)),
        "MONITOR_DATA_DIR": str(folder / "data"),
        "MONITOR_HTTP_DEADLINE": "300",
        "MONITOR_HTTP_TIMEOUT": "300",
    }


def poll(environ: dict[str, str], folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", "poll"],
        cwd=folder,
        env=clean_environ(environ),
        capture_output=True,
        text=True,
        timeout=120,
    )


def sources(folder: Path) -> list[models.Source]:
    engine = database.create_db_engine(f"sqlite:///{folder / 'data' / 'monitor.sqlite3'}")
    try:
        with database.make_session_factory(engine)() as session:
            return list(session.scalars(select(models.Source).order_by(models.Source.id)))
    finally:
        engine.dispose()


def holding(server: HttpTestServer, folder: Path, environ: dict[str, str]) -> MonitorProcess:
    """A `monitor poll` started and waited for until it holds both sources (their slow fetch)."""
    holder = MonitorProcess(environ, folder, ["poll"]).start()
    wait_until(lambda: all(server.count(p) == 1 for p in PATHS), 60, "both fetches to start")
    return holder


def test_a_poll_killed_with_sigkill_holds_nothing_and_a_restart_polls_every_source(
    tmp_path: Path,
) -> None:
    with HttpTestServer() as server:
        serve_slowly(server)
        environ = environ_for(tmp_path, server)
        victim = holding(server, tmp_path, environ)
        try:
            held = sources(tmp_path)
            assert [(s.lease_pid, s.lease_host) for s in held] == [
                (victim.pid, socket.gethostname())
            ] * 2
            assert all(s.lease_since is not None and s.lease_process_started for s in held)
            victim.signal(signal.SIGKILL)
            victim.wait(timeout=10)
        finally:
            victim.kill()
        done = poll(environ, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "skipped" not in done.stdout
    polled = sorted(line.split(":")[0] for line in done.stdout.splitlines() if ": ok," in line)
    assert polled == ["court", "news"]
    assert all(s.status == "ok" and s.lease_owner is None for s in sources(tmp_path))


def test_a_source_held_by_a_live_poll_is_skipped_with_its_holder_named(tmp_path: Path) -> None:
    with HttpTestServer() as server:
        serve_slowly(server)
        environ = environ_for(tmp_path, server)
        holder = holding(server, tmp_path, environ)
        try:
            done = poll(environ, tmp_path)
        finally:
            holder.kill()
    since = sources(tmp_path)[0].lease_since
    assert since is not None
    for source_id in ("court", "news"):
        assert (
            f"{source_id}: skipped: process {holder.pid} on {socket.gethostname()} "
            f"has been polling it since {since:%Y-%m-%d %H:%M}"
        ) in done.stdout, done.stdout
