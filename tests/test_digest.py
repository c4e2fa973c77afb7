"""Digests: one per advocate and period, whatever the clock does, and never ambiguous when empty."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.config.watchlist import load_watchlist
from monitor.outbox.digest import last_scheduled, queue_due_digests
from monitor.outbox.send import deliver_pending_async
from monitor.store import database, models
from monitor.store.sync import sync_watchlist
from tests.paths import ROOT
from tests.servers.smtp_server import SmtpTestServer
from tests.test_alerts import smtp_mailing

PARIS = ZoneInfo("Europe/Paris")
WATCHLIST = load_watchlist(ROOT / "watchlist.yaml")
START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # Monday 08:00 in Paris


def setup(factory: sessionmaker[Session]) -> None:
    with database.transaction(factory) as session:
        sync_watchlist(session, WATCHLIST, START - timedelta(days=30))


def digest_rows(
    factory: sessionmaker[Session], advocate: str = "odf-legal"
) -> list[models.Delivery]:
    with factory() as session:
        return list(
            session.scalars(
                select(models.Delivery)
                .where(models.Delivery.kind == "digest", models.Delivery.advocate_id == advocate)
                .order_by(models.Delivery.period_end)
            )
        )


def test_the_weekly_digest_time_is_monday_eight_local() -> None:
    wednesday = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    assert last_scheduled(wednesday, PARIS, "weekly") == datetime(2026, 3, 2, 8, 0, tzinfo=PARIS)
    monday_early = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 07:00 in Paris
    assert last_scheduled(monday_early, PARIS, "weekly") == datetime(
        2026, 2, 23, 8, 0, tzinfo=PARIS
    )


def test_exactly_one_weekly_digest_per_week_across_dst_changes(
    factory: sessionmaker[Session],
) -> None:
    setup(factory)
    # From early March to mid-November 2026: Paris goes to summer time on 29 March and back on
    # 25 October. The job checks every 5 minutes; here every 133 minutes, for speed.
    now = datetime(2026, 3, 1, tzinfo=UTC)
    while now < datetime(2026, 11, 16, tzinfo=UTC):
        with database.transaction(factory) as session:
            queue_due_digests(session, now, PARIS)
        now += timedelta(minutes=133)
    rows = digest_rows(factory)
    ends = [row.period_end.astimezone(PARIS) for row in rows if row.period_end]
    assert all(end.weekday() == 0 and (end.hour, end.minute) == (8, 0) for end in ends)
    assert len(ends) == len({end.date() for end in ends})
    weeks = (datetime(2026, 11, 16).date() - datetime(2026, 3, 2).date()).days // 7 + 1
    assert len(ends) == weeks
    # Periods chain without gap or overlap.
    for before, after in itertools.pairwise(rows):
        assert after.period_start == before.period_end


def test_a_double_fired_job_queues_one_digest(factory: sessionmaker[Session]) -> None:
    setup(factory)
    for _ in range(3):
        with database.transaction(factory) as session:
            queue_due_digests(session, START + timedelta(minutes=1), PARIS)
    assert len(digest_rows(factory)) == 1
    assert len(digest_rows(factory, "press-desk")) == 1  # daily


def test_an_empty_period_still_says_what_was_checked(factory: sessionmaker[Session]) -> None:
    setup(factory)
    with database.transaction(factory) as session:
        queue_due_digests(session, START + timedelta(minutes=1), PARIS)
    with SmtpTestServer() as smtp:
        mailing = smtp_mailing(smtp.port)
        asyncio.run(
            deliver_pending_async(factory, mailing, "t", lambda: START + timedelta(minutes=2))
        )
    legal = next(m for m in smtp.messages if m["To"] == "legal@example.org")
    assert "nothing new" in legal["Subject"]
    text = legal.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Nothing new." in text and "source" in text and "interpol-red" in text
    assert "- Mukhtar Ablyazov (INTERPOL: not on the public list)" in text


def test_the_digest_shows_events_possible_matches_first_scan_and_source_problems(
    factory: sessionmaker[Session],
) -> None:
    setup(factory)
    with database.transaction(factory) as session:
        session.add_all(
            [
                models.Event(
                    key="k1",
                    person_id="mukhtar-ablyazov",
                    type="notice_published",
                    severity="high",
                    title="Notice 2014/12345",
                    detected_at=START - timedelta(days=2),
                    baseline=True,
                    source_id="interpol-red",
                    details={"headline": "new notice published"},
                ),
                models.Event(
                    key="k2",
                    person_id="mukhtar-ablyazov",
                    type="possible_match",
                    severity="low",
                    title="<b>ABLIAZOV Mukhtar</b>",
                    detected_at=START - timedelta(days=1),
                    source_id="interpol-red",
                ),
                models.Event(
                    key="k3",
                    person_id="zhanara-akhmetova",
                    type="news_mention",
                    severity="medium",
                    title="Old news",
                    detected_at=START - timedelta(days=9),
                ),
            ]
        )
        source = session.get_one(models.Source, "interpol-red")
        source.consecutive_failures, source.last_error = 12, "HTTP 403 from ws-public.interpol.int"
        queue_due_digests(session, START + timedelta(minutes=1), PARIS)
    with SmtpTestServer() as smtp:
        asyncio.run(
            deliver_pending_async(
                factory, smtp_mailing(smtp.port), "t", lambda: START + timedelta(minutes=2)
            )
        )
    legal = next(m for m in smtp.messages if m["To"] == "legal@example.org")
    text = legal.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = legal.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "FOUND AT FIRST SCAN" in text
    assert "Possible matches that need a human look" in text
    assert "HTTP 403" in text and "SOURCE PROBLEMS" in text
    assert "Old news" not in text  # before the period
    assert "<b>ABLIAZOV" not in html and "&lt;b&gt;ABLIAZOV" in html
    assert "2 events" not in legal["Subject"] and "1 event for 1 person" in legal["Subject"]


def test_a_new_installation_sends_no_digest_for_the_week_before_it_existed(
    factory: sessionmaker[Session],
) -> None:
    wednesday = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    with database.transaction(factory) as session:
        sync_watchlist(session, WATCHLIST, wednesday)
        assert queue_due_digests(session, wednesday, PARIS) == []
    with database.transaction(factory) as session:
        queued = queue_due_digests(session, datetime(2026, 3, 9, 7, 5, tzinfo=UTC), PARIS)
    legal = [d for d in queued if d.advocate_id == "odf-legal"]
    assert len(legal) == 1 and legal[0].period_start == datetime(2026, 3, 2, 8, 0, tzinfo=PARIS)
