"""`monitor run` as an admin runs it: a real process, SQLite, local feed, INTERPOL and SMTP servers.

One scenario (about a minute and a half: the shortest interval is one minute) runs once for the
whole module; each test then checks one thing a user relies on in what it recorded:

1. start: four sources (a feed, a feed about to be removed, a feed that fails once, INTERPOL),
   the sample watchlist without one person; every source gets its first poll;
2. the watchlist is edited while running: a source removed, one added, the missing person added
   (their name is already in a stored article);
3. the watchlist is broken (a bad interval, a duplicated person id) and left broken;
4. the data changes: an arrest article in the feed, a new red notice on a watched person;
5. wait for the alerts at the SMTP server, the flaky source's recovery and the added source's
   second poll; read /healthz, /metrics and `monitor status` along the way; then SIGTERM.
"""

from __future__ import annotations

import copy
import json
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from monitor.store import database, models
from tests.e2e import SAMPLE
from tests.news import ARREST_RU, NEWS, UNRELATED, rss
from tests.servers.http_server import HttpTestServer, Reply
from tests.servers.interpol_sim import InterpolSim, red_item
from tests.servers.service_process import MonitorProcess, clean_environ, wait_until
from tests.servers.smtp_auth import AuthSmtpTestServer
from tests.servers.smtp_server import free_port

pytestmark = pytest.mark.slow

SMTP_USER, SMTP_PASSWORD = "redwatch", "Xq7-never-log-me-9z"
LATE_PERSON = "syrym-shalabayev"  # added while the service runs; named in a stored article
LATE_ARTICLE = "A court in Vilnius denied the extradition of Syrym Shalabayev to Kazakhstan."
NOTICE = "2026/12345"
WAIT = 150.0  # seconds: one interval (60 s), its jitter, and room for a slow machine


@dataclass
class Scenario:
    """Everything the run left behind, for the tests to inspect."""

    folder: Path
    server: HttpTestServer
    smtp: AuthSmtpTestServer
    service: MonitorProcess
    database_url: str
    http_port: int
    exit_code: int | None = None
    health: tuple[int, str] = (0, "")
    metrics: str = ""
    status: dict[str, Any] = field(default_factory=dict)
    status_code: int = -1
    status_table: str = ""
    broken_at: float = 0.0
    listeners: list[str] | None = None
    first_gone_poll: float = 0.0

    def rows(self, query: Any) -> list[Any]:
        engine = database.create_db_engine(self.database_url)
        try:
            with database.make_session_factory(engine)() as session:
                return list(session.scalars(query))
        finally:
            engine.dispose()

    def emails(self) -> list[EmailMessage]:
        with self.smtp.lock:
            return list(self.smtp.messages)

    def alerts(self) -> list[EmailMessage]:
        return [m for m in self.emails() if "digest" not in str(m["Subject"]).lower()]


def feed(*entries: tuple[str, str, str]) -> Reply:
    return Reply.raw(rss(list(entries)), content_type="application/rss+xml")


def sources(server: HttpTestServer, *ids: str) -> list[dict[str, Any]]:
    every: dict[str, dict[str, Any]] = {
        "news": {"type": "feed", "url": server.url("/news")},
        "gone": {"type": "feed", "url": server.url("/gone")},
        "flaky": {"type": "feed", "url": server.url("/flaky")},
        "added": {"type": "feed", "url": server.url("/added")},
        "interpol": {"type": "interpol", "base_url": server.base_url, "rate": 100},
    }
    return [{"id": i, **every[i], "interval": "1m"} for i in ids]


def people(*, without: str | None = None) -> list[dict[str, Any]]:
    return [p for p in copy.deepcopy(SAMPLE["people"]) if p["id"] != without]


def write(path: Path, document: dict[str, Any]) -> None:
    # Write then rename, as editors and config managers do: the service never reads half a file.
    temporary = path.with_suffix(".tmp")
    temporary.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")
    temporary.replace(path)


