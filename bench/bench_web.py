"""Issue 17 figures: the web app's server time with 10,000 people, 100,000 events and 50 advocates,
and a poll cycle's duration with and without 20 requests a second on the app.

    .venv/bin/python bench/bench_web.py [--people 10000] [--events 100000] [--advocates 50]
        [--requests 200] [--database-url postgresql://postgres@127.0.0.1:5432/some_empty_database]

Target: p95 <= 150 ms for /, /people/<id> and /review.

The service as `monitor run` holds it: one process, the watchlist synced (10,000 synthetic
people, the generator of bench_matching.py, each followed by one of 50 advocates; adv-0 is an
admin), the app under uvicorn on 127.0.0.1. Stored history is bulk-inserted:
per person one strongly matched notice, one possible match (a third of them decided), and news
mentions up to the event count. Times are measured by the client over loopback, one request at a
time, so they include uvicorn and HTTP on top of the server's work. The app runs as
`monitor run` runs it (WebProcess: a `monitor web` child process at nice 10), and the 20 requests a second come from
another process. A poll cycle is `monitor poll` of 20 feed sources on a local HTTP server, each answering 50 new items every time.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_matching import make_people  # noqa: E402

from monitor.config.settings import Settings, load_settings  # noqa: E402
from monitor.service.run import _cycle  # noqa: E402
from monitor.service.runtime import Runtime  # noqa: E402
from monitor.store import database, models  # noqa: E402
from monitor.web import auth  # noqa: E402
from monitor.web.server import WebProcess  # noqa: E402
from tests.news import UNRELATED  # noqa: E402
from tests.servers.http_server import HttpTestServer, Reply  # noqa: E402
from tests.servers.smtp_server import free_port  # noqa: E402

SECRET = "bench-web-secret-key-0123456789-abcdefghijklmnop"
NOW = datetime.now(UTC)
WORKERS = 4  # the load's requests overlap, as several advocates' do
FEEDS = 20
ITEMS = 50


def write_watchlist(path: Path, people: int, advocates: int, server: HttpTestServer) -> list[str]:
    generated = make_people(people, random.Random(20260325))
    document = {
        "people": [
            {
                "id": p.id,
                "name": p.name,
                "aliases": list(p.aliases),
                "birth_date": p.birth_date,
                "nationalities": list(p.nationalities),
                "advocates": [f"adv-{n % advocates}"],
            }
            for n, p in enumerate(generated)
        ],
        "advocates": [
            {
                "id": f"adv-{n}",
                "name": f"Advocate {n}",
                "email": f"adv{n}@example.org",
                "role": "admin" if n == 0 else "advocate",
                "digest": "none",
            }
            for n in range(advocates)
        ],
        "sources": [
            {"id": f"feed-{n}", "type": "feed", "url": server.url(f"/feed-{n}"), "interval": "1h"}
            for n in range(FEEDS)
        ],
    }
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")
    return [p.id for p in generated]


def feed_body(counter: itertools.count[int]) -> bytes:
    """50 items never seen before: every poll parses, stores and matches them."""
    batch = next(counter)
    items = "".join(
        f"<item><title>Council news {batch}-{n}</title><link>https://news.example.org/{batch}/{n}</link>"
        f"<guid>{batch}-{n}</guid><description>{UNRELATED}</description></item>"
        for n in range(ITEMS)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>{items}</channel></rss>'.encode()


def fill_history(runtime: Runtime, person_ids: list[str], events: int) -> None:
    """Bulk rows as months of polls would leave them."""
    rng = random.Random(17)
    observations, matches, rows, decisions = [], [], [], []
    next_obs = 1
    per_person = max(3, events // len(person_ids))
    for person in person_ids:
        notice, possible = next_obs, next_obs + 1
        next_obs += 2
        for obs_id, kind, key in (
            (notice, "notice", f"interpol:red:{notice}"),
            (possible, "notice", f"interpol:red:{possible}"),
        ):
            observations.append(
                {
                    "id": obs_id,
                    "key": key,
                    "source_id": "bench",
                    "kind": kind,
                    "title": "SURNAME FORENAME",
                    "content_hash": "h",
                    "data": {"name": "SURNAME", "forename": "FORENAME", "birth_date": "1970"},
                    "first_seen_at": NOW - timedelta(days=200),
                    "last_seen_at": NOW,
                    "last_changed_at": NOW - timedelta(days=200),
                    "present": rng.random() < 0.5,
                    "absent_sweeps": 0,
                    "text": "",
                    "url": None,
                }
            )
        matches.append(
            {
                "observation_id": notice,
                "person_id": person,
                "score": 0.95,
                "band": "strong",
                "explanation": {"summary": "strong"},
                "content_hash": "h",
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
        matches.append(
            {
                "observation_id": possible,
                "person_id": person,
                "score": 0.7,
                "band": "review",
                "explanation": {"summary": "review: birth date conflicts"},
                "content_hash": "h",
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
        when = NOW - timedelta(days=rng.uniform(1, 365))
        rows.append(
            event_row(
                f"pub:{person}",
                person,
                notice,
                "notice_published",
                "high",
                when - timedelta(days=30),
            )
        )
        rows.append(event_row(f"pm:{person}", person, possible, "possible_match", "medium", when))
        if rng.random() < 0.33:
            decisions.append(
                {
                    "person_id": person,
                    "observation_id": possible,
                    "verdict": "not_this_person",
                    "note": "",
                    "material_hash": "h",
                    "decided_at": when + timedelta(days=1),
                    "decided_by": "adv-1",
                }
            )
        for n in range(per_person - 2):
            rows.append(
                event_row(
                    f"news:{person}:{n}",
                    person,
                    None,
                    "news_mention",
                    "low",
                    NOW - timedelta(days=rng.uniform(0, 365)),
                )
            )
    rows = rows[:events]
    with database.transaction(runtime.factory) as session:
        session.add(models.Source(id="bench", type="interpol", config={}, status="ok"))
        session.flush()
        for table, data in (
            (models.Observation, observations),
            (models.MatchRow, matches),
            (models.Event, rows),
            (models.Decision, decisions),
        ):
            for start in range(0, len(data), 5000):
                session.execute(insert(table), data[start : start + 5000])


def event_row(
    key: str, person: str, observation: int | None, kind: str, severity: str, when: datetime
) -> dict[str, object]:
    return {
        "key": key,
        "person_id": person,
        "observation_id": observation,
        "source_id": "bench",
        "type": kind,
        "severity": severity,
        "title": "Council news",
        "url": "https://news.example.org/x",
        "evidence": UNRELATED,
        "details": {"sentence": UNRELATED, "explanation": "surname alone"},
        "baseline": False,
        "detected_at": when,
    }


def start_app(settings: Settings, environ: dict[str, str], port: int) -> WebProcess:
    """The app as `monitor run` starts it beside the scheduler (monitor.web.server.WebProcess)."""
    os.environ.update(environ)  # the child reads its settings from the environment
    process = WebProcess.start(settings)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
            return process
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit("monitor web did not start")


def cookie_for(runtime: Runtime, advocate: str) -> str:
    from monitor.web.signing import Signer

    with database.transaction(runtime.factory) as session:
        return auth.start_session(session, Signer(SECRET), advocate, datetime.now(UTC))


def timings(client: httpx.Client, paths: list[str], count: int) -> list[float]:
    for path in paths[:5]:
        client.get(path)  # warm-up: templates compiled, people cached
    spent = []
    for n in range(count):
        started = time.perf_counter()
        answer = client.get(paths[n % len(paths)])
        spent.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (paths[n % len(paths)], answer.status_code)
    return spent


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def cycle_seconds(runtime: Runtime) -> float:
    started = time.monotonic()
    asyncio.run(_cycle(runtime, (), False))
    return time.monotonic() - started


def load(base: str, cookie: str, paths: list[str], seconds: float, rate: float, sent: Any) -> None:
    """`rate` requests a second on the app for `seconds`, from WORKERS threads (a process of its own)."""

    def worker(offset: int) -> None:
        with httpx.Client(base_url=base, cookies={"rw_session": cookie}, timeout=30) as client:
            start, mine = time.monotonic(), 0
            while time.monotonic() - start < seconds:
                client.get(paths[(offset + mine * WORKERS) % len(paths)])
                mine += 1
                with sent.get_lock():
                    sent.value += 1
                delay = start + mine / (rate / WORKERS) - time.monotonic()
                if delay > 0:
                    time.sleep(delay)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--advocates", type=int, default=50)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-web-"))
    counter = itertools.count()
    with HttpTestServer() as feeds:
        feeds.route_prefix("/feed-", lambda request: Reply.raw(feed_body(counter)))
        person_ids = write_watchlist(folder / "watchlist.yaml", args.people, args.advocates, feeds)
        port = free_port()
        environ = {
            "MONITOR_WATCHLIST": str(folder / "watchlist.yaml"),
            "MONITOR_DATA_DIR": str(folder / "data"),
            "MONITOR_SECRET_KEY": SECRET,
            "MONITOR_WEB_PORT": str(port),
            "MONITOR_LOG_LEVEL": "WARNING",
            **({"MONITOR_DATABASE_URL": args.database_url} if args.database_url else {}),
        }
        settings = load_settings(environ, env_file=folder / "no.env")
        started = time.monotonic()
        runtime = Runtime.open(settings)
        fill_history(runtime, person_ids, args.events)
        with runtime.factory() as session:
            stored = session.query(models.Event).count()
            followed = [
                p
                for p in session.scalars(select(models.PersonRow.id))
                if p in set(person_ids[1 :: args.advocates])
            ]
        print(
            f"set-up: {len(person_ids):,} people, {stored:,} events, {args.advocates} advocates, {time.monotonic() - started:.0f} s"
        )
        server = start_app(settings, environ, port)
        base = f"http://127.0.0.1:{port}"
        advocate, admin = cookie_for(runtime, "adv-1"), cookie_for(runtime, "adv-0")
        people_paths = [
            f"/people/{p}" for p in random.Random(3).sample(followed, min(50, len(followed)))
        ]
        results = {}
        with httpx.Client(base_url=base, cookies={"rw_session": advocate}, timeout=30) as client:
            results[f"/ (advocate: 50 of {len(followed)} people)"] = timings(
                client, ["/"], args.requests
            )
            results["/people/<id> (advocate)"] = timings(client, people_paths, args.requests)
            results["/review (advocate: 20 oldest)"] = timings(client, ["/review"], args.requests)
        with httpx.Client(base_url=base, cookies={"rw_session": admin}, timeout=30) as client:
            results[f"/ (admin, first 50 of {len(person_ids):,})"] = timings(
                client, ["/"], args.requests
            )
            results["/review (admin: 20 oldest of all)"] = timings(
                client, ["/review"], args.requests
            )
        database_name = "PostgreSQL" if args.database_url else "SQLite"
        print(
            f"server time per request, {args.requests} sequential requests each, {database_name} (target p95 <= 150 ms)"
        )
        for name, values in results.items():
            print(
                f"  {name:<32} p50 {statistics.median(values):7.1f} ms   p95 {p95(values):7.1f} ms   max {max(values):7.1f} ms"
            )

        cycle_seconds(runtime)  # first cycle: the feeds' first scan
        quiet = [cycle_seconds(runtime) for _ in range(args.cycles)]
        spawn = multiprocessing.get_context("spawn")
        sent = spawn.Value("i", 0)
        paths = ["/", *people_paths, "/review"]
        seconds = 3 + args.cycles * (statistics.median(quiet) + 2) * 3
        loader = spawn.Process(target=load, args=(base, advocate, paths, seconds, 20.0, sent))
        loader.start()
        time.sleep(3)
        busy_start, sent_before = time.monotonic(), sent.value
        loaded = [cycle_seconds(runtime) for _ in range(args.cycles)]
        rate = (sent.value - sent_before) / (time.monotonic() - busy_start)
        loader.terminate()
        loader.join(10)
        print(
            f"poll cycle ({FEEDS} feeds x {ITEMS} new items, matched against {len(person_ids):,} people), {args.cycles} cycles each"
        )
        print(
            f"  without requests on the app     median {statistics.median(quiet):6.2f} s   ({', '.join(f'{s:.2f}' for s in quiet)})"
        )
        print(
            f"  with {rate:4.1f} requests/s on the app median {statistics.median(loaded):6.2f} s   ({', '.join(f'{s:.2f}' for s in loaded)})"
        )
        server.stop()
        runtime.close()


if __name__ == "__main__":
    main()
