"""News and court sources end to end: a real HTTP server, a real database, the outbox folder."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from sqlalchemy import func, select

from monitor.store import database, models
from tests.e2e import cycle, outbox, settings_for, write_watchlist
from tests.news import ARREST_RU, NEWS, UNRELATED, rss
from tests.servers.http_server import HttpTestServer, Reply


def feed_source(
    server: HttpTestServer, path: str = "/rss", source_id: str = "news"
) -> dict[str, object]:
    return {"id": source_id, "type": "feed", "url": server.url(path), "interval": "30m"}


def events(settings) -> list[models.Event]:  # type: ignore[no-untyped-def]
    engine = database.create_db_engine(settings.effective_database_url)
    try:
        with database.make_session_factory(engine)() as session:
            return list(session.scalars(select(models.Event).order_by(models.Event.id)))
    finally:
        engine.dispose()


def count(settings, table) -> int:  # type: ignore[no-untyped-def]
    engine = database.create_db_engine(settings.effective_database_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(table)).scalar_one())
    finally:
        engine.dispose()


def test_a_first_poll_is_a_baseline_and_a_later_arrest_is_alerted(tmp_path: Path) -> None:
    with HttpTestServer() as server:
        server.route(
            "/rss",
            Reply.raw(
                rss([("/a1", "Refugee status", NEWS[0]), ("/u", "Budget", UNRELATED)]),
                content_type="application/rss+xml",
            ),
        )
        settings = settings_for(
            tmp_path, write_watchlist(tmp_path / "w.yaml", [feed_source(server)])
        )
        [first] = cycle(settings)
        assert first.ok and first.baseline and first.items == 2
        assert outbox(settings) == []
        [baseline] = events(settings)
        assert baseline.person_id == "mukhtar-ablyazov" and baseline.baseline

        server.route(
            "/rss",
            Reply.raw(
                rss([("/a2", "Задержание", ARREST_RU), ("/a1", "Refugee status", NEWS[0])]),
                content_type="application/rss+xml",
            ),
        )
        [second] = cycle(settings)
    assert second.ok and (second.new, second.events, second.alerts) == (1, 1, 1)
    new = events(settings)[-1]
    assert (new.person_id, new.type, new.severity, new.baseline) == (
        "muratbek-ketebayev",
        "news_mention",
        "high",
        False,
    )
    assert "Кетебаев" in new.evidence
    [mail] = outbox(settings)
    message = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
    assert message["To"] == "legal@example.org"
    assert "Muratbek Ketebayev" in message["Subject"]


def test_a_304_costs_no_parsing_and_no_event(tmp_path: Path) -> None:
    with HttpTestServer() as server:
        server.route("/rss", Reply.raw(rss([("/a1", "t", NEWS[0])]), etag='"v1"'))
        settings = settings_for(
            tmp_path, write_watchlist(tmp_path / "w.yaml", [feed_source(server)])
        )
        cycle(settings)
        [again] = cycle(settings)
        requests = [r for r in server.requests if r.path == "/rss"]
    assert requests[-1].headers.get("if-none-match") == '"v1"'
    assert again.ok and again.items == 0 and again.events == 0
    assert count(settings, models.Observation) == 1


def test_a_failing_feed_is_a_source_failure_not_an_empty_feed(tmp_path: Path) -> None:
    with HttpTestServer() as server:
        server.route("/rss", Reply.raw(rss([("/a1", "t", NEWS[0])])), Reply(status=500))
        settings = settings_for(
            tmp_path, write_watchlist(tmp_path / "w.yaml", [feed_source(server)])
        )
        cycle(settings)
        [failed] = cycle(settings)
    assert not failed.ok and "500" in (failed.error or "")
    engine = database.create_db_engine(settings.effective_database_url)
    with database.make_session_factory(engine)() as session:
        source = session.get_one(models.Source, "news")
        assert (source.status, source.consecutive_failures) == ("failing", 1)
        assert source.next_run_at is not None
        assert (
            session.scalars(select(models.Observation)).one().last_seen_at < source.last_failure_at
        )  # type: ignore[operator]
    engine.dispose()


def test_the_same_article_in_two_feeds_is_an_item_of_each_and_one_event(tmp_path: Path) -> None:
    with HttpTestServer() as server:
        body = rss(
            [("/a1?utm_source=x", "Ketebayev", "Muratbek Ketebayev was arrested in Madrid.")]
        )
        server.route("/one", Reply.raw(rss([("/other", "t", UNRELATED)])), Reply.raw(body))
        server.route(
            "/two",
            Reply.raw(rss([("/other2", "t", UNRELATED)])),
            Reply.raw(body.replace(b"utm_source=x", b"utm_medium=y")),
        )
        settings = settings_for(
            tmp_path,
            write_watchlist(
                tmp_path / "w.yaml",
                [feed_source(server, "/one", "one"), feed_source(server, "/two", "two")],
            ),
        )
        cycle(settings)  # baselines
        outcomes = cycle(settings)
        again = cycle(settings)
    assert sum(o.new for o in outcomes) == 2  # one item per source
    assert sum(o.new + o.changed for o in again) == 0  # neither flips to the other source
    assert [e.type for e in events(settings) if not e.baseline] == ["news_mention"]
    assert len(outbox(settings)) == 1
    engine = database.create_db_engine(settings.effective_database_url)
    with database.make_session_factory(engine)() as session:
        rows = session.scalars(
            select(models.Observation).where(models.Observation.url.like("%/a1"))
        )
        assert sorted(row.source_id for row in rows) == ["one", "two"]
    engine.dispose()


def test_a_changed_article_that_newly_names_someone_is_a_new_event(tmp_path: Path) -> None:
    with HttpTestServer() as server:
        server.route("/rss", Reply.raw(rss([("/u", "Budget", UNRELATED)])))
        settings = settings_for(
            tmp_path, write_watchlist(tmp_path / "w.yaml", [feed_source(server)])
        )
        cycle(settings)
        server.route(
            "/rss",
            Reply.raw(
                rss(
                    [("/u", "Budget", UNRELATED + " Zhanara Akhmetova was detained at the border.")]
                )
            ),
        )
        [changed] = cycle(settings)
        [unchanged] = cycle(settings)
    assert changed.changed == 1 and changed.events == 1
    assert unchanged.events == 0
    assert events(settings)[-1].person_id == "zhanara-akhmetova"


def test_a_listing_whose_layout_changed_is_a_warning_not_a_removal(tmp_path: Path) -> None:
    page = (
        "<html><body><table class='hearings'>"
        "<tr><td class='case'><a href='/c/1'>Extradition: Syrym Shalabayev</a></td></tr>"
        "</table></body></html>"
    )
    changed = "<html><body><div class='new-layout'><p>Hearings moved</p></div></body></html>"
    with HttpTestServer() as server:
        server.route(
            "/hearings",
            Reply.raw(page.encode(), content_type="text/html; charset=utf-8"),
            Reply.raw(changed.encode(), content_type="text/html; charset=utf-8"),
        )
        source = {
            "id": "court",
            "type": "page",
            "url": server.url("/hearings"),
            "kind": "court",
            "item_selector": "table.hearings tr",
            "title_selector": "td.case",
        }
        settings = settings_for(tmp_path, write_watchlist(tmp_path / "w.yaml", [source]))
        [first] = cycle(settings)
        [second] = cycle(settings)
    assert first.ok and first.items == 1 and events(settings)[0].type == "court_item"
    assert second.ok and second.complete is False and second.warnings
    engine = database.create_db_engine(settings.effective_database_url)
    with database.make_session_factory(engine)() as session:
        assert session.get_one(models.Source, "court").status == "degraded"
        assert len(session.scalars(select(models.Observation)).all()) == 1
    engine.dispose()


def test_a_case_page_change_is_an_event_with_a_diff(tmp_path: Path) -> None:
    before = "<html><body><div id='status'>Hearing scheduled for 3 March.</div></body></html>"
    after = "<html><body><div id='status'>Extradition approved on 3 March.</div></body></html>"
    with HttpTestServer() as server:
        server.route(
            "/case/7",
            Reply.raw(before.encode(), content_type="text/html"),
            Reply.raw(after.encode(), content_type="text/html"),
        )
        import copy

        from tests.e2e import SAMPLE

        people = copy.deepcopy(SAMPLE["people"])
        people[0]["watch"] = [{"url": server.url("/case/7"), "selector": "#status"}]
        settings = settings_for(tmp_path, write_watchlist(tmp_path / "w.yaml", [], people))
        [first] = cycle(settings)
        [second] = cycle(settings)
    assert first.ok and first.events == 0
    assert second.ok and second.events == 1 and second.alerts == 1
    event = events(settings)[-1]
    assert event.type == "page_changed" and event.person_id == "mukhtar-ablyazov"
    assert (
        "- Hearing scheduled" in event.details["diff"]
        and "+ Extradition approved" in event.details["diff"]
    )
    assert not first.source_id.count("ablyazov")  # the source id does not spell the name


def test_a_person_added_later_is_matched_against_history_for_the_digest(tmp_path: Path) -> None:
    import copy

    from tests.e2e import SAMPLE

    with HttpTestServer() as server:
        server.route(
            "/rss",
            Reply.raw(
                rss([("/n", "Kozlovska", "Lyudmyla Kozlovska was placed on a wanted list.")])
            ),
        )
        without = [p for p in SAMPLE["people"] if p["id"] != "mukhtar-ablyazov"]
        path = write_watchlist(tmp_path / "w.yaml", [feed_source(server)], without)
        settings = settings_for(tmp_path, path)
        cycle(settings)
        newcomer = {
            "id": "lyudmyla-kozlovska",
            "name": "Lyudmyla Kozlovska",
            "advocates": ["odf-legal"],
        }
        write_watchlist(path, [feed_source(server)], [*copy.deepcopy(without), newcomer])
        cycle(settings)
    [found] = [e for e in events(settings) if e.person_id == "lyudmyla-kozlovska"]
    assert found.baseline and found.type == "news_mention"
    assert outbox(settings) == []


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title></item></channel></rss>"""


