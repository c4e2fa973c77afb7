"""Hostile and broken HTML, through real poll cycles: listing pages and followed case pages
(tests/fixtures/hostile/README.md, sections `pages` and `watch`).

Every committed page is a listing source and every case page is followed for one watched person,
in one watchlist with a good listing: a first cycle reads harmless versions (the baseline), the
second serves the inputs. Each input is checked against its manifest row; the cycle as a whole
must record the good source, log no traceback, and send emails without live markup or injected
headers. Generated pages (millions of elements) each get a cycle with a peak-memory bound.
"""

from __future__ import annotations

import copy
import email
import email.policy
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest

from monitor.config.settings import Settings
from monitor.config.watchlist import WatchSource, load_watchlist
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
    page,
    page_row,
    scratch_database,
    stored,
)
from tests.servers.http_server import HttpTestServer, Reply

PAGES = manifest("pages")
WATCHED_PAGES = manifest("watch")
COMMITTED = [entry for entry in PAGES if not entry.generated]
LARGE = [entry for entry in PAGES if entry.generated]
FOLLOWER = "zhanara-akhmetova"  # the person who follows every case page of the corpus
# (Memory: a page of 200 000 elements, the refusal point, takes about 150 MiB; 1.5 GB before.)
HTML = "text/html; charset=utf-8"
CASE_PAGE = b"<html><body><div id='status'>Hearing scheduled for 3 March.</div></body></html>"
LONG_URL = "/watch/long/" + "a" * 600 + "?id=" + "9" * 300


@dataclass
class Run:
    settings: Settings
    outcomes: dict[str, Outcome]
    watch_ids: dict[str, str]  # input name -> the opaque id of its watch source
    store: Stored
    records: list[logging.LogRecord]
    emails: list[EmailMessage]


def page_source(source_id: str, url: str) -> dict[str, object]:
    return {
        "id": source_id,
        "type": "page",
        "url": url,
        "kind": "court",
        "item_selector": "ul.items > li",
        "link_selector": "a",
        "title_selector": ".title",
    }


def serve_watched(server: HttpTestServer) -> dict[str, str]:
    """Route every case page of the corpus; returns the URL of each, by input name."""
    urls = {}
    for entry in WATCHED_PAGES:
        path = LONG_URL if entry.generated else f"/watch/{entry.name}"
        later = Reply.raw(CASE_PAGE if entry.generated else entry.body(), content_type=HTML)
        server.route(path.partition("?")[0], Reply.raw(CASE_PAGE, content_type=HTML), later)
        urls[entry.name] = server.url(path)
    return urls


def with_case_pages(urls: dict[str, str]) -> list[dict[str, object]]:
    people: list[dict[str, object]] = copy.deepcopy(SAMPLE["people"])
    [follower] = [person for person in people if person["id"] == FOLLOWER]
    follower["watch"] = [{"url": url, "selector": "#status"} for url in urls.values()]
    return people


def watch_ids(settings: Settings, urls: dict[str, str]) -> dict[str, str]:
    sources = load_watchlist(settings.watchlist).all_sources
    by_url = {s.url: s.id for s in sources if isinstance(s, WatchSource)}
    return {name: by_url[url] for name, url in urls.items()}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    tmp = tmp_path_factory.mktemp(f"pages-{request.param}")
    with scratch_database(request.param, tmp) as url, HttpTestServer() as server:
        # A harmless row: a first poll that lists nothing fails (a new source must find items).
        empty = Reply.raw(page(page_row("Notice", "/c/0", "Hearing list.")), content_type=HTML)
        server.route("/control", empty, Reply.raw(page(page_row("New", "/c/9", NAME_TEXT))))
        sources = [page_source(CONTROL, server.url("/control"))]
        for entry in COMMITTED:
            server.route(f"/{entry.name}", empty, Reply.raw(entry.body(), content_type=HTML))
            sources.append(page_source(entry.slug, server.url(f"/{entry.name}")))
        urls = serve_watched(server)
        path = write_watchlist(tmp / "w.yaml", sources, with_case_pages(urls))
        settings = settings_for(tmp, path, database_url=url)
        cycle(settings)
        with captured_logs() as records:
            outcomes = {outcome.source_id: outcome for outcome in cycle(settings)}
        emails = [
            email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in outbox(settings)
        ]
        yield Run(settings, outcomes, watch_ids(settings, urls), stored(settings), records, emails)


def test_the_manifest_lists_every_committed_page() -> None:
    assert {entry.name for entry in COMMITTED} == committed_files("pages")
    assert {e.name for e in WATCHED_PAGES if not e.generated} == committed_files("watch")


@pytest.mark.timeout(240)
@pytest.mark.parametrize("entry", COMMITTED, ids=lambda entry: entry.name)
def test_each_hostile_listing_is_handled_as_its_manifest_row_says(run: Run, entry: Entry) -> None:
    problems = outcome_problems(entry, run.outcomes.get(entry.slug), run.store, run.records)
    assert problems == [], entry.what


@pytest.mark.timeout(240)
@pytest.mark.parametrize("entry", WATCHED_PAGES, ids=lambda entry: entry.name)
def test_each_hostile_case_page_is_handled_as_its_manifest_row_says(run: Run, entry: Entry) -> None:
    source_id = run.watch_ids[entry.name]
    outcome = run.outcomes.get(source_id)
    problems = outcome_problems(entry, outcome, run.store, run.records, source_id)
    assert problems == [], entry.what


def test_the_good_listing_of_the_same_cycle_is_recorded_and_alerted(run: Run) -> None:
    control = run.outcomes[CONTROL]
    assert control.ok and control.new == 1 and control.alerts == 1


def test_the_cycle_logs_no_traceback(run: Run) -> None:
    assert [r.getMessage() for r in run.records if r.exc_info] == []


def test_no_stored_link_of_a_hostile_page_is_anything_but_http(run: Run) -> None:
    links = [o.url for o in run.store.observations if o.url]
    assert links and all(re.match(r"https?://[^/]+/", link) for link in links)


def test_a_changed_case_page_with_a_script_is_alerted_as_escaped_text(run: Run) -> None:
    changed = [e for e in run.store.events if e.type == "page_changed"]
    assert [e.person_id for e in changed] == [FOLLOWER]
    diff = changed[0].details["diff"]
    assert "+ Hearing scheduled for Zhanara Akhmetova" in diff and "alert(" not in diff
    messages = [m for m in run.emails if "Akhmetova" in str(m["Subject"])]
    assert messages
    for message in messages:
        assert message["Bcc"] is None
        html = message.get_body(("html",))
        assert html is not None
        assert live_markup(html.get_content()) == []


def test_emails_of_hostile_listings_carry_no_injected_header_or_live_markup(run: Run) -> None:
    assert len(run.emails) >= 5
    for message in run.emails:
        assert message["Bcc"] is None and message["X-Injected"] is None
        assert not re.search(r"[\r\n\u202a-\u202e\u2066-\u2069]", str(message["Subject"]))
        html = message.get_body(("html",))
        assert html is not None
        assert live_markup(html.get_content()) == []


@pytest.mark.slow
@pytest.mark.timeout(120)
@pytest.mark.parametrize("entry", LARGE, ids=lambda entry: entry.name)
def test_each_huge_page_is_bounded_in_memory(tmp_path: Path, entry: Entry) -> None:
    large = GENERATED[entry.name.removeprefix("generated:")]()
    bounded_cycle(
        tmp_path, entry, large, Reply.raw(page(page_row("Fine", "/c/1", "Nothing."))), page_source
    )
