"""`monitor status`: what an admin's cron or monitoring checks (real processes, SQLite)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from monitor.store import database, models
from monitor.store.models import utcnow
from tests.e2e import write_watchlist
from tests.news import ARREST_RU, NEWS, rss
from tests.servers.http_server import HttpTestServer, Reply
from tests.servers.service_process import clean_environ
from tests.servers.smtp_server import SmtpTestServer


def monitor(folder: Path, environ: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        cwd=folder,
        env=clean_environ(environ),
        capture_output=True,
        text=True,
        timeout=120,
    )


def environ_for(folder: Path, server: HttpTestServer, **extra: str) -> dict[str, str]:
    source = {"id": "news", "type": "feed", "url": server.url("/feed"), "interval": "30m"}
    return {
        "MONITOR_WATCHLIST": str(write_watchlist(folder / "w.yaml", [source])),
        "MONITOR_DATA_DIR": str(folder / "data"),
        **{f"MONITOR_{k.upper()}": v for k, v in extra.items()},
    }


def shift_last_success(folder: Path, ago: timedelta) -> None:
    """As if the source's last success was `ago` (the test cannot wait a day)."""
    engine = database.create_db_engine(f"sqlite:///{folder / 'data' / 'monitor.sqlite3'}")
    try:
        with database.transaction(database.make_session_factory(engine)) as session:
            session.execute(update(models.Source).values(last_success_at=utcnow() - ago))
    finally:
        engine.dispose()


def test_status_needs_attention_only_when_a_source_has_failed_for_more_than_a_day(
    tmp_path: Path,
) -> None:
    with HttpTestServer() as server:
        server.route("/feed", Reply.raw(rss([("/a", "t", NEWS[0])])), Reply.text("no", status=404))
        environ = environ_for(tmp_path, server)
        assert monitor(tmp_path, environ, "poll").returncode == 0
        failed = monitor(tmp_path, environ, "poll")
    assert failed.returncode == 1 and "news: FAILED: HTTP 404" in failed.stdout
    recent = monitor(tmp_path, environ, "status", "--json")
    assert recent.returncode == 0  # failing for a minute: the backoff handles it
    [source] = json.loads(recent.stdout)["sources"]
    assert (source["status"], source["consecutive_failures"]) == ("failing", 1)
    # The same problem the digest lists, shown but not yet an admin's to act on.
    assert source["problem"].startswith("not checked since ") and not source["needs_admin"]
    assert json.loads(recent.stdout)["attention"] == []
    assert source["next_run_at"] > source["last_attempt_at"]  # backed off, not forgotten

    shift_last_success(tmp_path, timedelta(days=1, hours=1))
    stale = monitor(tmp_path, environ, "status", "--json")
    table = monitor(tmp_path, environ, "status")
    assert stale.returncode == 1 and table.returncode == 1
    [problem] = json.loads(stale.stdout)["attention"]
    assert problem.startswith("source news: not checked since ")
    assert "needs attention" in table.stdout and "next run" in table.stdout


def test_status_needs_attention_when_an_email_could_not_be_delivered(tmp_path: Path) -> None:
    with HttpTestServer() as server, SmtpTestServer() as smtp:
        smtp.refuse("legal@example.org", 550)
        server.route(
            "/feed",
            Reply.raw(rss([("/a1", "Refugee status", NEWS[0])])),
            Reply.raw(rss([("/a2", "Задержание", ARREST_RU), ("/a1", "Refugee status", NEWS[0])])),
        )
        environ = environ_for(
            tmp_path,
            server,
            smtp_host="127.0.0.1",
            smtp_port=str(smtp.port),
            smtp_security="none",
        )
        monitor(tmp_path, environ, "poll")  # the baseline
        monitor(tmp_path, environ, "poll")  # the arrest: an alert the server refuses
        status = monitor(tmp_path, environ, "status", "--json")
    data = json.loads(status.stdout)
    assert status.returncode == 1
    assert data["queue"]["failed"] == 1
    [failed] = data["failed_deliveries"]
    assert failed["advocate_id"] == "odf-legal" and "550" in failed["error"]
    assert any("could not be delivered" in line for line in data["attention"])
