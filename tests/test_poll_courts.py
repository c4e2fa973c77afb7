"""A court feed end to end: a real docket feed on a local HTTP server, a real database, a real SMTP
server. A court decision against a watched person reaches the advocate at once when it is an
extradition, surrender, detention or conviction step, with the default `min_severity: high`."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from monitor.config.settings import Settings
from monitor.store import database, models
from tests.e2e import cycle, settings_for, write_watchlist
from tests.servers.http_server import HttpTestServer, Reply
from tests.servers.smtp_server import SmtpTestServer

FEED = (Path(__file__).parent / "fixtures" / "courts" / "cadc.xml").read_bytes()
DOCKET = "https://ecf.cadc.uscourts.gov/n/beam/servlet/TransportRoom?servlet=DocketReportFilter.jsp"


def docket_entry(case: str, caption: str, entry: str, part: str) -> bytes:
    """One more item in PACER's own shape (caption title, bracketed docket text, per-entry GUID)."""
    return (
        f"<item>\n\t<title>{case} {caption}</title>\n\t<link>{DOCKET}&amp;caseNum={case}</link>\n"
        f"\t<description>[{entry}] (&lt;a href='https://ecf.cadc.uscourts.gov/docs1/0120849{part}'>"
        f'Document&lt;/a>)</description>\n\t<guid isPermaLink="true">{DOCKET}&amp;caseNum={case}'
        f"&amp;partId={part}</guid>\n\t<pubDate>Fri, 03 Feb 2023 12:30:00 EST</pubDate>\n</item>\n"
    ).encode("ascii")


def with_entries(*entries: bytes) -> bytes:
    at = FEED.index(b"<item>")
    return FEED[:at] + b"".join(entries) + FEED[at:]


def court_settings(tmp_path: Path, server: HttpTestServer, smtp: SmtpTestServer) -> Settings:
    source = {"id": "cadc", "type": "feed", "kind": "court", "url": server.url("/rss")}
    return settings_for(
        tmp_path,
        write_watchlist(tmp_path / "w.yaml", [source]),
        smtp_host="127.0.0.1",
        smtp_port=str(smtp.port),
        smtp_security="none",
        smtp_timeout="5",
    )


def new_events(settings: Settings) -> list[models.Event]:
    engine = database.create_db_engine(settings.effective_database_url)
    try:
        with database.make_session_factory(engine)() as session:
            query = select(models.Event).where(models.Event.baseline.is_(False))
            return list(session.scalars(query.order_by(models.Event.id)))
    finally:
        engine.dispose()


def to(smtp: SmtpTestServer, address: str) -> list[EmailMessage]:
    return [m for m in smtp.messages if m["To"] == address]


@pytest.mark.parametrize(
    ("entry", "tag"),
    [
        ("Order Certifying Extraditability and Committing to Custody", "EXTRADITION"),
        ("Surrender Warrant", "EXTRADITION"),
        ("Order of Detention Pending Extradition Hearing", "EXTRADITION"),
        ("Order of Detention Pending Trial", "ARREST"),
        ("Judgment of Conviction", "CONVICTION"),
    ],
)
def test_an_extradition_detention_or_conviction_step_is_emailed_at_once(
    tmp_path: Path, entry: str, tag: str
) -> None:
    step = docket_entry("23-3020", "USA v. Muratbek K. Ketebayev", entry, "1990001")
    with HttpTestServer() as server, SmtpTestServer() as smtp:
        server.route("/rss", Reply.raw(FEED, content_type="application/rss+xml"))
        settings = court_settings(tmp_path, server, smtp)
        [baseline] = cycle(settings)
        assert baseline.ok and baseline.baseline and smtp.messages == []
        server.route("/rss", Reply.raw(with_entries(step)))
        [second] = cycle(settings)
    assert second.ok and (second.new, second.events) == (1, 1)
    [event] = new_events(settings)
    assert (event.person_id, event.type, event.severity) == (
        "muratbek-ketebayev",
        "court_item",
        "high",
    )
    # The caption and the docket text are one sentence: the evidence keeps both.
    assert event.evidence.startswith("23-3020 USA v. Muratbek K. Ketebayev")
    assert entry in event.evidence
    [mail] = to(smtp, "legal@example.org")  # min_severity: high
    assert "Muratbek Ketebayev" in mail["Subject"] and f"[{tag}]" in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert entry in body


def test_another_order_against_a_watched_person_waits_for_the_digest_of_a_high_only_advocate(
    tmp_path: Path,
) -> None:
    order = docket_entry("23-3021", "Zhanara Akhmetova v. DOJ", "Order Filed (CLERK)", "1990002")
    with HttpTestServer() as server, SmtpTestServer() as smtp:
        server.route("/rss", Reply.raw(FEED, content_type="application/rss+xml"))
        settings = court_settings(tmp_path, server, smtp)
        cycle(settings)
        server.route("/rss", Reply.raw(with_entries(order)))
        [second] = cycle(settings)
    assert second.ok and second.events == 1
    [event] = new_events(settings)
    assert (event.person_id, event.severity) == ("zhanara-akhmetova", "medium")
    assert to(smtp, "legal@example.org") == []  # min_severity: high
    [mail] = to(smtp, "press@example.org")  # min_severity: medium
    assert "[COURT DECISION]" in mail["Subject"]
