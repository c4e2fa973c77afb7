"""Hostile and broken feeds, through real poll cycles (tests/fixtures/hostile/README.md, feeds).

All committed feeds are sources of one watchlist, next to a good feed: a first cycle records an
empty baseline, the second serves the hostile inputs. Each input is then checked against the
manifest, and the cycle as a whole: the good feed recorded, alerts sent, nothing fetched that an
input pointed at, no traceback and no watched name in the logs, emails that carry no injected
header and no live markup. The generated inputs (100 MB, compression bombs, millions of
elements) each get a cycle of their own with a peak-memory bound.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from monitor.config.settings import Settings
from monitor.poll import Outcome
from tests.e2e import SAMPLE, cycle, outbox, settings_for, write_watchlist
from tests.fixtures.hostile.corpus import (
    CONTROL,
    GENERATED,
    NAME_TEXT,
    Entry,
    Stored,
    bounded_cycle,
    captured_logs,
    committed_files,
    live_markup,
    manifest,
    outcome_problems,
    rss,
    rss_item,
    scratch_database,
    stored,
)
from tests.servers.http_server import HttpTestServer, RecordedRequest, Reply

FEEDS = manifest("feeds")
COMMITTED = [entry for entry in FEEDS if not entry.generated]
LARGE = [entry for entry in FEEDS if entry.generated]
NEVER_FETCHED = (
    "/xxe-was-fetched",
    "/parameter-entity-was-fetched",
    "/dtd-was-fetched.dtd",
    "/xinclude-was-fetched",
)
HEADERS = (
    "From",
    "To",
    "Subject",
    "Auto-Submitted",
    "Message-ID",
    "Date",
    "In-Reply-To",
    "References",
    "MIME-Version",
    "Content-Type",
    "Content-Language",  # the advocate's language (issue 18)
)
WATCHED = [
    word
    for person in SAMPLE["people"]
    for word in (person["name"], *person.get("aliases", []), person["id"])
]


@dataclass
class Run:
    settings: Settings
    outcomes: dict[str, Outcome]
    store: Stored
    records: list[logging.LogRecord]
    requests: list[RecordedRequest]
    emails: list[EmailMessage]


def feed_source(source_id: str, url: str) -> dict[str, object]:
    return {"id": source_id, "type": "feed", "url": url, "kind": "news"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """The committed feeds' two cycles, on SQLite and on PostgreSQL."""
    tmp = tmp_path_factory.mktemp(f"feeds-{request.param}")
    with scratch_database(request.param, tmp) as url, HttpTestServer() as server:
        sources = [feed_source(CONTROL, server.url("/control"))]
        empty = Reply.raw(rss(""), content_type="application/rss+xml")
        server.route("/control", empty, Reply.raw(rss(rss_item("New", "/n", NAME_TEXT))))
        for entry in COMMITTED:
            server.route(f"/{entry.name}", empty, Reply.raw(entry.body(server.base_url)))
            sources.append(feed_source(entry.slug, server.url(f"/{entry.name}")))
        settings = settings_for(tmp, write_watchlist(tmp / "w.yaml", sources), database_url=url)
        cycle(settings)
        with captured_logs() as records:
            outcomes = {outcome.source_id: outcome for outcome in cycle(settings)}
        yield Run(
            settings, outcomes, stored(settings), records, server.requests, read_emails(settings)
        )


def read_emails(settings: Settings) -> list[EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in outbox(settings)
    ]


def test_the_manifest_lists_every_committed_feed_and_enough_inputs() -> None:
    assert {entry.name for entry in COMMITTED} == committed_files("feeds")
    assert len(FEEDS) >= 35


@pytest.mark.timeout(240)
@pytest.mark.parametrize("entry", COMMITTED, ids=lambda entry: entry.name)
def test_each_hostile_feed_is_handled_as_its_manifest_row_says(run: Run, entry: Entry) -> None:
    problems = outcome_problems(entry, run.outcomes.get(entry.slug), run.store, run.records)
    assert problems == [], entry.what


def test_the_good_feed_of_the_same_cycle_is_recorded_and_alerted(run: Run) -> None:
    control = run.outcomes[CONTROL]
    assert control.ok and control.new == 1 and control.alerts == 1
    assert any(e.source_id == CONTROL and not e.baseline for e in run.store.events)


