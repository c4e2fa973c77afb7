from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.config.watchlist import Watchlist, load_watchlist
from monitor.store import database, models
from monitor.store.sync import sync_watchlist
from tests.paths import ROOT

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_a_person_removed_from_the_watchlist_is_archived_with_their_history(
    factory: sessionmaker[Session],
) -> None:
    watchlist = load_watchlist(ROOT / "watchlist.yaml")
    with database.transaction(factory) as session:
        sync_watchlist(session, watchlist, T0)
        session.add(
            models.Event(
                key="e1",
                person_id="mukhtar-ablyazov",
                type="news_mention",
                severity="high",
                detected_at=T0,
            )
        )
    smaller = Watchlist(
        people=watchlist.people[1:], advocates=watchlist.advocates, sources=watchlist.sources
    )
    with database.transaction(factory) as session:
        report = sync_watchlist(session, smaller, T0 + timedelta(days=1))
    assert report.archived == {"people": ["mukhtar-ablyazov"]}
    with factory() as session:
        person = session.get_one(models.PersonRow, "mukhtar-ablyazov")
        assert person.archived_at == T0 + timedelta(days=1)
        assert session.scalars(select(models.Event.key)).all() == ["e1"]


def test_a_returning_person_is_restored_and_an_unchanged_sync_changes_nothing(
    factory: sessionmaker[Session],
) -> None:
    watchlist = load_watchlist(ROOT / "watchlist.yaml")
    smaller = Watchlist(
        people=watchlist.people[1:], advocates=watchlist.advocates, sources=watchlist.sources
    )
    with database.transaction(factory) as session:
        sync_watchlist(session, watchlist, T0)
    with database.transaction(factory) as session:
        assert not sync_watchlist(session, watchlist, T0).changed
        sync_watchlist(session, smaller, T0)
    with database.transaction(factory) as session:
        report = sync_watchlist(session, watchlist, T0)
    assert report.updated == {"people": ["mukhtar-ablyazov"]}
    with factory() as session:
        assert session.get_one(models.PersonRow, "mukhtar-ablyazov").archived_at is None


def test_times_come_back_timezone_aware_in_utc(factory: sessionmaker[Session]) -> None:
    with database.transaction(factory) as session:
        sync_watchlist(session, load_watchlist(ROOT / "watchlist.yaml"), T0)
    with factory() as session:
        created = session.get_one(models.Source, "interpol-red").created_at
    assert created == T0 and created.tzinfo is not None


def test_pruning_forgets_old_unmatched_items_and_never_what_an_event_cites(
    factory: sessionmaker[Session],
) -> None:
    from monitor.store.prune import prune_observations

    with database.transaction(factory) as session:
        sync_watchlist(session, load_watchlist(ROOT / "watchlist.yaml"), T0)
        old = T0 - timedelta(days=400)
        for key in ("old-unused", "old-cited", "recent"):
            seen = T0 if key == "recent" else old
            session.add(
                models.Observation(
                    key=key,
                    source_id="interpol-red",
                    kind="news",
                    content_hash="h",
                    first_seen_at=seen,
                    last_seen_at=seen,
                )
            )
        session.flush()
        cited = session.scalars(
            select(models.Observation).where(models.Observation.key == "old-cited")
        ).one()
        session.add(
            models.Event(
                key="e",
                person_id="mukhtar-ablyazov",
                type="news_mention",
                severity="high",
                observation_id=cited.id,
                detected_at=old,
            )
        )
    with database.transaction(factory) as session:
        assert prune_observations(session, T0 - timedelta(days=365)) == 1
    with factory() as session:
        assert sorted(session.scalars(select(models.Observation.key))) == ["old-cited", "recent"]
        assert session.scalars(select(models.Event.key)).all() == ["e"]


def test_a_changed_interval_takes_effect_at_once(factory: sessionmaker[Session]) -> None:
    watchlist = load_watchlist(ROOT / "watchlist.yaml")
    with database.transaction(factory) as session:
        sync_watchlist(session, watchlist, T0)
        session.get_one(models.Source, "interpol-red").next_run_at = T0 + timedelta(hours=12)
    faster = watchlist.sources[0].model_copy(update={"interval": timedelta(minutes=5)})
    changed = Watchlist(
        people=watchlist.people,
        advocates=watchlist.advocates,
        sources=(faster, *watchlist.sources[1:]),
    )
    with database.transaction(factory) as session:
        sync_watchlist(session, changed, T0)
    with factory() as session:
        assert session.get_one(models.Source, "interpol-red").next_run_at is None
