"""Digests: one per advocate and period, whatever the clock does, and never ambiguous when empty."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.config.watchlist import Watchlist, load_watchlist, parse_watchlist
from monitor.outbox.digest import last_scheduled, preview, queue_due_digests
from monitor.outbox.send import deliver_pending_async
from monitor.outbox.templates import default_templates_dir
from monitor.store import database, models
from monitor.store.sync import sync_watchlist
from tests.paths import ROOT
from tests.servers.smtp_server import SmtpTestServer
from tests.test_alerts import smtp_mailing

PARIS = ZoneInfo("Europe/Paris")
WATCHLIST = load_watchlist(ROOT / "watchlist.yaml")
START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # Monday 08:00 in Paris


def setup(factory: sessionmaker[Session], language: str = "en") -> None:
    with database.transaction(factory) as session:
        sync_watchlist(session, in_language(language), START - timedelta(days=30))


def in_language(language: str) -> Watchlist:
    """The sample watchlist, every advocate reading `language`."""
    if language == "en":
        return WATCHLIST
    data = yaml.safe_load((ROOT / "watchlist.yaml").read_text(encoding="utf-8"))
    for advocate in data["advocates"]:
        advocate["language"] = language
    return parse_watchlist(yaml.safe_dump(data, allow_unicode=True).encode())


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
        session.get_one(models.Source, "interpol-red").last_success_at = START - timedelta(hours=2)
        queue_due_digests(session, START + timedelta(minutes=1), PARIS)
    with SmtpTestServer() as smtp:
        mailing = smtp_mailing(smtp.port)
        asyncio.run(
            deliver_pending_async(factory, mailing, "t", lambda: START + timedelta(minutes=2))
        )
    legal = next(m for m in smtp.messages if m["To"] == "legal@example.org")
    assert "nothing new" in legal["Subject"]
    text = legal.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Nothing new. 1 of 1 source was checked" in text
    assert "Sources checked in this period: interpol-red." in text
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
    assert "(found at first scan)" in text
    assert "Possible matches that need a human look" in text
    assert "HTTP 403" in text and "NOT CHECKED IN THIS PERIOD" in text
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


# Never claim a check that did not run ---------------------------------------------------------
def preview_text(factory: sessionmaker[Session], **source: object) -> str:
    """The odf-legal digest of the week before START, the INTERPOL source's row set to `source`."""
    with database.transaction(factory) as session:
        row = session.get_one(models.Source, "interpol-red")
        for name, value in source.items():
            setattr(row, name, value)
    with factory() as session:
        return preview(session, "odf-legal", 7, START, PARIS, default_templates_dir())


def test_a_never_read_interpol_source_is_not_read_yet_and_said_first(
    factory: sessionmaker[Session],
) -> None:
    setup(factory)
    text = preview_text(factory, consecutive_failures=1, last_error="HTTP 403")
    assert text.index("NOT CHECKED IN THIS PERIOD") < text.index("Nothing new.")
    assert "- interpol-red (interpol): not read yet (1 failed poll): HTTP 403" in text
    assert "not on the public list" not in text
    assert "Nothing new. 0 of 1 source was checked" in text
    assert "- Mukhtar Ablyazov (INTERPOL: not read yet" in text
    assert "Sources checked in this period: none." in text
    assert "1 source not checked" in text.splitlines()[1]  # the subject says it first too


def test_without_an_interpol_source_interpol_is_not_watched(
    factory: sessionmaker[Session],
) -> None:
    setup(factory)
    text = preview_text(factory, enabled=False)
    assert "INTERPOL is not watched: no INTERPOL source is configured" in text
    assert "- Mukhtar Ablyazov (INTERPOL: not watched (no INTERPOL source))" in text
    assert "not on the public list" not in text


def test_a_failing_interpol_source_is_not_checked_since_its_last_read(
    factory: sessionmaker[Session],
) -> None:
    setup(factory)
    last = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)
    text = preview_text(factory, last_success_at=last, consecutive_failures=40, last_error="503")
    assert (
        "- interpol-red (interpol): not checked since February 10, 2026 (40 failed polls): 503"
        in text
    )
    assert "not on the public list, as of February 10, 2026 (not checked since)" in text
    assert "Sources checked in this period: none." in text


def test_a_source_read_before_the_period_only_is_not_counted_as_checked(
    factory: sessionmaker[Session],
) -> None:
    setup(factory)
    text = preview_text(factory, last_success_at=START - timedelta(days=8), status="ok")
    assert "- interpol-red (interpol): not checked since February 22, 2026" in text
    assert "0 of 1 source was checked" in text


