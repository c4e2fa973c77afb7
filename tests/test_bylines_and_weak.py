"""Bylines are matched as a field of their own; weak matches can be seen; every link is kept."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from monitor.feeds.parse import parse_feed
from monitor.store import database, models
from tests.e2e import cycle, settings_for, write_watchlist
from tests.servers.http_server import HttpTestServer, Reply
from tests.test_cli import monitor

FEED_URL = "https://news.example.org/feed"
DC = 'xmlns:dc="http://purl.org/dc/elements/1.1/"'


def rss(items: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" {DC}><channel><title>N</title>'
        f"{items}</channel></rss>"
    ).encode()


def atom(entries: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Opinions</title><id>urn:x</id><updated>2026-12-01T00:00:00Z</updated>{entries}</feed>"
    ).encode()


def entry(n: int, text: str, extra: str = "") -> str:
    return (
        f"<item><title>Column {n}</title><link>https://news.example.org/{n}</link>"
        f"<guid>https://news.example.org/?p={n}</guid><description>{text}</description>{extra}</item>"
    )


# Parsing --------------------------------------------------------------------------------------
def test_bylines_are_read_from_rss_author_dc_creator_and_atom_author_name() -> None:
    items = parse_feed(
        rss(
            entry(1, "a", "<author>syrym@example.org (Syrym Shalabayev)</author>")
            + entry(2, "b", "<dc:creator><![CDATA[Nail Malyutin]]></dc:creator>")
            + entry(3, "c")
        ),
        url=FEED_URL,
        headers={},
    ).items
    assert [item.byline for item in items] == ["Syrym Shalabayev", "Nail Malyutin", ""]
    [opinion] = parse_feed(
        atom(
            "<entry><title>Opinion</title><id>urn:o:1</id><updated>2026-12-01T00:00:00Z</updated>"
            "<author><name>Zhanara Akhmetova</name><email>z@example.org</email></author>"
            "<author><name>Tatiana Paraskevich</name></author></entry>"
        ),
        url=FEED_URL,
        headers={},
    ).items
    assert opinion.byline == "Zhanara Akhmetova; Tatiana Paraskevich"


def test_an_atom_entry_whose_only_alternate_is_a_pdf_keeps_its_url_and_every_link() -> None:
    [opinion] = parse_feed(
        atom(
            "<entry><title>Opinion 20-5101</title><id>urn:o:2</id>"
            "<updated>2026-12-01T00:00:00Z</updated>"
            '<link rel="alternate" type="application/pdf" href="/opinions/20-5101.pdf"/>'
            '<link rel="enclosure" type="audio/mpeg" length="1" href="/audio/20-5101.mp3"/>'
            '<link rel="related" href="https://docket.example.org/20-5101"/></entry>'
        ),
        url=FEED_URL,
        headers={},
    ).items
    assert opinion.url == "https://news.example.org/opinions/20-5101.pdf"
    assert ("enclosure", "audio/mpeg", "https://news.example.org/audio/20-5101.mp3") in (
        opinion.links
    )
    assert ("related", "https://docket.example.org/20-5101") in [
        (r, h) for r, _, h in opinion.links
    ]


def test_an_rss_enclosure_of_any_type_is_kept() -> None:
    [item] = parse_feed(
        rss(
            entry(
                1,
                "a",
                '<enclosure url="https://cdn.example.org/j.pdf" type="application/pdf" length="9"/>',
            )
        ),
        url=FEED_URL,
        headers={},
    ).items
    assert ("enclosure", "application/pdf", "https://cdn.example.org/j.pdf") in item.links


# Recording ------------------------------------------------------------------------------------
def polled_twice(tmp_path: Path, later: bytes) -> tuple[object, list[models.Event]]:
    with HttpTestServer() as server:
        server.route("/rss", Reply.raw(rss(entry(0, "Budget news."))), Reply.raw(later))
        source = {"id": "news", "type": "feed", "url": server.url("/rss"), "interval": "30m"}
        settings = settings_for(tmp_path, write_watchlist(tmp_path / "w.yaml", [source]))
        cycle(settings)
        cycle(settings)
    engine = database.create_db_engine(settings.effective_database_url)
    with database.make_session_factory(engine)() as session:
        events = list(session.scalars(select(models.Event).where(models.Event.baseline.is_(False))))
    engine.dispose()
    return settings, events


def test_an_article_by_a_watched_journalist_is_found_through_its_byline(tmp_path: Path) -> None:
    column = entry(
        1, "Notes from exile on the new asylum law.", "<dc:creator>Syrym Shalabayev</dc:creator>"
    )
    _, events = polled_twice(tmp_path, rss(column))
    [event] = events
    assert (event.person_id, event.type) == ("syrym-shalabayev", "news_mention")
    assert event.details["field"] == "byline"
    assert event.details["explanation"].endswith("(in the byline)")


def test_weak_matches_are_listed_by_monitor_events_weak(tmp_path: Path) -> None:
    settings, events = polled_twice(tmp_path, rss(entry(1, "Ablyazov said nothing.")))
    assert events == []  # a weak match makes no event and no alert
    env = {
        "MONITOR_WATCHLIST": str(settings.watchlist),  # type: ignore[attr-defined]
        "MONITOR_DATA_DIR": str(tmp_path / "data"),
    }
    listed = monitor("events", "--weak", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    [row] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert (row["person_id"], row["title"]) == ("mukhtar-ablyazov", "Column 1")
    assert row["url"] == "https://news.example.org/1" and "score 0.50" in row["explanation"]
    plain = monitor("events", "--weak", "--person", "mukhtar-ablyazov", env=env)
    assert plain.stdout.startswith("weak #") and "Column 1" in plain.stdout
    assert monitor("events", env=env).stdout.count("Column 1") == 0


def test_a_changed_article_is_an_event_again_only_when_it_says_more_about_the_person(
    tmp_path: Path,
) -> None:
    first = "Mukhtar Ablyazov spoke in Paris about the asylum ruling."
    typo = "Mukhtar Ablyazov spoke in Paris about the asylum rulling."
    arrest = "Mukhtar Ablyazov was arrested in Paris on a Russian Red Notice."
    with HttpTestServer() as server:
        server.route(
            "/rss",
            Reply.raw(rss(entry(0, "Budget news."))),
            Reply.raw(rss(entry(1, first))),
            Reply.raw(rss(entry(1, typo))),
            Reply.raw(rss(entry(1, arrest))),
        )
        source = {"id": "news", "type": "feed", "url": server.url("/rss"), "interval": "30m"}
        settings = settings_for(tmp_path, write_watchlist(tmp_path / "w.yaml", [source]))
        outcomes = [cycle(settings)[0] for _ in range(4)]
    assert [(o.new, o.changed, o.events) for o in outcomes[1:]] == [(1, 0, 1), (0, 1, 0), (0, 1, 1)]
    engine = database.create_db_engine(settings.effective_database_url)
    with database.make_session_factory(engine)() as session:
        last = session.scalars(select(models.Event).order_by(models.Event.id.desc())).first()
    engine.dispose()
    assert last is not None and "arrest" in last.details["context_labels"]
