"""INTERPOL end to end, as `monitor poll` runs it, against the local simulator of the public API.

The issue's "done when": a new notice on a watched person spelled another way gives one
`notice_published`; a changed charge one `notice_changed` with before/after; a removal
`notice_no_longer_public` only after two complete absences and a 404; faulty cycles remove nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.commands.status import status_data
from monitor.config.settings import Settings
from monitor.outbox.digest import Period, source_health
from monitor.poll import Outcome
from monitor.service.endpoint import HealthServer
from monitor.service.runtime import Runtime
from monitor.store import database, models
from monitor.store.models import utcnow
from tests.e2e import cycle, outbox, settings_for, write_watchlist
from tests.servers.http_server import HttpTestServer
from tests.servers.interpol_sim import InterpolSim, red_item
from tests.servers.service_process import clean_environ
from tests.servers.smtp_server import free_port

pytestmark = pytest.mark.slow  # full sweeps of 6,934 notices over HTTP
NOTICE = "2026/12345"
START = utcnow()


@pytest.fixture
def sim() -> InterpolSim:
    return InterpolSim.from_fixtures(yellow=False)


def source(server: HttpTestServer) -> dict[str, object]:
    return {
        "id": "interpol-red",
        "type": "interpol",
        "base_url": server.base_url,
        "rate": 100,
        "interval": "15m",
        "sweep_interval": "12h",
    }


def stored_events(settings: Settings) -> list[models.Event]:
    engine = database.create_db_engine(settings.effective_database_url)
    try:
        with database.make_session_factory(engine)() as session:
            return list(session.scalars(select(models.Event).order_by(models.Event.id)))
    finally:
        engine.dispose()


def ablyazov_notice() -> dict[str, object]:
    return red_item(NOTICE, "ABLIAZOV", "MUKHTAR", "1963/05/16", ["KZ"])


def test_a_new_notice_on_a_watched_person_spelled_otherwise_is_alerted_once(
    sim: InterpolSim, tmp_path: Path
) -> None:
    with sim.serve() as server:
        settings = settings_for(tmp_path, write_watchlist(tmp_path / "w.yaml", [source(server)]))
        [first] = cycle(settings)
        assert first.ok and first.complete and first.baseline and first.items == 6934
        sim.add(ablyazov_notice(), sex="M", warrants=[("KZ", "Embezzlement")])
        [fast] = cycle(settings)  # not due for a sweep: the fast path sees the newest notices
        [again] = cycle(settings)
    assert fast.ok and fast.requests < 30 and (fast.events, fast.alerts) == (1, 1)
    assert again.events == 0
    [event] = [e for e in stored_events(settings) if not e.baseline]
    assert (event.type, event.person_id, event.severity) == (
        "notice_published",
        "mukhtar-ablyazov",
        "high",
    )
    assert event.details["entity_id"] == NOTICE
    assert any("protected from" in flag for flag in event.details["flags"])  # refugee vs KZ
    [mail] = outbox(settings)
    message = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
    assert message["Subject"] == "NEW RED NOTICE: Mukhtar Ablyazov"
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "CCF" in body and NOTICE in body


def test_a_changed_charge_is_one_change_with_before_and_after(
    sim: InterpolSim, tmp_path: Path
) -> None:
    sim.add(ablyazov_notice(), sex="M", warrants=[("KZ", "Embezzlement")])
    with sim.serve() as server:
        settings = settings_for(tmp_path, write_watchlist(tmp_path / "w.yaml", [source(server)]))
        cycle(settings)
        sim.change(
            NOTICE,
            arrest_warrants=[
                {
                    "issuing_country_id": "RU",
                    "charge": "Organised crime",
                    "charge_translation": None,
                }
            ],
        )
        [changed] = cycle(settings, full=True)
        [same] = cycle(settings, full=True)
    assert changed.events == 1 and same.events == 0
    [event] = [e for e in stored_events(settings) if e.type == "notice_changed"]
    changes = {c["field"]: c for c in event.details["changes"]}
    assert (
        changes["Charges"]["before"] == "Embezzlement"
        and changes["Charges"]["after"] == "Organised crime"
    )
    assert (
        changes["Issuing countries"]["before"] == "KZ"
        and changes["Issuing countries"]["after"] == "RU"
    )


def cycle_at(settings: Settings, hours: float) -> Outcome:
    """One `monitor poll --full` in this process, `hours` after the test's start on its clock."""
    from monitor.service.run import _cycle

    runtime = Runtime.open(settings)
    at = START + timedelta(hours=hours)
    runtime.clock = lambda: at
    try:
        [outcome] = asyncio.run(_cycle(runtime, (), True))
    finally:
        runtime.close()
    return outcome