def watchlist(
    server: HttpTestServer, source_ids: tuple[str, ...], **options: Any
) -> dict[str, Any]:
    return {
        "people": people(**options),
        "advocates": SAMPLE["advocates"],
        "sources": sources(server, *source_ids),
    }


def broken(document: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(document)
    document["sources"][0]["interval"] = "every minute"
    document["people"].append(copy.deepcopy({**document["people"][0], "aliases": []}))  # same id
    return document


def http_get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def listening_addresses(port: int) -> list[str] | None:
    """The local addresses of the sockets listening on `port`, from the kernel's tables."""
    tables = [Path("/proc/net/tcp"), Path("/proc/net/tcp6")]
    if not tables[0].exists():
        return None
    found = []
    for table in tables:
        for line in table.read_text().splitlines()[1:] if table.exists() else []:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.append(_address(address))
    return found


def _address(hex_address: str) -> str:
    if len(hex_address) == 8:  # IPv4, little-endian
        return ".".join(str(int(hex_address[i : i + 2], 16)) for i in (6, 4, 2, 0))
    return "ipv6:" + hex_address


def polled(service: MonitorProcess, source_id: str) -> list[dict[str, Any]]:
    return [
        e
        for e in service.logs()
        if e.get("source_id") == source_id and e["msg"] in ("source polled", "source failed")
    ]


def monitor_command(
    environ: dict[str, str], folder: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        cwd=folder,
        env=clean_environ(environ),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    folder = tmp_path_factory.mktemp("service-run")
    sim = InterpolSim()
    sim.add(red_item("2026/1", "DOE", "JOHN", "1970/01/01", ["FR"]), sex="M")
    with HttpTestServer() as server, AuthSmtpTestServer(SMTP_USER, SMTP_PASSWORD) as smtp:
        server.route_prefix("/notices/v1/", sim.handle)
        server.route(
            "/news", feed(("/a1", "Refugee status", NEWS[0]), ("/a2", "Vilnius", LATE_ARTICLE))
        )
        server.route("/gone", feed(("/g1", "Budget", UNRELATED)))
        server.route(
            "/flaky", Reply.text("gone for now", status=404), feed(("/f1", "Budget", UNRELATED))
        )
        server.route("/added", feed(("/n1", "Budget", UNRELATED)))
        path = folder / "watchlist.yaml"
        initial = watchlist(server, ("news", "gone", "flaky", "interpol"), without=LATE_PERSON)
        write(path, initial)
        http_port = free_port()
        environ = {
            "MONITOR_WATCHLIST": str(path),
            "MONITOR_DATA_DIR": str(folder / "data"),
            "MONITOR_SMTP_HOST": "127.0.0.1",
            "MONITOR_SMTP_PORT": str(smtp.port),
            "MONITOR_SMTP_SECURITY": "none",
            "MONITOR_SMTP_USERNAME": SMTP_USER,
            "MONITOR_SMTP_PASSWORD": SMTP_PASSWORD,
            "MONITOR_HTTP_PORT": str(http_port),
        }
        with MonitorProcess(environ, folder) as service:
            state = Scenario(
                folder,
                server,
                smtp,
                service,
                f"sqlite:///{folder / 'data' / 'monitor.sqlite3'}",
                http_port,
            )
            _play(state, path, initial, sim, environ)
            yield state


def _play(
    state: Scenario, path: Path, initial: dict[str, Any], sim: InterpolSim, environ: dict[str, str]
) -> None:
    service, server = state.service, state.server
    # 1. every source gets its first poll (the first tries are spread over a tenth of the interval)
    for source_id in ("news", "gone", "flaky", "interpol"):
        service.wait_for_log(
            lambda e, s=source_id: bool(polled(service, s)), WAIT, f"{source_id} polled"
        )
    state.first_gone_poll = time.monotonic()
    # 2. a valid edit: "gone" removed, "added" added, the late person back on the list
    edited = watchlist(server, ("news", "flaky", "interpol", "added"))
    write(path, edited)
    service.wait_for_log(
        lambda e: e["msg"] == "history matched for new people" and e["people"] == 1, WAIT
    )
    wait_until(lambda: polled(service, "added"), WAIT, "the added source polled")
    # 3. a broken edit, left in place: the service keeps the edited version
    write(path, broken(edited))
    state.broken_at = time.monotonic()
    service.wait_for_log(lambda e: e["msg"].startswith("watchlist is invalid"), WAIT)
    # 4. the world changes
    server.route(
        "/news",
        feed(
            ("/a3", "Задержание", ARREST_RU),
            ("/a1", "Refugee status", NEWS[0]),
            ("/a2", "Vilnius", LATE_ARTICLE),
        ),
    )
    sim.add(
        red_item(NOTICE, "ABLIAZOV", "MUKHTAR", "1963/05/16", ["KZ"]),
        sex="M",
        warrants=[("KZ", "Fraud")],
    )
    # 5. what an admin would see, then a clean stop
    wait_until(lambda: len(state.alerts()) >= 2, WAIT, "two alerts at the SMTP server")
    wait_until(lambda: len(polled(service, "flaky")) >= 2, WAIT, "the flaky source polled again")
    wait_until(lambda: len(polled(service, "added")) >= 2, WAIT, "the added source's second poll")
    state.health = http_get(state.http_port, "/healthz")
    state.listeners = listening_addresses(state.http_port)
    state.metrics = http_get(state.http_port, "/metrics")[1]
    status = monitor_command(environ, state.folder, "status", "--json")
    state.status, state.status_code = json.loads(status.stdout), status.returncode
    state.status_table = monitor_command(environ, state.folder, "status").stdout
    service.signal(signal.SIGTERM)
    state.exit_code = service.wait(timeout=10)


# The tests ---------------------------------------------------------------------------------------
def test_a_running_service_emails_an_alert_when_a_feed_reports_an_arrest(
    scenario: Scenario,
) -> None:
    [alert] = [m for m in scenario.alerts() if "Muratbek Ketebayev" in str(m["Subject"])]
    assert alert["To"] == "legal@example.org"
    assert scenario.smtp.logins  # sent with the configured login


def test_a_running_service_emails_an_alert_for_a_new_red_notice(scenario: Scenario) -> None:
    [alert] = [m for m in scenario.alerts() if str(m["Subject"]).startswith("[RED NOTICE]")]
    assert "Mukhtar Ablyazov" in str(alert["Subject"])
    assert NOTICE in alert.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_each_alert_is_sent_once(scenario: Scenario) -> None:
    ids = [str(m["Message-ID"]) for m in scenario.emails()]
    assert len(ids) == len(set(ids))
    sent = scenario.rows(select(models.Delivery).where(models.Delivery.status == "sent"))
    assert len(sent) == len(ids)


def test_a_source_added_to_the_watchlist_is_polled_without_a_restart(scenario: Scenario) -> None:
    assert scenario.server.count("/added") >= 2


def test_a_source_removed_from_the_watchlist_is_no_longer_polled(scenario: Scenario) -> None:
    # The run lasted past the removed source's next slot (its first poll plus one interval).
    assert time.monotonic() - scenario.first_gone_poll > 60
    assert scenario.server.count("/gone") == 1


def test_a_person_added_while_running_is_matched_in_stored_news_for_the_digest_only(
    scenario: Scenario,
) -> None:
    [event] = scenario.rows(select(models.Event).where(models.Event.person_id == LATE_PERSON))
    assert event.baseline and event.type in ("news_mention", "court_item")
    assert not [m for m in scenario.emails() if "Shalabayev" in m.as_string()]


def test_a_broken_watchlist_is_reported_with_positions_and_the_last_valid_one_kept(
    scenario: Scenario,
) -> None:
    [report] = [e for e in scenario.service.logs() if e["msg"].startswith("watchlist is invalid")]
    assert report["level"] == "error" and "exc" not in report
    assert all(re.search(r"watchlist\.yaml:\d+:\d+: ", p) for p in report["problems"])
    assert any("interval" in p for p in report["problems"])
    assert any("duplicate id" in p for p in report["problems"])
    # Still running the last valid version: its new source kept being polled after the break.
    later = [e for e in polled(scenario.service, "added") if e["ts"] > report["ts"]]
    assert later and scenario.server.count("/gone") == 1
    assert "Traceback" not in scenario.service.text()


def test_a_failing_source_backs_off_and_recovers_by_itself(scenario: Scenario) -> None:
    first, second = polled(scenario.service, "flaky")[:2]
    assert (first["msg"], second["msg"]) == ("source failed", "source polled")
    runs = scenario.rows(
        select(models.SourceRun)
        .where(models.SourceRun.source_id == "flaky")
        .order_by(models.SourceRun.id)
    )
    assert [r.status for r in runs[:2]] == ["failed", "ok"]
    [flaky] = [s for s in scenario.status["sources"] if s["id"] == "flaky"]
    assert flaky["consecutive_failures"] == 0 and flaky["status"] == "ok"


def test_logs_are_json_lines_with_source_cycle_counts_and_durations(scenario: Scenario) -> None:
    lines = [line for line in scenario.service.stderr if line.strip()]
    assert all(line.startswith("{") for line in lines[:-1])  # the last line says it stopped
    entry = polled(scenario.service, "news")[-1]
    for key in ("source_id", "cycle_id", "items", "new", "events", "alerts", "duration_s"):
        assert key in entry, key


def test_logs_never_name_a_watched_person_nor_show_the_smtp_password(scenario: Scenario) -> None:
    output = scenario.service.text()
    secrets = {SMTP_PASSWORD}
    for person in SAMPLE["people"]:
        secrets |= {person["id"], person["name"], *person.get("aliases", [])}
    leaked = sorted(s for s in secrets if s.lower() in output.lower())
    assert leaked == []
    assert "[redacted]" not in output  # nothing even tried: the scrubber is only a safety net


def test_health_is_200_and_metrics_count_polls_items_matches_events_and_emails(
    scenario: Scenario,
) -> None:
    assert scenario.health == (200, "ok\n")
    for series in (
        'redwatch_polls_total{outcome="ok",source="news"}',
        'redwatch_polls_total{outcome="failed",source="flaky"}',
        'redwatch_items_total{source="news"}',
        'redwatch_matches_total{source="news"}',
        'redwatch_events_total{type="news_mention"}',
        'redwatch_emails_total{outcome="sent"}',
        'redwatch_delivery_queue{status="pending"}',
        'redwatch_source_consecutive_failures{source="flaky"} 0.0',
        'redwatch_poll_duration_seconds_count{source="interpol"}',
    ):
        assert series in scenario.metrics, series


def test_the_http_endpoint_listens_on_loopback_only(scenario: Scenario) -> None:
    if scenario.listeners is None:
        pytest.skip("needs /proc/net/tcp (Linux) to see where the service listens")
    assert scenario.listeners == ["127.0.0.1"]


def test_status_lists_each_source_with_its_next_run_and_the_queue(scenario: Scenario) -> None:
    assert scenario.status_code == 0 and scenario.status["attention"] == []
    assert {s["id"] for s in scenario.status["sources"]} == {"news", "flaky", "interpol", "added"}
    assert all(s["next_run_at"] for s in scenario.status["sources"])
    assert scenario.status["queue"]["sent"] >= 2
    assert {d["advocate_id"] for d in scenario.status["digests"]} == {"odf-legal", "press-desk"}
    assert "next run" in scenario.status_table and "added" in scenario.status_table


def test_sigterm_stops_the_service_with_exit_code_0_and_no_claim_left(scenario: Scenario) -> None:
    assert scenario.exit_code == 0
    assert "monitor: stopped" in scenario.service.text()
    claimed = scenario.rows(select(models.Source).where(models.Source.lease_owner.is_not(None)))
    assert claimed == []


def test_the_sqlite_database_runs_in_wal_mode(scenario: Scenario) -> None:
    import sqlite3

    connection = sqlite3.connect(scenario.folder / "data" / "monitor.sqlite3")
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        connection.close()
