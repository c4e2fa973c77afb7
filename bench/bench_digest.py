"""Issue 6 figure: rendering and queueing a weekly digest for 50 advocates over 10,000 events.

Target: <= 5 s. Builds a SQLite database with 500 watched people, 50 advocates (each following
40 people) and 10,000 events spread over the week, then times `queue_due_digests` and the
rendering of every digest email (`build_message`), as the delivery step does before sending.

    .venv/bin/python bench/bench_digest.py
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from monitor.config.watchlist import Advocate, WatchedPerson, Watchlist
from monitor.outbox.compose import Mailing, build_message
from monitor.outbox.digest import queue_due_digests
from monitor.outbox.templates import default_templates_dir
from monitor.outbox.transports import OutboxTransport
from monitor.store import database, models
from monitor.store.sync import sync_watchlist

PEOPLE, ADVOCATES, EVENTS, FOLLOWS = 500, 50, 10_000, 40
END = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # Monday 08:00 in Paris
TYPES = ["news_mention", "court_item", "notice_published", "possible_match", "page_changed"]


def watchlist(rng: random.Random) -> Watchlist:
    advocates = tuple(
        Advocate(id=f"adv-{a}", name=f"Advocate {a}", email=f"adv{a}@example.org")
        for a in range(ADVOCATES)
    )
    followers: dict[int, list[str]] = {p: [] for p in range(PEOPLE)}
    for a in range(ADVOCATES):
        for p in rng.sample(range(PEOPLE), FOLLOWS):
            followers[p].append(f"adv-{a}")
    people = tuple(
        WatchedPerson(
            id=f"person-{p}", name=f"Person {p} Surname{p}", advocates=followers[p] or ["adv-0"]
        )
        for p in range(PEOPLE)
    )
    return Watchlist(people=people, advocates=advocates)


def main() -> None:
    rng = random.Random(7)
    folder = Path(tempfile.mkdtemp(prefix="bench-digest-"))
    engine = database.create_db_engine(f"sqlite:///{folder / 'db.sqlite3'}")
    database.upgrade(engine)
    factory = database.make_session_factory(engine)
    with database.transaction(factory) as session:
        sync_watchlist(session, watchlist(rng), END - timedelta(days=30))
        session.add_all(
            models.Event(
                key=f"e{i}",
                person_id=f"person-{rng.randrange(PEOPLE)}",
                type=rng.choice(TYPES),
                severity=rng.choice(["high", "medium", "low"]),
                title=f"Item {i} <b>title</b>",
                url=f"https://news.example.org/{i}",
                evidence=f"Sentence {i} naming Person Surname.",
                detected_at=END - timedelta(seconds=rng.randrange(7 * 86400)),
                details={"sentence": f"Sentence {i} naming Person Surname.", "spans": [[16, 30]]},
            )
            for i in range(EVENTS)
        )
    mailing = Mailing(
        OutboxTransport(folder / "outbox"),
        "r <r@example.org>",
        default_templates_dir(),
        ZoneInfo("Europe/Paris"),
    )

    started, cpu = time.perf_counter(), time.process_time()
    with database.transaction(factory) as session:
        queued = queue_due_digests(session, END + timedelta(minutes=1), ZoneInfo("Europe/Paris"))
    queue_seconds = time.perf_counter() - started
    ids = [d.id for d in queued]
    sizes = []
    with factory() as session:
        for delivery_id in ids:
            sizes.append(len(build_message(session, mailing, delivery_id).as_bytes()))
    total, cpu = time.perf_counter() - started, time.process_time() - cpu
    with factory() as session:
        events_in_period = len(session.scalars(select(models.Event.id)).all())
    engine.dispose()
    print(f"advocates: {len(ids)}, events: {events_in_period}, people: {PEOPLE}")
    print(f"queue digests: {queue_seconds:.2f} s")
    print(
        f"queue + render {len(ids)} digests (text + HTML): {total:.2f} s wall, {cpu:.2f} s CPU (target <= 5 s)"
    )
    print(f"load average while measuring: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"average email size: {sum(sizes) / len(sizes) / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