def withdrawals(settings: Settings) -> list[models.Event]:
    return [e for e in stored_events(settings) if e.type == "notice_no_longer_public"]


def test_a_withdrawn_notice_is_told_after_two_404s_six_hours_apart_and_only_then(
    sim: InterpolSim, tmp_path: Path
) -> None:
    sim.add(ablyazov_notice(), sex="M", warrants=[("KZ", "Embezzlement")])
    with sim.serve() as server:
        settings = settings_for(tmp_path, write_watchlist(tmp_path / "w.yaml", [source(server)]))
        cycle_at(settings, 0)
        sim.remove(NOTICE)
        first = cycle_at(settings, 1)  # the first 404
        early = cycle_at(settings, 6.5)  # 5.5 h after it: not yet
        told = cycle_at(settings, 7)
        after = cycle_at(settings, 13)
    assert (first.events, early.events, told.events, after.events) == (0, 0, 1, 0)
    [gone] = withdrawals(settings)
    assert "restricted" in gone.details["headline"]
    engine = database.create_db_engine(settings.effective_database_url)
    with database.make_session_factory(engine)() as session:
        evidence = session.scalars(
            select(models.Evidence).where(models.Evidence.status == 404)
        ).all()
    engine.dispose()
    assert evidence and b"NotFoundError" in evidence[0].body


def test_a_withdrawal_is_told_while_a_notice_no_filter_reaches_keeps_every_sweep_incomplete(
    sim: InterpolSim, tmp_path: Path
) -> None:
    sim.add(ablyazov_notice(), sex="M", warrants=[("KZ", "Embezzlement")])
    sim.add(red_item("2001/99999", None, None, None, None), sex="M", oldest=True)
    with sim.serve() as server:
        watched = {**source(server), "withdrawal_confirm_after": "3h"}
        settings = settings_for(tmp_path, write_watchlist(tmp_path / "w.yaml", [watched]))
        baseline = cycle_at(settings, 0)
        sim.remove(NOTICE)
        runs = [cycle_at(settings, hours) for hours in (1, 3.5, 4)]
    assert baseline.complete is False and "could not be reached" in " ".join(baseline.warnings)
    assert [run.complete for run in runs] == [False, False, False]
    assert [run.events for run in runs] == [0, 0, 1]
    assert [e.person_id for e in withdrawals(settings)] == ["mukhtar-ablyazov"]


@pytest.mark.parametrize("fault", ["block", "fail", "short_pages", "hide_half"])
def test_a_faulty_cycle_removes_nothing(sim: InterpolSim, tmp_path: Path, fault: str) -> None:
    sim.add(ablyazov_notice(), sex="M", warrants=[("KZ", "Embezzlement")])
    with sim.serve() as server:
        settings = settings_for(tmp_path, write_watchlist(tmp_path / "w.yaml", [source(server)]))
        cycle(settings)
        for _ in range(3):  # three faulty full sweeps in a row
            if fault == "block":
                sim.block(10_000, after=20)
            elif fault == "fail":
                sim.fail(10_000, 503, retry_after="0", after=20)  # a quick retry, same outcome
            elif fault == "short_pages":
                sim.short_pages(40)
            else:
                sim.hide([*sorted(sim.public_ids())[::2], NOTICE])
            [outcome] = cycle(settings, full=True)
            sim.reset_faults()
            assert outcome.complete is not True
    assert [e.type for e in stored_events(settings) if not e.baseline] == []
    engine = database.create_db_engine(settings.effective_database_url)
    with database.make_session_factory(engine)() as session:
        assert (
            session.scalars(
                select(models.Observation).where(models.Observation.present.is_(False))
            ).all()
            == []
        )
        if fault == "block":
            assert session.get_one(models.Source, "interpol-red").status == "blocked"
    engine.dispose()