def test_nothing_a_hostile_feed_points_at_is_ever_fetched(run: Run) -> None:
    fetched = {request.path for request in run.requests}
    assert fetched.isdisjoint(NEVER_FETCHED)
    assert all(not o.text or "root:x:0:0" not in o.text for o in run.store.observations)


def test_no_link_stored_from_a_hostile_feed_is_anything_but_http(run: Run) -> None:
    links = [o.url for o in run.store.observations if o.url] + [
        e.url for e in run.store.events if e.url
    ]
    assert links and all(re.match(r"https?://[^/]+/", link) for link in links)


def test_the_cycle_logs_no_traceback_and_no_watched_name(run: Run) -> None:
    assert [r.getMessage() for r in run.records if r.exc_info] == []
    for record in run.records:
        line = f"{record.getMessage()} {record.__dict__}".casefold()
        assert not [word for word in WATCHED if word.casefold() in line], record.getMessage()


def test_alert_emails_carry_no_injected_header_and_no_live_markup(run: Run) -> None:
    assert len(run.emails) >= 10
    for message in run.emails:
        assert message["Bcc"] is None and message["X-Injected"] is None
        assert message["To"] in {"legal@example.org", "press@example.org"}
        assert not re.search(r"[\r\n\u202a-\u202e\u2066-\u2069]", str(message["Subject"]))
        html = message.get_body(("html",))
        assert html is not None
        assert live_markup(html.get_content()) == []


def test_a_title_with_line_breaks_stays_words_on_one_line_of_the_body(run: Run) -> None:
    [message] = [m for m in run.emails if "Malyutin" in str(m["Subject"])]
    assert sorted(message.keys()) == sorted(HEADERS)
    text = message.get_body(("plain",))
    assert text is not None
    [title] = [line for line in text.get_content().splitlines() if line.startswith("Title:")]
    assert "Nail Malyutin Bcc: attacker@evil.example X-Injected: yes Subject: forged" in title


def test_outbox_file_names_come_from_hashes_never_from_scraped_text(run: Run) -> None:
    folder = run.settings.effective_outbox_dir
    names = [path.name for path in folder.iterdir()]
    assert names and all(re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{16}\.eml", name) for name in names)
    assert not Path("/tmp/redwatch-pwned").exists()


# Generated inputs: one cycle each, with a memory bound --------------------------------------
@pytest.mark.slow
@pytest.mark.timeout(120)
@pytest.mark.parametrize("entry", LARGE, ids=lambda entry: entry.name)
def test_each_large_or_compressed_feed_is_bounded_in_memory(tmp_path: Path, entry: Entry) -> None:
    large = GENERATED[entry.name.removeprefix("generated:")]()
    bounded_cycle(
        tmp_path,
        entry,
        large,
        Reply.raw(rss(rss_item("Fine", "/f", "Nothing to see."))),
        feed_source,
    )


# A server that never finishes ----------------------------------------------------------------
@pytest.mark.parametrize("endless_headers", [False, True], ids=["drip", "never-ending-headers"])
def test_a_feed_that_never_finishes_fails_on_the_deadline_and_the_good_feed_still_alerts(
    tmp_path: Path, endless_headers: bool
) -> None:
    with HttpTestServer() as server:
        empty = Reply.raw(rss(""), content_type="application/rss+xml")
        server.route("/control", empty, Reply.raw(rss(rss_item("New", "/n", NAME_TEXT))))
        server.route("/drip", Reply.raw(b"", drip=0.05, endless_headers=endless_headers))
        sources = [
            feed_source(CONTROL, server.url("/control")),
            feed_source("drip", server.url("/drip")),
        ]
        settings = settings_for(
            tmp_path, write_watchlist(tmp_path / "w.yaml", sources), http_deadline="1"
        )
        cycle(settings)
        outcomes = {outcome.source_id: outcome for outcome in cycle(settings)}
    drip, control = outcomes["drip"], outcomes[CONTROL]
    assert not drip.ok and "MONITOR_HTTP_DEADLINE" in (drip.error or "")
    assert control.ok and control.alerts == 1
    row = stored(settings).sources["drip"]
    assert row.status == "failing" and row.consecutive_failures == 2
    assert row.next_run_at is not None and row.last_attempt_at is not None
    assert row.next_run_at - row.last_attempt_at >= timedelta(minutes=59)  # backed off: 2 x 30m
