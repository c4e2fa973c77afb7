"""A new listing source that finds nothing says so loudly; nested matches are reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.pages.parse import parse_listing
from monitor.service.run import poll_once
from monitor.store import database, models
from tests.e2e import cycle, settings_for, write_watchlist
from tests.paths import FIXTURES
from tests.servers.http_server import HttpTestServer, Reply

HTML = "text/html; charset=utf-8"
LISTING = (FIXTURES / "pages" / "court_listing.html").read_bytes()
# What a listing built by JavaScript serves: an empty shell and a script.
SHELL = b"<html><body><div id='app'></div><script src='/app.js'></script></body></html>"


def listing_source(server: HttpTestServer, selector: str) -> dict[str, object]:
    return {
        "id": "court",
        "type": "page",
        "kind": "court",
        "url": server.url("/list"),
        "item_selector": selector,
    }


def source_row(settings: object) -> models.Source:
    engine = database.create_db_engine(settings.effective_database_url)  # type: ignore[attr-defined]
    try:
        with database.make_session_factory(engine)() as session:
            return session.get_one(models.Source, "court")
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("body", "selector"),
    [(SHELL, "ul.decisions > li"), (LISTING, "table#decisoins > tbody > tr")],
    ids=["built-by-javascript", "typo-in-the-class"],
)
def test_a_selector_that_matches_nothing_at_the_first_poll_fails_with_a_hint(
    tmp_path: Path, body: bytes, selector: str
) -> None:
    with HttpTestServer() as server:
        server.route("/list", Reply.raw(body, content_type=HTML))
        path = write_watchlist(tmp_path / "w.yaml", [listing_source(server, selector)])
        settings = settings_for(tmp_path, path)
        exit_code = poll_once(settings)
    row = source_row(settings)
    assert exit_code == 1
    assert row.status == "failing" and row.last_success_at is None
    assert "check the selector; the page may be built by JavaScript" in (row.last_error or "")
    assert selector in (row.last_error or "")


def test_an_empty_list_at_the_first_poll_is_degraded_with_the_hint(tmp_path: Path) -> None:
    empty = b"<html><body><ul class='decisions'></ul></body></html>"
    with HttpTestServer() as server:
        server.route("/list", Reply.raw(empty, content_type=HTML))
        path = write_watchlist(tmp_path / "w.yaml", [listing_source(server, "ul.decisions > li")])
        settings = settings_for(tmp_path, path)
        [outcome] = cycle(settings)
    assert outcome.ok and outcome.items == 0
    row = source_row(settings)
    assert row.status == "degraded" and "check the selector" in (row.last_error or "")


def test_a_selector_that_matches_nothing_later_is_still_a_warning_not_a_failure(
    tmp_path: Path,
) -> None:
    with HttpTestServer() as server:
        server.route(
            "/list", Reply.raw(LISTING, content_type=HTML), Reply.raw(SHELL, content_type=HTML)
        )
        selector = "table#decisions > tbody > tr"
        path = write_watchlist(tmp_path / "w.yaml", [listing_source(server, selector)])
        settings = settings_for(tmp_path, path)
        [first] = cycle(settings)
        [later] = cycle(settings)
    assert first.ok and first.items > 0
    assert later.ok and later.complete is False
    assert any("layout changed?" in warning for warning in later.warnings)


def test_nested_matches_merged_into_their_outer_match_are_reported() -> None:
    body = (
        b"<html><body><div class='case'>Case 1: Syrym Shalabayev"
        b"<div class='case'>Appeal of case 1</div></div>"
        b"<div class='case'>Case 2: Nail Malyutin</div></body></html>"
    )
    result = parse_listing(
        body, url="https://court.example.org/", headers={}, item_selector=".case"
    )
    assert len(result.items) == 2
    assert result.warnings == [
        "1 matches of '.case' were inside other matches and merged into them: "
        "make the selector match one element per item"
    ]
