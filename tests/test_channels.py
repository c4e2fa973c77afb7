"""Alerts reach advocates on their channels (webhooks, Signal, Telegram, Matrix) through Apprise,
through the same outbox as email: once, retried, recorded; so does a short note that their
digest is ready; and no name leaves for a third-party server unless the advocate's target
allows it.

Every channel is sent end to end: Apprise speaks HTTP to a real server on 127.0.0.1 standing in
for the service (tests/servers/webhook_server.py); Telegram's fixed API host is pointed at it
through the URL Apprise's Telegram plugin keeps for that purpose.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import generate_latest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor import metrics
from monitor.commands.check import check
from monitor.commands.status import status_data
from monitor.config.watchlist import Watchlist, parse_watchlist
from monitor.outbox.compose import Mailing
from monitor.outbox.digest import Period, digest_context, queue_due_digests
from monitor.outbox.route import queue_alerts
from monitor.outbox.send import claim_next, deliver_pending_async
from monitor.outbox.templates import default_templates_dir, render
from monitor.outbox.transports import OutboxTransport
from monitor.store import database, models
from monitor.store.sync import sync_watchlist
from tests.servers.webhook_server import WebhookServer

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SECRET = "8412345678:AAFsecretTelegramBotToken-do-not-leak"
NAMES = ["Mukhtar Ablyazov", "Мухтар Аблязов", "Moukhtar Abliazov", "ablyazov", "аблязов"]
SENTENCE = "Мухтар Аблязов задержан в Ницце."


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def watchlist_for(targets: str) -> Watchlist:
    text = f"""
people:
  - id: mukhtar-ablyazov
    name: Mukhtar Ablyazov
    aliases: [Мухтар Аблязов, Moukhtar Abliazov]
    advocates: [legal]
advocates:
  - id: legal
    name: Legal team
    email: legal@example.org
    notify:
{targets}
sources:
  - id: news
    type: feed
    url: https://news.example.org/rss
