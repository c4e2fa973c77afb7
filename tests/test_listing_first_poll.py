"""A new listing source that finds nothing says so loudly; nested matches are reported.

Every poll here is `monitor poll` run as a real process against a real local HTTP server: the
admin reads its output and its exit code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from monitor.config.settings import Settings
from monitor.pages.parse import parse_listing
from monitor.store import database, models
from tests.e2e import settings_for, write_watchlist
from tests.paths import FIXTURES
from tests.servers.http_server import HttpTestServer, Reply

pytestmark = pytest.mark.slow
HTML = "text/html; charset=utf-8"
LISTING = (FIXTURES / "pages" / "court_listing.html").read_bytes()
ROWS = "table#decisions > tbody > tr"
# What a listing built by JavaScript serves: an empty shell and a script.
SHELL = b"<html><body><div id='app'></div><script src='/app.js'></script></body></html>"
EMPTY_LIST = b"<html><body><ul class='decisions'></ul></body></html>"
HINT = "check the selector; the page may be built by JavaScript"


def listing_source(server: HttpTestServer, selector: str) -> dict[str, object]:
    return {
        "id": "court",
        "type": "page",
        "kind": "court",
        "url": server.url("/list"),
        "item_selector": selector,
    }


def monitor(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(
        {"MONITOR_DATA_DIR": str(settings.data_dir), "MONITOR_WATCHLIST": str(settings.watchlist)}
    )
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def selector_position(watchlist: Path, selector: str) -> str:
    """FILE:LINE:COLUMN of the selector's value, found by reading the file as a person would."""
    for number, line in enumerate(watchlist.read_text(encoding="utf-8").splitlines(), 1):
        if line.lstrip().startswith("item_selector:"):
            column = line.index("item_selector:") + len("item_selector: ") + 1
            assert selector in line
            return f"{watchlist}:{number}:{column}"
    raise AssertionError("no item_selector in the watchlist")


def source_row(settings: Settings) -> models.Source:
    engine = database.create_db_engine(settings.effective_database_url)
    try:
        with database.make_session_factory(engine)() as session:
            return session.get_one(models.Source, "court")
    finally:
        engine.dispose()


def stored_items(settings: Settings) -> int:
    engine = database.create_db_engine(settings.effective_database_url)
    try:
        with database.make_session_factory(engine)() as session:
            query = select(func.count()).select_from(models.Observation)
            return session.scalar(query.where(models.Observation.source_id == "court")) or 0
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("body", "selector"),
    [
        (SHELL, "ul.decisions > li"),
        (LISTING, "table#decisoins > tbody > tr"),
        (LISTING, "table#decisions > tbody > tr.decison"),
        (EMPTY_LIST, "ul.decisions > li"),
    ],
    ids=[
        "built-by-javascript",
        "typo-in-the-container",
        "typo-in-the-item-class",
        "empty-list",
    ],
)
def test_a_first_poll_that_finds_no_item_fails_with_the_selector_and_a_hint(
    tmp_path: Path, body: bytes, selector: str
) -> None:
    with HttpTestServer() as server:
        server.route("/list", Reply.raw(body, content_type=HTML))
        path = write_watchlist(tmp_path / "w.yaml", [listing_source(server, selector)])
        settings = settings_for(tmp_path, path)
        result = monitor(settings, "poll")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    [line] = [line for line in result.stdout.splitlines() if line.startswith("court:")]
    assert line.startswith(f"court: FAILED: {selector_position(path, selector)}: ")
    assert f"source 'court': item selector {selector!r} found no item" in line
    assert HINT in line
    assert "Traceback" not in output
    row = source_row(settings)
    assert row.status == "failing" and row.last_success_at is None
    assert HINT in (row.last_error or "")


def test_a_corrected_selector_reads_the_listing_at_the_next_poll(tmp_path: Path) -> None:
    with HttpTestServer() as server:
        server.route("/list", Reply.raw(LISTING, content_type=HTML))
        path = write_watchlist(tmp_path / "w.yaml", [listing_source(server, f"{ROWS}.decison")])
        settings = settings_for(tmp_path, path)
        failed = monitor(settings, "poll")
        write_watchlist(path, [listing_source(server, ROWS)])
        fixed = monitor(settings, "poll")
    assert failed.returncode == 1
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "court: ok, 5 items" in fixed.stdout
    assert source_row(settings).status == "ok"


@pytest.mark.parametrize("later", [SHELL, EMPTY_LIST], ids=["nothing-matches", "list-emptied"])
def test_a_listing_that_had_items_and_lists_none_is_a_warning_never_every_item_removed(
    tmp_path: Path, later: bytes
) -> None:
    selector = "table#decisions > tbody > tr, ul.decisions > li"
    with HttpTestServer() as server:
        server.route(
            "/list", Reply.raw(LISTING, content_type=HTML), Reply.raw(later, content_type=HTML)
        )
        path = write_watchlist(tmp_path / "w.yaml", [listing_source(server, selector)])
        settings = settings_for(tmp_path, path)
        first = monitor(settings, "poll")
        before = stored_items(settings)
        glitch = monitor(settings, "poll")
        status = monitor(settings, "status")
    assert first.returncode == 0 and before == 5
    assert glitch.returncode == 0, glitch.stdout + glitch.stderr
    assert "court: ok, 0 items" in glitch.stdout
    assert "(incomplete: nothing was marked removed)" in glitch.stdout
    row = source_row(settings)
    assert row.status == "degraded" and "layout changed?" in (row.last_error or "")
    assert stored_items(settings) == before
    assert "layout changed?" in status.stdout


def test_nested_matches_merged_into_their_outer_match_are_reported(tmp_path: Path) -> None:
    body = (
        b"<html><body><div class='case'>Case 1: Syrym Shalabayev"
        b"<div class='case'>Appeal of case 1</div></div>"
        b"<div class='case'>Case 2: Nail Malyutin</div></body></html>"
    )
    warning = (
        "1 matches of '.case' were inside other matches and merged into them: "
        "make the selector match one element per item"
    )
    result = parse_listing(
        body, url="https://court.example.org/", headers={}, item_selector=".case"
    )
    assert len(result.items) == 2 and result.warnings == [warning]
    with HttpTestServer() as server:
        server.route("/list", Reply.raw(body, content_type=HTML))
        path = write_watchlist(tmp_path / "w.yaml", [listing_source(server, ".case")])
        settings = settings_for(tmp_path, path)
        polled = monitor(settings, "poll")
        status = monitor(settings, "status")
    assert polled.returncode == 0 and "court: ok, 2 items" in polled.stdout
    row = source_row(settings)
    assert row.status == "degraded" and warning in (row.last_error or "")
    assert "merged into them" in " ".join(status.stdout.split())