def test_the_watched_names_are_never_sent_to_interpol(sim: InterpolSim, tmp_path: Path) -> None:
    with sim.serve() as server:
        settings = settings_for(tmp_path, write_watchlist(tmp_path / "w.yaml", [source(server)]))
        cycle(settings)
        cycle(settings)
        sent = " ".join(r.target for r in server.requests).upper()
    for surname in (
        "ABLYAZOV",
        "ABLIAZOV",
        "AKHMETOVA",
        "PARASKEVICH",
        "PAVLOV",
        "KETEBAYEV",
        "1963",
    ):
        assert surname not in sent


def test_watched_notices_only_the_residual_search_reaches_are_found_without_a_watched_name(
    sim: InterpolSim, tmp_path: Path
) -> None:
    awkward = {
        "2001/91001": ("PARASKEVICH", "TATIANA", None, None),  # no birth date, no nationality
        "2001/91002": ("AKHMETOVA", "ZHANARA", None, ["KZ"]),  # no birth date
        "2001/91003": (None, "MUKHTAR", "1963/05/16", ["KZ"]),  # no surname
    }
    for entity_id, fields in awkward.items():
        sim.add(red_item(entity_id, *fields), sex="M", oldest=True)
    with sim.serve() as server:
        settings = settings_for(tmp_path, write_watchlist(tmp_path / "w.yaml", [source(server)]))
        runs = [cycle_at(settings, hours) for hours in (0, 13)]  # the second routes to them
        sent = " ".join(r.target for r in server.requests).upper()
    assert [run.complete for run in runs] == [True, True]
    engine = database.create_db_engine(settings.effective_database_url)
    with database.make_session_factory(engine)() as session:
        present = set(
            session.scalars(select(models.Observation.key).where(models.Observation.present))
        )
    engine.dispose()
    assert {f"interpol:red:{entity_id}" for entity_id in awkward} <= present
    for word in ("PARASKEVICH", "TATIANA", "AKHMETOVA", "ZHANARA", "MUKHTAR", "1963"):
        assert word not in sent


def test_an_unreachable_interpol_is_a_failing_source_not_an_empty_list(tmp_path: Path) -> None:
    unreachable = {
        "id": "interpol-red",
        "type": "interpol",
        "base_url": "http://127.0.0.1:9",
        "rate": 100,
    }
    settings = settings_for(
        tmp_path, write_watchlist(tmp_path / "w.yaml", [unreachable]), http_attempts="1"
    )
    [outcome] = cycle(settings)
    assert not outcome.ok and "could not be read" in (outcome.error or "")
    engine = database.create_db_engine(settings.effective_database_url)
    with database.make_session_factory(engine)() as session:
        source = session.get_one(models.Source, "interpol-red")
        assert (source.status, source.baseline_at) == ("failing", None)
    engine.dispose()


def test_a_partial_first_sweep_does_not_end_the_first_scan(
    sim: InterpolSim, tmp_path: Path
) -> None:
    sim.add(ablyazov_notice(), sex="M", warrants=[("KZ", "Embezzlement")], oldest=True)
    with sim.serve() as server:
        settings = settings_for(tmp_path, write_watchlist(tmp_path / "w.yaml", [source(server)]))
        sim.block(10_000, after=15)  # blocked early in the first sweep
        [partial] = cycle(settings)
        sim.reset_faults()
        [complete] = cycle(settings, full=True)
        [later] = cycle(settings, full=True)
    assert partial.ok and partial.baseline and partial.complete is False
    assert complete.baseline and complete.complete  # still the first scan: old notices are no news
    assert not later.baseline
    found = [e for e in stored_events(settings) if e.type == "notice_published"]
    assert [e.baseline for e in found] == [True]
    assert outbox(settings) == []