def test_hostile_and_broken_feeds_fail_alone_and_the_good_ones_are_recorded(tmp_path: Path) -> None:
    cp1251 = (
        '<?xml version="1.0" encoding="windows-1251"?><rss version="2.0"><channel><title>Новости</title>'
        "<item><title>Задержание в Мадриде</title><link>https://ru.example.org/n/1</link>"
        f"<description>{ARREST_RU}</description></item></channel></rss>"
    ).encode("windows-1251")
    good = rss([("/ok", "Budget", UNRELATED)])
    with HttpTestServer() as server:
        server.route("/bomb", Reply.raw(BOMB, content_type="application/rss+xml"))
        server.route("/huge", Reply.huge(50 * 1024 * 1024))
        server.route("/slow", Reply.raw(good, delay=5))
        server.route("/cut", Reply.raw(good, truncate_to=len(good) // 2))
        server.route("/busy", Reply(status=429, headers={"Retry-After": "0"}), Reply.raw(good))
        server.route(
            "/ru", Reply.raw(rss([])), Reply.raw(cp1251, content_type="application/rss+xml")
        )
        names = ["bomb", "huge", "slow", "cut", "busy", "ru"]
        sources = [feed_source(server, f"/{n}", n) for n in names]
        settings = settings_for(
            tmp_path,
            write_watchlist(tmp_path / "w.yaml", sources),
            http_timeout="1",
            http_attempts="2",
        )
        cycle(settings)  # baselines (the /ru feed lists nothing the first time)
        outcomes = {o.source_id: o for o in cycle(settings)}
    assert not outcomes["bomb"].ok and "entit" in (outcomes["bomb"].error or "").lower()
    assert not outcomes["huge"].ok and "large" in (outcomes["huge"].error or "").lower()
    assert not outcomes["slow"].ok and "timed out" in (outcomes["slow"].error or "")
    assert not outcomes["cut"].ok
    assert outcomes["busy"].ok
    assert outcomes["ru"].ok and outcomes["ru"].events == 1
    [event] = [e for e in events(settings) if not e.baseline]
    assert event.person_id == "muratbek-ketebayev" and "Кетебаев" in event.evidence


def test_full_text_fetches_the_article_of_a_new_entry_that_only_has_a_summary(
    tmp_path: Path,
) -> None:
    article = (
        "<html><body><nav>Home | World</nav><article><h1>Border arrest</h1>"
        "<p>Border guards detained the Kazakh journalist Zhanara Akhmetova on Tuesday at the "
        "request of Kazakhstan, which seeks her extradition. Her lawyers said the request was "
        "politically motivated and that she holds a pending asylum application.</p>"
        "<p>The court will decide on her detention within 72 hours.</p></article></body></html>"
    )
    with HttpTestServer() as server:
        server.route(
            "/rss",
            Reply.raw(rss([])),
            Reply.raw(
                f'<?xml version="1.0"?><rss version="2.0"><channel><title>N</title><item><title>Arrest at the border</title>'
                f"<link>{server.url('/story')}</link><description>A journalist was detained.</description>"
                "</item></channel></rss>".encode()
            ),
        )
        server.route("/story", Reply.raw(article.encode(), content_type="text/html; charset=utf-8"))
        source = {**feed_source(server), "full_text": True}
        settings = settings_for(tmp_path, write_watchlist(tmp_path / "w.yaml", [source]))
        cycle(settings)
        [outcome] = cycle(settings)
    assert outcome.events == 1 and outcome.requests == 2
    [event] = events(settings)
    assert event.person_id == "zhanara-akhmetova" and event.severity == "high"
    assert "detained" in event.evidence


def test_events_and_digest_commands_show_what_was_found(tmp_path: Path) -> None:
    import json
    import os
    import subprocess
    import sys

    with HttpTestServer() as server:
        server.route("/rss", Reply.raw(rss([])), Reply.raw(rss([("/a2", "Задержание", ARREST_RU)])))
        settings = settings_for(
            tmp_path, write_watchlist(tmp_path / "w.yaml", [feed_source(server)])
        )
        cycle(settings)
        cycle(settings)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(
        {"MONITOR_DATA_DIR": str(settings.data_dir), "MONITOR_WATCHLIST": str(settings.watchlist)}
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "monitor", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    listed = run("events", "--json", "--person", "muratbek-ketebayev")
    assert listed.returncode == 0, listed.stderr
    [row] = [json.loads(line) for line in listed.stdout.splitlines()]
    for key in (
        "id",
        "person_id",
        "type",
        "severity",
        "source_id",
        "title",
        "url",
        "detected_at",
        "evidence",
    ):
        assert key in row
    assert (row["person_id"], row["type"], row["source_id"]) == (
        "muratbek-ketebayev",
        "news_mention",
        "news",
    )
    digest = run("digest", "--advocate", "odf-legal", "--days", "7")
    assert digest.returncode == 0, digest.stderr
    assert "Subject: [DIGEST] 1 event for 1 person" in digest.stdout
    assert "Muratbek Ketebayev" in digest.stdout and "Кетебаев" in digest.stdout
    assert outbox(settings)  # the alert went out; printing a digest sent nothing more
    sent = run("digest", "--advocate", "odf-legal", "--send")
    assert sent.returncode == 0, sent.stderr
    assert len(outbox(settings)) == 2
