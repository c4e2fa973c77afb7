"""Bylines end to end: an article BY a watched journalist, whose text never names her, is found
through its author field on a real poll of a local feed server, and the event says "byline"."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from monitor.store import database, models
from tests.e2e import cycle, settings_for, write_watchlist
from tests.news import UNRELATED
from tests.servers.http_server import HttpTestServer, Reply


def feed(entries: list[tuple[str, str, str]]) -> bytes:
    """entries: (link path, author, description); Atom, with `author/name`."""
    items = "".join(
        f"<entry><title>Column</title><id>urn:news:{path}</id><updated>2026-03-01T12:00:00Z"
        f'</updated><link href="https://news.example.org{path}"/><author><name>{author}</name>'
        f"</author><summary>{text}</summary></entry>"
        for path, author, text in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>News</title><id>urn:news</id><updated>2026-03-01T12:00:00Z</updated>"
        f"{items}</feed>"
    ).encode()


def test_an_article_by_a_watched_journalist_is_a_byline_event(tmp_path: Path) -> None:
    with HttpTestServer() as server:
        server.route("/atom", Reply.raw(feed([("/old", "Jane Roe", UNRELATED)])))
        source = {"id": "news", "type": "feed", "url": server.url("/atom")}
        settings = settings_for(tmp_path, write_watchlist(tmp_path / "w.yaml", [source]))
        cycle(settings)  # the baseline
        server.route(
            "/atom",
            Reply.raw(
                feed(
                    [
                        ("/new", "By Zhanara Akhmetova and Jane Roe", UNRELATED),
                        ("/other", "Jane Roe", UNRELATED),
                        ("/old", "Jane Roe", UNRELATED),
                    ]
                )
            ),
        )
        [second] = cycle(settings)
    assert second.ok and (second.new, second.events) == (2, 1)
    engine = database.create_db_engine(settings.effective_database_url)
    with database.make_session_factory(engine)() as session:
        [event] = session.scalars(select(models.Event).where(models.Event.baseline.is_(False)))
        assert event.person_id == "zhanara-akhmetova" and event.type == "news_mention"
        assert event.details["match"]["field"] == "byline"
        assert "byline" in event.details["match"]["notes"]
        assert event.details["explanation"].startswith("byline 'Zhanara Akhmetova' matched")
        assert event.evidence == "By Zhanara Akhmetova and Jane Roe"
        [match] = session.scalars(select(models.MatchRow))
        assert (match.person_id, match.band) == ("zhanara-akhmetova", "strong")
    engine.dispose()
