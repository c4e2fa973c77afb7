"""Court feeds as courts publish them: every docket entry is its own item, and an event.

Golden files: each saved real feed under fixtures/courts/<kind>/ sits next to its expected parse
(`<feed>.expected.json`); a missing one is written and the test fails until a person read it.
Constructed feeds follow the shape of the saved PACER ones (fixtures/courts/pacer/wvsd.xml).
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from sqlalchemy import select, update

from monitor.feeds.parse import FeedResult, parse_feed
from monitor.items import content_hash
from monitor.store import database, models
from monitor.store.health import source_problem
from tests.e2e import cycle, outbox, settings_for, write_watchlist
from tests.paths import FIXTURES
from tests.servers.http_server import HttpTestServer, Reply
from tests.test_feeds import golden

COURTS = FIXTURES / "courts"
SAVED = sorted(COURTS.glob("*/*.xml"))  # <kind>/<feed>.xml; cadc.xml is a matching golden file
DOCKET = "https://ecf.example.uscourts.gov/cgi-bin/DktRpt.pl?4711"
RSS = "application/rss+xml; charset=ISO-8859-1"
PUBLISHED = "Tue, 01 Dec 2026 19:14:31 GMT"


def shown(result: FeedResult) -> dict[str, Any]:
    return {
        "status": result.status.value,
        "warnings": result.warnings,
        "items": [
            {
                "key": item.key,
                "aliases": list(item.aliases),
                "title": item.title,
                "text": item.text,
                "url": item.url,
                "byline": item.byline,
                "links": [list(link) for link in item.links],
                "published_at": item.published_at.isoformat() if item.published_at else None,
            }
            for item in result.items
        ],
    }


def pacer(entries: list[tuple[str, ...]], *, guid: bool = True) -> bytes:
    """A PACER district feed: one case, entries (sequence number, docket text[, pubDate])."""
    items = "".join(
        "<item><title>1:26-mj-00101 USA v. Mukhtar Ablyazov</title>"
        f"<link>{DOCKET}</link><description>[{entry[1]}]</description>"
        + (f'<guid isPermaLink="true">{DOCKET}&amp;{entry[0]}</guid>' if guid else "")
        + f"<pubDate>{entry[2] if len(entry) > 2 else PUBLISHED}</pubDate></item>"
        for entry in entries
    )
    return (
        '<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel>'
        "<title>District - Recent Entries</title><link>https://ecf.example.uscourts.gov</link>"
        f"{items}</channel></rss>"
    ).encode("latin-1")


def parse(body: bytes) -> FeedResult:
    return parse_feed(body, url="https://ecf.example.uscourts.gov/rss", headers={})


# Golden files ---------------------------------------------------------------------------------
@pytest.mark.parametrize("path", SAVED, ids=[str(p.relative_to(COURTS)) for p in SAVED])
def test_each_saved_court_feed_parses_to_its_golden_file(path: Path) -> None:
    result = parse_feed(path.read_bytes(), url="https://ecf.example.uscourts.gov/rss", headers={})
    golden(path, shown(result))


def test_the_saved_district_feeds_keep_every_docket_entry_apart() -> None:
    for name in ("wvsd", "mdb_1", "nysb_1", "sdny_1"):
        body = (COURTS / "pacer" / f"{name}.xml").read_bytes()
        assert len(parse(body).items) == body.count(b"<item>"), name


def test_entries_that_differ_in_title_guid_text_or_date_stay_apart_in_a_feed_keyed_by_docket() -> (
    None
):
    # nyed_1 gives every entry of a case the docket link as GUID; 13 of its 432 entries repeat
    # another one byte for byte and are merged into it. Ten more repeat another's title, GUID
    # and text filed at another time (a case's second "[Order(Other)]"): entries of their own.
    body = (COURTS / "pacer" / "nyed_1.xml").read_bytes()
    entries = list(ElementTree.fromstring(body).iter("item"))
    fields = ("title", "guid", "description", "pubDate")
    distinct = {tuple(entry.findtext(tag) for tag in fields) for entry in entries}
    result = parse(body)
    assert len(entries) == 432 and len(result.items) == len(distinct) == 419
    assert "13 repeated entries merged" in result.warnings


def test_each_docket_entry_of_one_case_in_a_saved_feed_is_an_item() -> None:
    body = (COURTS / "pacer" / "nysb_1.xml").read_bytes()
    burns = [item for item in parse(body).items if "LaQuece N. Burns" in item.title]
    assert sorted(item.text.partition("[")[2].partition("]")[0] for item in burns) == [
        "Auto - docket of credit card",
        "Certificate of Credit Counseling",
        "Voluntary Petition (Chapter 13)",
    ]
    assert len({item.key for item in burns}) == 3 and {item.url for item in burns} == {
        "https://ecf.nysb.uscourts.gov/cgi-bin/DktRpt.pl?282803"
    }


# Identity -------------------------------------------------------------------------------------
def test_entries_of_one_case_with_their_own_guids_are_items_of_their_own() -> None:
    items = parse(
        pacer([("1", "Complaint in Extradition"), ("7", "Order Certifying Extraditability")])
    ).items
    assert [item.key for item in items] == [f"guid:{DOCKET}&1", f"guid:{DOCKET}&7"]
    assert {item.url for item in items} == {DOCKET}
    assert all(item.aliases == (f"url:{DOCKET}",) for item in items)


def test_entries_sharing_a_guid_and_a_link_but_not_their_text_stay_apart() -> None:
    # The Eastern District of New York gives every entry of a case the docket's link as GUID.
    body = pacer([("", "Order(Other)"), ("", "Order")], guid=False).replace(
        b"</link>", b"</link><guid>" + DOCKET.encode() + b"</guid>"
    )
    items = parse(body).items
    assert len(items) == 2 and all(item.key.startswith("hash:") for item in items)


def test_an_entry_listed_twice_is_one_item() -> None:
    result = parse(pacer([("7", "Surrender Warrant"), ("7", "Surrender Warrant")]))
    assert len(result.items) == 1 and result.warnings == ["1 repeated entries merged"]


# End to end -----------------------------------------------------------------------------------
def court_feed(server: HttpTestServer) -> dict[str, object]:
    return {
        "id": "district",
        "type": "feed",
        "kind": "court",
        "url": server.url("/rss"),
        "interval": "30m",
    }


def stored_events(settings: Any) -> list[models.Event]:
    engine = database.create_db_engine(settings.effective_database_url)
    try:
        with database.make_session_factory(engine)() as session:
            return list(session.scalars(select(models.Event).order_by(models.Event.id)))
    finally:
        engine.dispose()


def test_each_new_docket_entry_in_a_known_case_is_an_event_and_an_alert(tmp_path: Path) -> None:
    complaint = ("1", "Complaint in Extradition")
    with HttpTestServer() as server:
        server.route(
            "/rss",
            Reply.raw(pacer([complaint])),
            Reply.raw(pacer([("7", "Order Certifying Extraditability"), complaint])),
            Reply.raw(
                pacer([("9", "Surrender Warrant"), ("7", "Order Certifying Extraditability")])
            ),
        )
        settings = settings_for(
            tmp_path, write_watchlist(tmp_path / "w.yaml", [court_feed(server)])
        )
        cycle(settings)  # the baseline: the complaint
        [order] = cycle(settings)
        [surrender] = cycle(settings)
    assert (order.new, order.events, surrender.new, surrender.events) == (1, 1, 1, 1)
    told = [e for e in stored_events(settings) if not e.baseline]
    assert [e.person_id for e in told] == ["mukhtar-ablyazov"] * 2
    assert [e.type for e in told] == ["court_item"] * 2
    assert "Surrender Warrant" in told[-1].title + told[-1].evidence + str(told[-1].details)
    assert len(outbox(settings)) == 2


def test_a_new_entry_under_the_same_guid_is_an_event_again(tmp_path: Path) -> None:
    # A feed whose GUID is the docket's link: the case's newest entry replaces the previous one.
    with HttpTestServer() as server:
        server.route(
            "/rss",
            Reply.raw(pacer([("", "Complaint in Extradition")], guid=False)),
            Reply.raw(pacer([("", "Complaint in Extradition")], guid=False)),
            Reply.raw(pacer([("", "Order of Extradition")], guid=False)),
        )
        settings = settings_for(
            tmp_path, write_watchlist(tmp_path / "w.yaml", [court_feed(server)])
        )
        cycle(settings)
        [same] = cycle(settings)
        [decision] = cycle(settings)
    assert (same.events, decision.changed, decision.events) == (0, 1, 1)
    assert stored_events(settings)[-1].type == "court_item"


def docket_guid_feed(entries: list[tuple[str, ...]]) -> bytes:
    """A feed like the Eastern District of New York's: every entry's GUID is the docket link."""
    return pacer(entries, guid=False).replace(
        b"</link>", b"</link><guid>" + DOCKET.encode() + b"</guid>"
    )


def test_a_case_entry_keeps_its_identity_whichever_entries_of_its_case_share_the_feed(
    tmp_path: Path,
) -> None:
    # Each poll shows the case's entries of the moment: alone or beside others under one GUID.
    complaint = ("", "Complaint in Extradition")
    order = ("", "Order(Other)", "Thu, 21 May 2026 15:02:11 GMT")
    second_order = ("", "Order(Other)", "Fri, 22 May 2026 09:40:00 GMT")  # same text, a day on
    polls = [
        [complaint],
        [order, complaint],  # the order is new; the complaint is not
        [order],  # nothing new
        [second_order, order],  # a second order with the same docket text is new
        [second_order],  # nothing new
        [second_order, order, complaint],  # nothing new
    ]
    with HttpTestServer() as server:
        server.route("/rss", *(Reply.raw(docket_guid_feed(entries)) for entries in polls))
        settings = settings_for(
            tmp_path, write_watchlist(tmp_path / "w.yaml", [court_feed(server)])
        )
        outcomes = [cycle(settings)[0] for _ in polls]
    assert [o.events for o in outcomes[1:]] == [1, 0, 1, 0, 0]
    told = [e for e in stored_events(settings) if not e.baseline]
    # both orders are told as new entries (none is taken for one seen before, merged)
    assert len(told) == 2 and all("Order(Other)" in e.evidence + str(e.details) for e in told)


def test_entries_stored_under_the_previous_content_keys_are_not_new_after_an_upgrade(
    tmp_path: Path,
) -> None:
    entries = [("", "Order(Other)"), ("", "Complaint in Extradition")]
    with HttpTestServer() as server:
        server.route("/rss", Reply.raw(docket_guid_feed(entries)))
        settings = settings_for(
            tmp_path, write_watchlist(tmp_path / "w.yaml", [court_feed(server)])
        )
        cycle(settings)
        engine = database.create_db_engine(settings.effective_database_url)
        with database.make_session_factory(engine)() as session:  # the previous rule's keys
            for row in session.scalars(select(models.Observation)):
                row.key = "hash:" + content_hash(row.title, row.text)
            session.commit()
        engine.dispose()
        [upgraded] = cycle(settings)
    assert (upgraded.new, upgraded.changed, upgraded.events) == (0, 0, 0)


def test_items_stored_under_their_former_keys_are_not_new_after_an_upgrade(tmp_path: Path) -> None:
    body = pacer([("9", "Surrender Warrant")])
    news = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>N</title><item>'
        b"<title>Ablyazov arrested</title><link>https://news.example.org/a1</link>"
        b"<guid>https://news.example.org/?p=1</guid>"
        b"<description>Mukhtar Ablyazov was arrested in Kyiv.</description></item>"
        b"</channel></rss>"
    )
    with HttpTestServer() as server:
        server.route("/rss", Reply.raw(body))
        server.route("/news", Reply.raw(news))
        sources: list[dict[str, Any]] = [
            court_feed(server),
            {"id": "news", "type": "feed", "url": server.url("/news"), "interval": "30m"},
        ]
        settings = settings_for(tmp_path, write_watchlist(tmp_path / "w.yaml", sources))
        cycle(settings)
        cycle(settings)
        # What the previous version stored: every feed item under `url:<its link>`.
        engine = database.create_db_engine(settings.effective_database_url)
        with engine.begin() as connection:
            Obs = models.Observation
            connection.execute(update(Obs).values(key="url:" + Obs.url))
        engine.dispose()
        before = len(stored_events(settings))
        outcomes = cycle(settings)
    assert sum(o.new for o in outcomes) == 0 and sum(o.events for o in outcomes) == 0
    assert len(stored_events(settings)) == before
    engine = database.create_db_engine(settings.effective_database_url)
    with database.make_session_factory(engine)() as session:
        keys = sorted(session.scalars(select(models.Observation.key)))
    engine.dispose()
    assert keys == [f"guid:{DOCKET}&9", "guid:https://news.example.org/?p=1"]


def test_every_version_of_a_matched_item_is_kept_with_status_headers_and_charset(
    tmp_path: Path,
) -> None:
    with HttpTestServer() as server:
        server.route(
            "/rss",
            Reply.raw(pacer([("", "Complaint in Extradition")], guid=False), content_type=RSS),
            Reply.raw(pacer([("", "Order of Extradition (référé)")], guid=False), content_type=RSS),
            Reply.raw(pacer([("", "Surrender Warrant (arrêt)")], guid=False), content_type=RSS),
        )
        settings = settings_for(
            tmp_path, write_watchlist(tmp_path / "w.yaml", [court_feed(server)])
        )
        for _ in range(3):
            cycle(settings)
    engine = database.create_db_engine(settings.effective_database_url)
    with database.make_session_factory(engine)() as session:
        kept = list(session.scalars(select(models.Evidence).order_by(models.Evidence.id)))
    engine.dispose()
    versions = [row.body for row in kept]
    assert [
        next(w for w in (b"Complaint", b"Order of", b"Surrender") if w in v) for v in versions
    ] == [
        b"Complaint",
        b"Order of",
        b"Surrender",
    ]
    for row in kept:
        assert row.status == 200 and row.url == server.url("/rss")
        assert row.headers["content-type"] == RSS and row.media_type == RSS
    # Read as browsers read the label "ISO-8859-1": windows-1252 (the WHATWG encoding standard).
    assert [codecs.lookup(row.charset or "").name for row in kept[1:]] == ["cp1252"] * 2


def test_entries_an_earlier_version_merged_go_to_the_digest_and_new_ones_alert(
    tmp_path: Path,
) -> None:
    order = ("7", "Order Certifying Extraditability")
    complaint = ("1", "Complaint in Extradition")  # merged into the order's row before
    surrender = ("9", "Surrender Warrant", "Thu, 31 Dec 2026 10:00:00 GMT")  # after the upgrade
    with HttpTestServer() as server:
        server.route(
            "/rss", Reply.raw(pacer([order])), Reply.raw(pacer([surrender, order, complaint]))
        )
        settings = settings_for(
            tmp_path, write_watchlist(tmp_path / "w.yaml", [court_feed(server)])
        )
        cycle(settings)
        engine = database.create_db_engine(settings.effective_database_url)
        with engine.begin() as connection:  # the previous version's key: the docket link
            connection.execute(update(models.Observation).values(key=f"url:{DOCKET}"))
        engine.dispose()
        [upgraded] = cycle(settings)
    assert (upgraded.new, upgraded.changed, upgraded.events) == (2, 0, 2)
    told = {e.title + str(e.details): e.baseline for e in stored_events(settings)[1:]}
    assert sorted(("Surrender" in k, baseline) for k, baseline in told.items()) == [
        (False, True),  # the complaint, seen before inside the merged row: digest only
        (True, False),  # the surrender warrant, new: an alert
    ]
    assert len(outbox(settings)) == 1


def test_a_court_feed_with_only_benign_notes_is_healthy_and_no_source_problem(
    tmp_path: Path,
) -> None:
    # nyed_1's notes (links shared by a case's entries, exact repeats merged) describe the feed;
    # they are no reason to tell an advocate that the court is "partly readable".
    with HttpTestServer() as server:
        body = (COURTS / "pacer" / "nyed_1.xml").read_bytes()
        server.route("/rss", Reply.raw(body, content_type=RSS))
        settings = settings_for(
            tmp_path, write_watchlist(tmp_path / "w.yaml", [court_feed(server)])
        )
        [outcome] = cycle(settings)
    assert outcome.ok and outcome.items == 419
    assert "13 repeated entries merged" in outcome.warnings
    engine = database.create_db_engine(settings.effective_database_url)
    try:
        with database.make_session_factory(engine)() as session:
            row = session.get_one(models.Source, "district")
            assert (row.status, row.last_error) == ("ok", None)
            assert source_problem(row) is None
    finally:
        engine.dispose()
