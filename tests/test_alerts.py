"""Alerts reach the right advocate exactly once, through a real SMTP server or the outbox folder."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.config.settings import load_settings
from monitor.config.watchlist import Watchlist, load_watchlist
from monitor.outbox.compose import Mailing
from monitor.outbox.route import queue_alerts
from monitor.outbox.send import deliver_pending_async
from monitor.outbox.templates import default_templates_dir
from monitor.outbox.transports import OutboxTransport, SmtpTransport
from monitor.store import database, models
from monitor.store.sync import sync_watchlist
from tests.paths import ROOT
from tests.servers.smtp_server import SmtpTestServer

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
WATCHLIST = load_watchlist(ROOT / "watchlist.yaml")
HOSTILE_TITLE = 'Court <script>alert("x")</script> <img src=x onerror=alert(1)> hears Ablyazov'


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def synced(factory: sessionmaker[Session], watchlist: Watchlist = WATCHLIST) -> None:
    with database.transaction(factory) as session:
        sync_watchlist(session, watchlist, NOW)


def add_events(
    factory: sessionmaker[Session], cycle: str, specs: list[tuple[str, str, str]], **extra: object
) -> None:
    """specs: (person_id, type, severity); all in one cycle, queued as the poll would."""
    with database.transaction(factory) as session:
        events = []
        for number, (person_id, kind, severity) in enumerate(specs):
            event = models.Event(
                key=f"{cycle}:{number}",
                person_id=person_id,
                type=kind,
                severity=severity,
                title=str(extra.get("title", "A title")),
                url="https://news.example.org/a?id=1",
                evidence="Mukhtar Ablyazov was detained in Nice.",
                source_id="interpol-red",
                details={
                    "sentence": "Mukhtar Ablyazov was detained in Nice.",
                    "spans": [[0, 16]],
                    "context_labels": ["arrest"],
                    "explanation": "matched 'Mukhtar Ablyazov'",
                },
                detected_at=NOW,
                cycle_id=cycle,
                baseline=bool(extra.get("baseline", False)),
            )
            session.add(event)
            events.append(event)
        session.flush()
        queue_alerts(session, events, WATCHLIST, cycle, NOW)


def smtp_mailing(port: int) -> Mailing:
    settings = load_settings(
        {
            "MONITOR_SMTP_HOST": "127.0.0.1",
            "MONITOR_SMTP_PORT": str(port),
            "MONITOR_SMTP_SECURITY": "none",
            "MONITOR_SMTP_TIMEOUT": "5",
        }
    )
    return Mailing(
        transport=SmtpTransport(settings),
        sender="redwatch <alerts@redwatch.example>",
        templates_dir=default_templates_dir(),
        tz=ZoneInfo("Europe/Paris"),
    )


def deliver(factory: sessionmaker[Session], mailing: Mailing, clock: Clock, owner: str = "test"):  # type: ignore[no-untyped-def]
    return asyncio.run(deliver_pending_async(factory, mailing, owner, clock))


def statuses(factory: sessionmaker[Session]) -> list[str]:
    with factory() as session:
        return list(session.scalars(select(models.Delivery.status).order_by(models.Delivery.id)))


def test_an_alert_arrives_with_both_parts_and_escaped_html(factory: sessionmaker[Session]) -> None:
    synced(factory)
    add_events(factory, "c1", [("mukhtar-ablyazov", "news_mention", "high")], title=HOSTILE_TITLE)
    with SmtpTestServer() as smtp:
        report = deliver(factory, smtp_mailing(smtp.port), Clock(NOW))
    assert report.sent == 1
    [message] = smtp.messages
    assert smtp.envelopes[0][1] == ["legal@example.org"]
    assert message["Auto-Submitted"] == "auto-generated"
    assert "Mukhtar Ablyazov" in message["Subject"] and "[ARREST]" in message["Subject"]
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "**Mukhtar Ablyazov**" in text
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<mark" in html


def test_events_of_one_cycle_make_one_email_per_advocate_most_severe_first(
    factory: sessionmaker[Session],
) -> None:
    synced(factory)
    add_events(
        factory,
        "c1",
        [
            ("zhanara-akhmetova", "news_mention", "medium"),
            ("mukhtar-ablyazov", "notice_published", "high"),
            ("zhanara-akhmetova", "court_item", "high"),
        ],
    )
    with SmtpTestServer() as smtp:
        deliver(factory, smtp_mailing(smtp.port), Clock(NOW))
    by_recipient = {env[1][0]: msg for env, msg in zip(smtp.envelopes, smtp.messages, strict=True)}
    assert sorted(by_recipient) == ["legal@example.org", "press@example.org"]
    legal = by_recipient["legal@example.org"].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    # legal@ wants high only: two high events, the notice (lower id among equals) first.
    assert legal.count("Detected ") == 2
    assert legal.index("RED NOTICE") < legal.index("ARREST")
    press = by_recipient["press@example.org"].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert press.count("Detected ") == 2  # press@ follows only Zhanara, min_severity medium


def test_first_scan_findings_are_not_emailed_at_once(factory: sessionmaker[Session]) -> None:
    synced(factory)
    add_events(factory, "c1", [("mukhtar-ablyazov", "notice_published", "high")], baseline=True)
    assert statuses(factory) == []


def test_smtp_down_for_three_cycles_then_up_delivers_each_alert_exactly_once(
    factory: sessionmaker[Session],
) -> None:
    synced(factory)
    clock = Clock(NOW)
    smtp = SmtpTestServer()
    mailing = smtp_mailing(smtp.port)
    for cycle in ("c1", "c2", "c3"):
        add_events(factory, cycle, [("mukhtar-ablyazov", "news_mention", "high")])
        report = deliver(factory, mailing, clock)
        assert report.sent == 0 and report.retrying >= 1
        clock.now += timedelta(hours=2)  # past any backoff
    assert statuses(factory) == ["pending"] * 3
    with smtp.start():
        deliver(factory, mailing, clock)
        deliver(factory, mailing, clock)  # a second pass finds nothing left to send
    assert len(smtp.messages) == 3
    assert len({m["Message-ID"] for m in smtp.messages}) == 3
    assert statuses(factory) == ["sent"] * 3


def test_a_550_for_one_recipient_does_not_block_the_others(factory: sessionmaker[Session]) -> None:
    synced(factory)
    add_events(factory, "c1", [("zhanara-akhmetova", "news_mention", "high")])
    with SmtpTestServer() as smtp:
        smtp.refuse("legal@example.org", 550)
        report = deliver(factory, smtp_mailing(smtp.port), Clock(NOW))
    assert (report.sent, report.failed) == (1, 1)
    assert [env[1] for env in smtp.envelopes] == [["press@example.org"]]
    with factory() as session:
        failed = session.scalars(
            select(models.Delivery).where(models.Delivery.status == "failed")
        ).one()
    assert failed.advocate_id == "odf-legal" and "550" in (failed.last_error or "")


def test_a_temporary_refusal_is_retried_later(factory: sessionmaker[Session]) -> None:
    synced(factory)
    add_events(factory, "c1", [("mukhtar-ablyazov", "news_mention", "high")])
    clock = Clock(NOW)
    with SmtpTestServer() as smtp:
        smtp.fail_data(421)
        assert deliver(factory, smtp_mailing(smtp.port), clock).retrying == 1
        assert deliver(factory, smtp_mailing(smtp.port), clock).sent == 0  # not yet due
        smtp.fail_data(None)
        clock.now += timedelta(minutes=5)
        assert deliver(factory, smtp_mailing(smtp.port), clock).sent == 1
    assert len(smtp.messages) == 1


def test_alerts_about_one_person_form_a_thread(factory: sessionmaker[Session]) -> None:
    synced(factory)
    with SmtpTestServer() as smtp:
        for cycle in ("c1", "c2"):
            add_events(factory, cycle, [("mukhtar-ablyazov", "news_mention", "high")])
            deliver(factory, smtp_mailing(smtp.port), Clock(NOW))
    first, second = smtp.messages
    assert first["References"] == first["In-Reply-To"]  # the thread root
    assert second["In-Reply-To"] == first["Message-ID"]
    assert first["References"] in second["References"]


def test_a_claimed_delivery_is_not_sent_by_a_second_sender(factory: sessionmaker[Session]) -> None:
    from monitor.outbox.send import claim_next

    synced(factory)
    add_events(factory, "c1", [("mukhtar-ablyazov", "news_mention", "high")])
    assert claim_next(factory, "instance-a", NOW) is not None
    assert claim_next(factory, "instance-b", NOW) is None
    # A sender that died: its claim expires and the delivery is taken over.
    assert claim_next(factory, "instance-b", NOW + timedelta(minutes=10)) is not None


def test_names_can_be_kept_out_of_subjects(factory: sessionmaker[Session]) -> None:
    synced(factory)
    add_events(factory, "c1", [("mukhtar-ablyazov", "notice_published", "high")])
    with SmtpTestServer() as smtp:
        mailing = smtp_mailing(smtp.port)
        hidden = Mailing(
            mailing.transport,
            mailing.sender,
            mailing.templates_dir,
            mailing.tz,
            names_in_subjects=False,
        )
        deliver(factory, hidden, Clock(NOW))
    assert "Ablyazov" not in smtp.messages[0]["Subject"]
    assert "a watched person" in smtp.messages[0]["Subject"]


def test_the_outbox_gets_one_private_eml_file_per_email(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    synced(factory)
    add_events(factory, "c1", [("zhanara-akhmetova", "news_mention", "high")])
    outbox = tmp_path / "outbox"
    mailing = Mailing(
        OutboxTransport(outbox),
        "redwatch <a@redwatch.example>",
        default_templates_dir(),
        ZoneInfo("UTC"),
    )
    deliver(factory, mailing, Clock(NOW))
    files = sorted(outbox.glob("*.eml"))
    assert len(files) == 2
    assert all(f.stat().st_mode & 0o777 == 0o600 for f in files)
    assert outbox.stat().st_mode & 0o777 == 0o700
    import email
    import email.policy

    parsed = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in files]
    assert sorted(str(m["To"]) for m in parsed) == ["legal@example.org", "press@example.org"]


def test_resending_the_same_delivery_rewrites_the_same_outbox_file(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    synced(factory)
    add_events(factory, "c1", [("mukhtar-ablyazov", "news_mention", "high")])
    outbox = tmp_path / "outbox"
    mailing = Mailing(
        OutboxTransport(outbox), "r <a@r.example>", default_templates_dir(), ZoneInfo("UTC")
    )
    deliver(factory, mailing, Clock(NOW))
    with database.transaction(factory) as session:  # as if the process died before recording
        for delivery in session.scalars(select(models.Delivery)):
            delivery.status = "pending"
    deliver(factory, mailing, Clock(NOW))
    assert len(list(outbox.glob("*.eml"))) == 1


def test_a_title_with_line_breaks_cannot_inject_a_header(factory: sessionmaker[Session]) -> None:
    synced(factory)
    add_events(
        factory,
        "c1",
        [("mukhtar-ablyazov", "news_mention", "high")],
        title="Ablyazov\r\nBcc: attacker@evil.example\r\nX: y",
    )
    with SmtpTestServer() as smtp:
        deliver(factory, smtp_mailing(smtp.port), Clock(NOW))
    [message] = smtp.messages
    assert message["Bcc"] is None
    assert smtp.envelopes[0][1] == ["legal@example.org"]