"""
    return parse_watchlist(text.encode())


@pytest.fixture
def hooks(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebhookServer]:
    from apprise.plugins.telegram import NotifyTelegram

    with WebhookServer() as server:
        monkeypatch.setattr(NotifyTelegram, "notify_url", server.url("/bot"))
        monkeypatch.setenv("REDWATCH_TEST_TELEGRAM", SECRET)
        yield server


def every_channel(hooks: WebhookServer, *, names: bool = False) -> str:
    port = hooks.port
    flag = "\n        names: true" if names else ""
    urls = [
        f"json://127.0.0.1:{port}/hook",
        f"form://127.0.0.1:{port}/form",
        f"signal://127.0.0.1:{port}/+15550000001/+15550000002",
        "tgram://${REDWATCH_TEST_TELEGRAM}/123456789",
        f"matrix://redwatch:password@127.0.0.1:{port}/#alerts",
    ]
    return "\n".join(f"      - url: {url}{flag}" for url in urls)


def alert(factory: sessionmaker[Session], watchlist: Watchlist, cycle: str = "c1") -> None:
    with database.transaction(factory) as session:
        sync_watchlist(session, watchlist, NOW - timedelta(days=1))
        event = models.Event(
            key=f"{cycle}:arrest",
            person_id="mukhtar-ablyazov",
            type="news_mention",
            severity="high",
            title="Мухтар Аблязов задержан",
            url="https://news.example.org/ablyazov",
            evidence=SENTENCE,
            source_id="news",
            details={"sentence": SENTENCE, "spans": [[0, 14]], "context_labels": ["arrest"]},
            detected_at=NOW,
            cycle_id=cycle,
        )
        session.add(event)
        session.flush()
        queue_alerts(session, [event], watchlist, cycle, NOW)


def mailing(tmp_path: Path) -> Mailing:
    return Mailing(
        OutboxTransport(tmp_path / "outbox"),
        "redwatch <redwatch@example.org>",
        default_templates_dir(),
        UTC,
        public_url="https://redwatch.example.org",
    )


def deliver(factory: sessionmaker[Session], tmp_path: Path, now: datetime = NOW) -> Any:
    return asyncio.run(deliver_pending_async(factory, mailing(tmp_path), "t", Clock(now)))


def rows(factory: sessionmaker[Session]) -> list[models.Delivery]:
    with factory() as session:
        return list(session.scalars(select(models.Delivery).order_by(models.Delivery.id)))


def test_every_channel_gets_one_message_through_its_own_delivery_row(
    factory: sessionmaker[Session], hooks: WebhookServer, tmp_path: Path
) -> None:
    alert(factory, watchlist_for(every_channel(hooks)))
    report = deliver(factory, tmp_path)
    deliveries = rows(factory)
    labels = sorted(d.channel_label for d in deliveries)
    assert labels == ["email", "form", "json", "matrix", "signal", "tgram"]
    assert report.sent == 6 and {d.status for d in deliveries} == {"sent"}
    paths = [r.path for r in hooks.received]
    assert paths.count("/hook") == 1 and paths.count("/form") == 1
    assert paths.count("/v2/send") == 1
    assert paths.count(f"/bot{SECRET}/sendMessage") == 1
    assert any(p.startswith("/_matrix/client/") and "/send/" in p for p in paths)
    assert deliver(factory, tmp_path).sent == 0  # nothing is sent twice


def test_no_watched_name_or_alias_reaches_any_channel_by_default(
    factory: sessionmaker[Session], hooks: WebhookServer, tmp_path: Path
) -> None:
    alert(factory, watchlist_for(every_channel(hooks)))
    deliver(factory, tmp_path)
    payloads = [r.text().casefold() for r in hooks.received if r.body]
    assert len(payloads) >= 5
    for payload in payloads:
        for name in NAMES:
            assert name.casefold() not in payload
        assert "mukhtar" not in payload  # nor the person's id, which spells the name
    signal = next(r for r in hooks.received if r.path == "/v2/send").json()
    assert "https://redwatch.example.org/events/" in signal["message"]


def test_a_webhook_gets_json_with_ids_and_types_and_names_only_when_allowed(
    factory: sessionmaker[Session], hooks: WebhookServer, tmp_path: Path
) -> None:
    alert(factory, watchlist_for(f"      - url: json://127.0.0.1:{hooks.port}/hook"))
    deliver(factory, tmp_path)
    [body] = hooks.bodies("/hook")
    document = json.loads(body["message"])
    [event] = document["events"]
    assert set(event) == {"id", "type", "kind", "severity"}
    assert event["type"] == "news_mention" and event["kind"] == "arrest"
    assert document["details"] == f"https://redwatch.example.org/events/{event['id']}"


def test_names_true_lets_the_target_name_the_person(
    factory: sessionmaker[Session], hooks: WebhookServer, tmp_path: Path
) -> None:
    alert(factory, watchlist_for(every_channel(hooks, names=True)))
    deliver(factory, tmp_path)
    [body] = hooks.bodies("/hook")
    [event] = json.loads(body["message"])["events"]
    assert event["person_name"] == "Mukhtar Ablyazov"
    signal = next(r for r in hooks.received if r.path == "/v2/send").json()
    assert "Mukhtar Ablyazov" in signal["message"]
    assert "https://redwatch.example.org/people/mukhtar-ablyazov" in signal["message"]


def test_a_refusing_channel_is_retried_with_backoff_and_sent_once_when_it_recovers(
    factory: sessionmaker[Session], hooks: WebhookServer, tmp_path: Path
) -> None:
    alert(factory, watchlist_for(f"      - url: json://127.0.0.1:{hooks.port}/hook"))
    hooks.fail_next(1, status=503)
    first = deliver(factory, tmp_path)
    assert (first.sent, first.retrying) == (1, 1)  # the email went, the webhook waits
    [waiting] = [d for d in rows(factory) if d.channel != "email"]
    assert waiting.status == "pending" and waiting.attempts == 1
    assert waiting.next_attempt_at == NOW + timedelta(minutes=1)
    assert "json:// not delivered" in (waiting.last_error or "")
    assert deliver(factory, tmp_path, NOW + timedelta(seconds=30)).sent == 0  # not yet due
    assert deliver(factory, tmp_path, NOW + timedelta(minutes=1)).sent == 1
    assert len(hooks.bodies("/hook")) == 2  # the refused one and the accepted one
    assert deliver(factory, tmp_path, NOW + timedelta(hours=1)).sent == 0


def test_failures_show_in_status_and_metrics_and_never_carry_the_secret(
    factory: sessionmaker[Session], hooks: WebhookServer, tmp_path: Path
) -> None:
    alert(factory, watchlist_for("      - url: tgram://${REDWATCH_TEST_TELEGRAM}/123456789"))
    hooks.fail_next(1, status=500)
    deliver(factory, tmp_path)
    with factory() as session:
        data = status_data(session, NOW + timedelta(hours=2))
    [retrying] = data["retrying_deliveries"]
    assert retrying["channel"] == "tgram"
    assert any("tgram" in line for line in data["attention"])
    assert SECRET not in json.dumps(data) and SECRET.split(":")[1] not in json.dumps(data)
    exposition = generate_latest(metrics.REGISTRY).decode()
    assert 'redwatch_deliveries_total{channel="tgram",outcome="retrying"}' in exposition


def test_a_missing_secret_fails_the_delivery_for_good_and_says_which_variable(
    factory: sessionmaker[Session], hooks: WebhookServer, tmp_path: Path
) -> None:
    alert(factory, watchlist_for("      - url: tgram://${REDWATCH_TEST_UNSET}/123"))
    report = deliver(factory, tmp_path)
    assert report.failed == 1
    [failed] = [d for d in rows(factory) if d.channel != "email"]
    assert failed.status == "failed" and "REDWATCH_TEST_UNSET" in (failed.last_error or "")


def test_the_database_keeps_the_channel_id_never_the_secret(
    factory: sessionmaker[Session], hooks: WebhookServer, tmp_path: Path
) -> None:
    alert(factory, watchlist_for("      - url: tgram://${REDWATCH_TEST_TELEGRAM}/123456789"))
    deliver(factory, tmp_path)
    with factory() as session:
        stored = [
            json.dumps([d.key, d.channel, d.last_error, d.subject]) for d in rows(factory)
        ] + [json.dumps(a.spec) for a in session.scalars(select(models.Advocate))]
    assert all(SECRET not in text for text in stored)
    assert any("${REDWATCH_TEST_TELEGRAM}" in text for text in stored)


def test_monitor_check_reports_bad_notify_urls_at_their_position_without_the_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REDWATCH_TEST_TELEGRAM", SECRET)
    path = tmp_path / "watchlist.yaml"
    targets = "\n".join(
        [
            "      - url: tgram://${REDWATCH_TEST_TELEGRAM}/123456789",
            "      - signl://127.0.0.1/+1555",
            "      - url: tgram://${REDWATCH_TEST_MISSING}/1",
            "      - url: signal://localhost",
        ]
    )
    path.write_text(
        (
            "people:\n  - id: p\n    name: Mukhtar Ablyazov\n    advocates: [legal]\n"
            "advocates:\n  - id: legal\n    name: Legal team\n    email: legal@example.org\n"
            f"    notify:\n{targets}\n"
            "sources:\n  - id: news\n    type: feed\n    url: https://news.example.org/rss\n"
        ),
        encoding="utf-8",
    )
    assert check(str(path)) == 1
    err = capsys.readouterr().err
    assert f"{path}:11:9: notify URL: Apprise knows no service signl://" in err
    assert f"{path}:12:14: notify URL: the environment variable REDWATCH_TEST_MISSING" in err
    assert f"{path}:13:14: notify URL: Apprise cannot use this signal:// URL" in err
    assert ":10:" not in err  # the valid Telegram target
    assert SECRET not in err and SECRET.split(":")[1] not in err


def test_a_target_removed_from_the_watchlist_fails_its_waiting_message_clearly(
    factory: sessionmaker[Session], hooks: WebhookServer, tmp_path: Path
) -> None:
    alert(factory, watchlist_for(f"      - url: json://127.0.0.1:{hooks.port}/hook"))
    with database.transaction(factory) as session:
        sync_watchlist(session, watchlist_for(f"      - url: json://127.0.0.1:{hooks.port}/x"), NOW)
    deliver(factory, tmp_path)
    [gone] = [d for d in rows(factory) if d.channel != "email"]
    assert gone.status == "failed" and "no longer in watchlist.yaml" in (gone.last_error or "")
    assert hooks.received == []


def test_the_digest_health_names_a_channel_that_could_not_deliver(
    factory: sessionmaker[Session], hooks: WebhookServer, tmp_path: Path
) -> None:
    alert(factory, watchlist_for(f"      - url: json://127.0.0.1:{hooks.port}/hook"))
    hooks.fail_next(1, status=502)
    deliver(factory, tmp_path)
    with factory() as session:
        advocate = session.get_one(models.Advocate, "legal")
        context = digest_context(session, advocate, Period(NOW - timedelta(days=7), NOW), UTC)
        subject, text, _ = render("digest", context, default_templates_dir())
    [problem] = context["delivery_problems"]
    assert problem.startswith("json: still being retried after 1 attempt (json:// not delivered")
    assert "1 message not delivered" in subject and problem in text


# Digests on channels: a short note that the digest is ready ---------------------------------
def weekly_digest(factory: sessionmaker[Session], watchlist: Watchlist) -> list[models.Delivery]:
    """A week with one arrest in it, and the digests due on Monday 08:00 queued as the job does."""
    with database.transaction(factory) as session:
        sync_watchlist(session, watchlist, NOW - timedelta(days=1))
        session.add(
            models.Event(
                key="week:arrest",
                person_id="mukhtar-ablyazov",
                type="news_mention",
                severity="high",
                title="Мухтар Аблязов задержан",
                url="https://news.example.org/ablyazov",
                evidence=SENTENCE,
                source_id="news",
                details={"sentence": SENTENCE, "context_labels": ["arrest"]},
                detected_at=NOW - timedelta(days=1),
            )
        )
        session.get_one(models.Source, "news").last_success_at = NOW - timedelta(hours=3)
        return list(queue_due_digests(session, NOW, UTC))


def test_a_digest_sends_every_channel_one_ready_note_through_its_own_row(
    factory: sessionmaker[Session], hooks: WebhookServer, tmp_path: Path
) -> None:
    weekly_digest(factory, watchlist_for(every_channel(hooks)))
    report = deliver(factory, tmp_path)
    deliveries = rows(factory)
    assert sorted(d.channel_label for d in deliveries) == [
        "email",
        "form",
        "json",
        "matrix",
        "signal",
        "tgram",
    ]
    assert {d.kind for d in deliveries} == {"digest"} and report.sent == 6
    paths = [r.path for r in hooks.received]
    assert paths.count("/hook") == 1 and paths.count("/form") == 1
    assert paths.count("/v2/send") == 1 and paths.count(f"/bot{SECRET}/sendMessage") == 1
    signal = next(r for r in hooks.received if r.path == "/v2/send").json()["message"]
    assert "Your weekly digest is ready: 1 new event for 1 person you follow." in signal
    assert "Details: https://redwatch.example.org/" in signal
    assert deliver(factory, tmp_path).sent == 0  # nothing is sent twice


def test_no_watched_name_or_alias_reaches_a_channel_with_the_digest_by_default(
    factory: sessionmaker[Session], hooks: WebhookServer, tmp_path: Path
) -> None:
    weekly_digest(factory, watchlist_for(every_channel(hooks)))
    deliver(factory, tmp_path)
    payloads = [r.text().casefold() for r in hooks.received if r.body]
    assert len(payloads) >= 5
    for payload in payloads:
        assert all(name.casefold() not in payload for name in NAMES)
        assert "mukhtar" not in payload  # nor the person's id, which spells the name
    [body] = hooks.bodies("/hook")
    document = json.loads(body["message"])
    assert document["kind"] == "digest" and document["frequency"] == "weekly"
    assert (document["event_count"], document["people_count"]) == (1, 1)
    assert document["details"] == "https://redwatch.example.org/" and "people" not in document


def test_names_true_lets_the_digest_note_name_the_people(
    factory: sessionmaker[Session], hooks: WebhookServer, tmp_path: Path
) -> None:
    weekly_digest(factory, watchlist_for(every_channel(hooks, names=True)))
    deliver(factory, tmp_path)
    [body] = hooks.bodies("/hook")
    [person] = json.loads(body["message"])["people"]
    assert person == {
        "person_id": "mukhtar-ablyazov",
        "person_name": "Mukhtar Ablyazov",
        "events": 1,
    }
    signal = next(r for r in hooks.received if r.path == "/v2/send").json()["message"]
    assert "People: Mukhtar Ablyazov (1)." in signal


def test_the_digest_note_is_in_the_advocates_language_and_says_what_was_not_checked(
    factory: sessionmaker[Session], hooks: WebhookServer, tmp_path: Path
) -> None:
    watchlist = watchlist_for(
        f"      - url: signal://127.0.0.1:{hooks.port}/+15550000001/+15550000002"
    )
    data = watchlist.model_dump()
    data["advocates"][0]["language"] = "ru"
    weekly_digest(factory, Watchlist.model_validate(data))
    with database.transaction(factory) as session:
        session.get_one(models.Source, "news").last_success_at = NOW - timedelta(days=9)
    deliver(factory, tmp_path)
    signal = next(r for r in hooks.received if r.path == "/v2/send").json()["message"]
    assert "Ваша еженедельная сводка готова: 1 новое событие для 1 человека" in signal
    assert "1 источник не удалось проверить полностью" in signal
    assert "Подробности: https://redwatch.example.org/" in signal


def test_a_digest_note_is_queued_once_and_sent_once_across_a_crash_and_a_double_fired_job(
    factory: sessionmaker[Session], hooks: WebhookServer, tmp_path: Path
) -> None:
    watchlist = watchlist_for(f"      - url: json://127.0.0.1:{hooks.port}/hook")
    assert len(weekly_digest(factory, watchlist)) == 1  # the email row; the note rides with it
    with database.transaction(factory) as session:
        assert queue_due_digests(session, NOW + timedelta(minutes=5), UTC) == []
    [note] = [d for d in rows(factory) if d.channel != "email"]
    assert note.key == f"digest:legal:2026-03-02:{note.channel}"
    # An instance claims the note and dies before sending it: its lease runs out, then it goes.
    assert claim_next(factory, "killed", NOW, skip={d.id for d in rows(factory)} - {note.id})
    assert deliver(factory, tmp_path, NOW + timedelta(seconds=30)).sent == 1  # the email only
    assert hooks.bodies("/hook") == []
    assert deliver(factory, tmp_path, NOW + timedelta(minutes=3)).sent == 1
    assert len(hooks.bodies("/hook")) == 1
    assert deliver(factory, tmp_path, NOW + timedelta(hours=1)).sent == 0