def test_a_renamed_source_keeps_its_notices_and_alerts_what_was_published_meanwhile(
    sim: InterpolSim, tmp_path: Path
) -> None:
    with sim.serve() as server:
        path = write_watchlist(tmp_path / "w.yaml", [source(server)])
        [first] = cycle(settings_for(tmp_path, path))
        assert first.ok and first.baseline
        sim.add(ablyazov_notice(), sex="M")
        renamed = {**source(server), "id": "red-notices"}
        settings = settings_for(tmp_path, write_watchlist(path, [renamed]))
        [after] = cycle(settings)
    assert after.ok and after.source_id == "red-notices", after.error
    assert not after.baseline and (after.new, after.events, after.alerts) == (1, 1, 1)
    [event] = [e for e in stored_events(settings) if not e.baseline]
    assert (event.type, event.person_id) == ("notice_published", "mukhtar-ablyazov")


def test_status_metrics_and_digest_say_when_withdrawals_cannot_be_confirmed(
    sim: InterpolSim, tmp_path: Path
) -> None:
    sim.add(ablyazov_notice(), sex="M", warrants=[("KZ", "Embezzlement")])
    sim.add(red_item("2001/99999", None, None, None, None), sex="M", oldest=True)
    with sim.serve() as server:
        watchlist = write_watchlist(tmp_path / "w.yaml", [source(server)])
        settings = settings_for(tmp_path, watchlist)
        baseline = cycle_at(settings, -80)  # more than two days ago
        day = (START - timedelta(hours=80)).date().isoformat()
        with session_of(settings) as session:
            told = status_data(session, START - timedelta(hours=79))
            [health] = source_health(
                session, Period(START - timedelta(days=7), START - timedelta(hours=79))
            )
        metrics_text = asyncio.run(scrape_metrics(settings))
        sim.remove(NOTICE)
        sim.fail(100_000, 503, endpoints=["detail"])  # its direct check gets no answer
        cycle_at(settings, -79)
        done = subprocess.run(
            [sys.executable, "-m", "monitor", "status"],
            cwd=tmp_path,
            env=clean_environ({"MONITOR_WATCHLIST": str(watchlist), **data_dir(settings)}),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert baseline.complete is False
    [note] = told["withdrawal_notes"]
    assert note.startswith(f"interpol-red: 1 notice unreachable by any filter since {day}")
    assert note.endswith(
        "withdrawals of your people's notices are still confirmed by direct checks"
    )
    assert told["attention"] == []
    assert "unreachable by any filter" in health["problem"]
    assert (
        'redwatch_withdrawals_unconfirmable_notices{reason="unreachable",source="interpol-red"}'
        in metrics_text
    )
    assert 'redwatch_watched_notices_unchecked{source="interpol-red"} 0.0' in metrics_text
    assert done.returncode == 1, done.stdout + done.stderr
    output = " ".join(done.stdout.split())
    assert "1 of your people's notices could not be checked since" in output
    assert re.search(r"\d+ watched notice\(s\) not checked for more than 2 days", output)
    assert "its detail gave no answer (HTTP 503)" in output


@contextlib.contextmanager
def session_of(settings: Settings) -> Iterator[Session]:
    engine = database.create_db_engine(settings.effective_database_url)
    try:
        with database.make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def data_dir(settings: Settings) -> dict[str, str]:
    return {"MONITOR_DATA_DIR": str(settings.data_dir)}


async def scrape_metrics(settings: Settings) -> str:
    """GET /metrics from the service's real endpoint, on a free port of 127.0.0.1."""
    runtime = Runtime.open(settings)
    endpoint = HealthServer(runtime, alive=lambda: True)
    port = free_port()
    try:
        await endpoint.start("127.0.0.1", port)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        await writer.drain()
        body = await reader.read()
        writer.close()
        return body.decode()
    finally:
        await endpoint.stop()
        runtime.close()
