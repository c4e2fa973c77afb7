"""SECURITY.md's promises that a test can check, over full cycles of every kind of source.

- Nothing that leaves the machine names a watched person: every request of a full cycle (the
  INTERPOL simulator's sweep and fast path, feeds with their articles fetched for full text, a
  listing page, a followed case page) is read, its URL, query and headers, for each watched
  name, alias, id and birth date, in any case and URL encoding.
- An error about a URL never repeats its query string, which could hold a name.
- The cycle's log lines, before the redaction safety net, carry no watched name.
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from urllib.parse import unquote_plus

import pytest

from tests.e2e import SAMPLE, cycle, settings_for, write_watchlist
from tests.fixtures.hostile.corpus import captured_logs, page, page_row, rss, rss_item, stored
from tests.servers.http_server import HttpTestServer, RecordedRequest, Reply
from tests.servers.interpol_sim import InterpolSim, red_item

HTML = "text/html; charset=utf-8"


def secrets() -> list[str]:
    """Every string that would tell a third party who is watched."""
    words: list[str] = []
    for person in SAMPLE["people"]:
        names = [person["name"], *person.get("aliases", [])]
        words += [person["id"], *names]
        words += [part for name in names for part in name.split() if len(part) >= 5]
        if person.get("birth_date"):
            year, month, day = [*str(person["birth_date"]).split("-"), "", ""][:3]
            words += ["-".join(filter(None, (year, month, day))), f"{year}/{month}/{day}"]
            words += [f"{day}.{month}.{year}", year]
    return sorted(set(words))


def leaks(requests: list[RecordedRequest], words: list[str]) -> list[str]:
    found = []
    for request in requests:
        sent = " ".join([unquote_plus(request.target), *request.headers.values()]).casefold()
        found += [f"{word!r} in {request.target}" for word in words if word.casefold() in sent]
    return found


def serve_news(server: HttpTestServer) -> None:
    """A feed of short entries (their articles are fetched), a listing and a case page, all
    mentioning watched people, at neutral URLs."""
    entries = [
        ("/a/1", "Extradition hearing", "Short teaser."),
        ("/a/2", "Asylum case", "Another teaser."),
    ]
    feed = rss("".join(rss_item(title, server.url(link), text) for link, title, text in entries))
    server.route("/feed", Reply.raw(feed, content_type="application/rss+xml"))
    article = "<html><body><article><p>{}</p></article></body></html>"
    server.route(
        "/a/1", Reply.raw(article.format("Mukhtar Ablyazov " * 40).encode(), content_type=HTML)
    )
    server.route(
        "/a/2", Reply.raw(article.format("Muratbek Ketebayev " * 40).encode(), content_type=HTML)
    )
    listing = page(page_row("Case of Syrym Shalabayev", "/c/1", "Extradition hearing."))
    server.route("/hearings", Reply.raw(listing, content_type=HTML))
    case = (
        b"<html><body><div id='status'>Zhanara Akhmetova: hearing on 3 March.</div></body></html>"
    )
    server.route("/case/7", Reply.raw(case, content_type=HTML))


def sources(news: HttpTestServer, interpol: HttpTestServer) -> list[dict[str, object]]:
    return [
        {"id": "interpol-red", "type": "interpol", "base_url": interpol.base_url, "rate": 100},
        {"id": "news", "type": "feed", "url": news.url("/feed"), "full_text": True},
        {
            "id": "court",
            "type": "page",
            "url": news.url("/hearings"),
            "item_selector": "ul.items > li",
        },
    ]


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_no_request_of_full_cycles_carries_a_watched_name_alias_id_or_birth_date(
    tmp_path: Path,
) -> None:
    sim = InterpolSim.from_fixtures(yellow=False)
    sim.add(red_item("2026/12345", "ABLIAZOV", "MUKHTAR", "1963/05/16", ["KZ"]), sex="M")
    people = copy.deepcopy(SAMPLE["people"])
    with sim.serve() as interpol, HttpTestServer() as news:
        serve_news(news)
        [follower] = [p for p in people if p["id"] == "zhanara-akhmetova"]
        follower["watch"] = [{"url": news.url("/case/7"), "selector": "#status"}]
        path = write_watchlist(tmp_path / "w.yaml", sources(news, interpol), people)
        settings = settings_for(tmp_path, path)
        with captured_logs() as records:
            first, second = cycle(settings), cycle(settings)  # the sweep, then the fast path
        requests = interpol.requests + news.requests
    assert all(outcome.ok for outcome in first + second)
    assert {"/a/1", "/a/2", "/case/7"} <= {r.path for r in news.requests}  # articles were read
    assert any(r.path == "/notices/v1/red/2026-12345" for r in interpol.requests)
    found = {e.person_id for e in stored(settings).events}
    assert {"mukhtar-ablyazov", "muratbek-ketebayev", "syrym-shalabayev"} <= found
    assert leaks(requests, secrets()) == []
    assert log_leaks(records, secrets()) == []


def log_leaks(records: list[logging.LogRecord], words: list[str]) -> list[str]:
    found = []
    for record in records:
        line = f"{record.getMessage()} {record.__dict__}".casefold()
        found += [
            f"{word!r} in {record.getMessage()!r}" for word in words if word.casefold() in line
        ]
    return found


def test_an_error_about_a_url_never_repeats_its_query_string(tmp_path: Path) -> None:
    with HttpTestServer() as server:
        server.route("/search", Reply(status=500))
        url = server.url("/search?q=Mukhtar+Ablyazov&born=1963-05-16")
        source = {"id": "search", "type": "feed", "url": url}
        settings = settings_for(
            tmp_path, write_watchlist(tmp_path / "w.yaml", [source]), http_attempts="1"
        )
        with captured_logs() as records:
            [outcome] = cycle(settings)
    row = stored(settings).sources["search"]
    assert not outcome.ok and "500" in (outcome.error or "")
    for said in (outcome.error or "", row.last_error or ""):
        assert "Ablyazov" not in said and "1963" not in said and "?" not in said
    assert log_leaks(records, ["Ablyazov", "1963-05-16"]) == []
