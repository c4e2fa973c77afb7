"""Verdicts from the web app and from one-click email links record exactly what `monitor decide`
records, once, and show in `monitor events --json` (real uvicorn, SMTP, SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from monitor.events.verdicts import export_evidence, material_hash
from monitor.outbox.digest import Period, queue_digest
from monitor.outbox.send import deliver_pending_async
from monitor.service.run import mailing_for
from monitor.store import database, models
from tests.servers.smtp_server import SmtpTestServer
from tests.webapp import START, WebWorld, csrf


@pytest.fixture
def web(db_url: str, tmp_path: Path) -> Iterator[WebWorld]:
    with SmtpTestServer() as smtp, WebWorld.start(db_url, tmp_path, smtp) as world:
        yield world


def monitor(web: WebWorld, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(
        {
            "MONITOR_DATABASE_URL": web.settings.effective_database_url,
            "MONITOR_DATA_DIR": str(web.settings.data_dir),
            "MONITOR_WATCHLIST": str(web.settings.watchlist),
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def events_json(web: WebWorld) -> dict[int, dict[str, Any]]:
    done = monitor(web, "events", "--json")
    assert done.returncode == 0, done.stderr
    return {row["id"]: row for row in map(json.loads, done.stdout.splitlines())}


def decision(web: WebWorld, event_id: int) -> models.Decision | None:
    with web.session() as session:
        return session.scalar(select(models.Decision).where(models.Decision.event_id == event_id))


def send_alert(web: WebWorld, event_name: str, advocate_id: str = "adv-one") -> EmailMessage:
    web.queue_alert(event_name, advocate_id)
    report = asyncio.run(
        deliver_pending_async(web.factory, mailing_for(web.settings), "test", web.clock)
    )
    assert report.sent == 1
    return web.mail_to("olga@example.org")[-1]


def verdict_links(message: EmailMessage) -> dict[str, str]:
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    found = re.findall(r'href="(http://127\.0\.0\.1:\d+/v/[^"]+)"[^>]*>([^<]+)</a>', html)
    return {label: url for url, label in found}


def test_a_verdict_on_the_review_page_records_what_monitor_decide_records_and_leaves_review(
    web: WebWorld,
) -> None:
    olga = web.client()
    web.sign_in(olga, "olga@example.org")
    review = olga.get("/review")
    notice, news = web.seeded.events["possible_notice"], web.seeded.events["possible_news"]
    assert f'id="event-{notice}"' in review.text and f'id="event-{news}"' in review.text
    posted = olga.post(
        f"/events/{notice}/verdict",
        data={
            "verdict": "not_this_person",
            "note": "born 1988, not her",
            "next": "/review",
            "csrf_token": csrf(review.text),
        },
    )
    assert posted.status_code == 303 and posted.headers["location"] == "/review"
    after = olga.get("/review").text
    assert f'id="event-{notice}"' not in after and f'id="event-{news}"' in after

    cli = monitor(web, "decide", str(news), "--not-this-person", "--note", "born 1988, not her")
    assert cli.returncode == 0, cli.stderr
    web_row, cli_row = decision(web, notice), decision(web, news)
    assert web_row is not None and cli_row is not None
    with web.session() as session:
        observation = session.get_one(
            models.Observation, web.seeded.observations["possible_notice"]
        )
        assert web_row.material_hash == material_hash(observation)
    for row in (web_row, cli_row):
        assert (row.verdict, row.note, row.person_id) == (
            "not_this_person",
            "born 1988, not her",
            "person-amina",
        )
    assert (web_row.decided_by, cli_row.decided_by) == ("adv-one", "cli")

    shown = events_json(web)
    assert (
        shown[notice]["verdict"] == "not_this_person" and shown[notice]["decided_by"] == "adv-one"
    )
    assert shown[notice]["decided_at"].startswith(START.date().isoformat())
    assert shown[news]["decided_by"] == "cli"
    assert shown[web.seeded.events["published"]]["verdict"] is None


def test_an_email_link_verdict_is_recorded_once_and_shows_in_monitor_events_json(
    web: WebWorld,
) -> None:
    message = send_alert(web, "possible_notice")
    found = verdict_links(message)
    assert set(found) == {"Yes, this is them", "Not this person"}
    link = found["Not this person"]
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"Not this person: {link}" in text

    browser = web.client()  # no sign-in needed for this one action
    opened = browser.get(link)
    assert opened.status_code == 200
    assert (
        "Amina Sadykova" in opened.text
        and "1988-01-01" in opened.text
        and "1979-03-02" in opened.text
    )
    assert decision(web, web.seeded.events["possible_notice"]) is None  # a GET records nothing

    done = browser.post(link, data={"csrf_token": csrf(opened.text)})
    assert done.status_code == 200 and "Recorded" in done.text
    again = browser.post(link, data={"csrf_token": csrf(opened.text)})
    assert again.status_code == 410
    assert browser.get(link).status_code == 410

    row = events_json(web)[web.seeded.events["possible_notice"]]
    assert (row["verdict"], row["decided_by"]) == ("not_this_person", "adv-one")
    with web.session() as session:
        audit = session.scalars(
            select(models.AuditEntry).where(models.AuditEntry.action == "verdict")
        ).all()
    assert [(a.advocate_id, a.details["via"]) for a in audit] == [("adv-one", "email link")]


def test_a_verdict_link_altered_by_one_character_is_refused(web: WebWorld) -> None:
    link = verdict_links(send_alert(web, "possible_notice"))["Yes, this is them"]
    browser = web.client()
    form = browser.get("/login")
    for position in (len(link) - 3, link.index("/v/") + 5):
        altered = link[:position] + ("x" if link[position] != "x" else "y") + link[position + 1 :]
        assert browser.get(altered).status_code == 410
        assert browser.post(altered, data={"csrf_token": csrf(form.text)}).status_code == 410
    assert decision(web, web.seeded.events["possible_notice"]) is None


def test_the_digest_carries_one_click_links_and_names_the_record_instead_of_monitor_decide(
    web: WebWorld,
) -> None:
    with database.transaction(web.factory) as session:
        queue_digest(session, "adv-one", Period(START - timedelta(days=7), START), START)
    assert (
        asyncio.run(
            deliver_pending_async(web.factory, mailing_for(web.settings), "test", web.clock)
        ).sent
        == 1
    )
    message = web.mail_to("olga@example.org")[-1]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "monitor decide" not in html and "monitor decide" not in text
    assert len(verdict_links(message)) == 2 and html.count("/v/") == 4  # two possible matches
    assert '<a href="https://www.interpol.int/notice/2026-22222"' in html
    assert "About SADYKOVA AMINA" in text and "Not this person: http://127.0.0.1" in text
    opened = web.client().get(verdict_links(message)["Not this person"])
    assert opened.status_code == 200


def test_the_evidence_download_is_the_monitor_evidence_bundle_and_is_audited(
    web: WebWorld, tmp_path: Path
) -> None:
    olga = web.client()
    web.sign_in(olga, "olga@example.org")
    answer = olga.get("/people/person-amina/evidence.zip")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    downloaded = zipfile.ZipFile(io.BytesIO(answer.content))
    with web.session() as session:
        export_evidence(session, "person-amina", tmp_path / "cli.zip", START)
        audit = [a.action for a in session.scalars(select(models.AuditEntry))]
    exported = zipfile.ZipFile(tmp_path / "cli.zip")
    assert downloaded.namelist() == exported.namelist()
    for name in exported.namelist():
        if name != "manifest.json":
            assert downloaded.read(name) == exported.read(name), name
    assert audit == ["sign_in", "evidence_downloaded"]