def test_weak_matches_of_the_period_are_worth_a_look(factory: sessionmaker[Session]) -> None:
    setup(factory)
    with database.transaction(factory) as session:
        observation = models.Observation(
            key="url:https://news.example.org/m",
            source_id="interpol-red",
            kind="news",
            url="https://news.example.org/m",
            title="M. Ablyazova opens a bakery",
            content_hash="x",
        )
        session.add(observation)
        session.flush()
        session.add(
            models.MatchRow(
                observation_id=observation.id,
                person_id="mukhtar-ablyazov",
                score=0.52,
                band="weak",
                explanation={"variant": "Ablyazov"},
                content_hash="x",
                created_at=START - timedelta(days=1),
            )
        )
    text = preview_text(factory, last_success_at=START - timedelta(hours=1))
    assert "Worth a look (weak matches: no alert was sent" in text
    assert "M. Ablyazova opens a bakery (like the watchlist form 'Ablyazov', score 0.52)" in text
    assert text.index("== Mukhtar Ablyazov ==") < text.index("Worth a look")


# The advocate's language and dates in the health part ----------------------------------------
SWEPT = datetime(2026, 2, 24, 23, 30, tzinfo=UTC)  # already 25 February in Paris


def incomplete_sweep(factory: sessionmaker[Session]) -> None:
    """INTERPOL's last full sweep could not reach 12 notices; one stored notice was not listed."""
    with database.transaction(factory) as session:
        reason = "12 notices could not be reached with the supported filters"
        session.add(
            models.SourceRun(
                source_id="interpol-red",
                cycle_id="c",
                started_at=SWEPT,
                status="ok",
                full=True,
                complete=False,
                coverage={"red": {"reported_total": 100, "collected": 88, "reasons": [reason]}},
            )
        )
        session.add(
            models.Observation(
                key="notice:red:2020-11111",
                source_id="interpol-red",
                kind="notice",
                content_hash="x",
                last_seen_at=SWEPT - timedelta(days=3),
            )
        )


@pytest.mark.parametrize(
    ("language", "said"),
    [
        (
            "en",
            "- interpol-red (interpol): not checked since February 25, 2026 (3 failed polls): "
            "HTTP 503; 12 notices unreachable by any filter since February 25, 2026; "
            "withdrawals of 1 stored notice cannot be confirmed by the sweep",
        ),
        (
            "ru",
            "- interpol-red (interpol): не проверялся с 25 февраля 2026\u202fг. "
            "(3 неудачные проверки): HTTP 503; 12 уведомлений недоступно ни через один фильтр "
            "с 25 февраля 2026\u202fг.; снятие 1 сохранённого уведомления нельзя подтвердить полным "
            "обходом списка",
        ),
    ],
)
def test_health_and_withdrawal_lines_speak_the_advocates_language_with_local_dates(
    factory: sessionmaker[Session], language: str, said: str
) -> None:
    setup(factory, language)
    incomplete_sweep(factory)
    text = preview_text(
        factory, last_success_at=SWEPT, consecutive_failures=3, last_error="HTTP 503"
    )
    assert said in text
    assert "2026-02-2" not in text  # no ISO date left for the advocate to decode


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "not found on the public list, but 12 notices of it could not be read"),
        ("ru", "нет в открытом списке, но 12 уведомлений в нём прочитать не удалось"),
    ],
)
def test_an_absence_from_a_list_read_in_part_says_how_much_could_not_be_read(
    factory: sessionmaker[Session], language: str, said: str
) -> None:
    # The list was read this week, but 12 of its notices could be reached by no query: one of
    # them could be a watched person's, so "not on the public list" would claim too much.
    setup(factory, language)
    incomplete_sweep(factory)
    text = preview_text(factory, last_success_at=SWEPT)
    assert said in text
    assert "not on the public list" not in text and "нет в открытом списке;" not in text


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "not on the public list, as of February 10, 2026 (not checked since)"),
        (
            "ru",
            "нет в открытом списке, по состоянию на 10 февраля 2026\u202fг. (с тех пор не проверялось)",
        ),
    ],
)
def test_a_stale_interpol_line_gives_its_date_in_the_advocates_locale(
    factory: sessionmaker[Session], language: str, said: str
) -> None:
    setup(factory, language)
    last = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)
    text = preview_text(factory, last_success_at=last, consecutive_failures=40, last_error="503")
    assert said in text
