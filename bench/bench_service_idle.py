"""Issue 7 figure: an idle `monitor run` with 10,000 watched people and 50 sources.

Targets: <= 1% of one core averaged over a minute between polls, <= 300 MB resident.

    .venv/bin/python bench/bench_service_idle.py [--people 10000] [--sources 50] [--seconds 60]
        [--database-url postgresql://postgres@127.0.0.1:5432/some_empty_database]

A real `monitor run` process (SQLite in a temporary folder unless a database URL is given, which
must be migrated) on a watchlist of synthetic people (the generator of bench_matching.py) and 50
feed sources on a local HTTP server that answers 304 once it has served a feed. The source interval
is 15 minutes, so after every source's first poll the measured minute has no poll in it: what is
measured is the idle cost (scheduler, heartbeat, watchlist checks, delivery checks). CPU comes from
/proc/<pid>/stat (user + system time), memory from /proc/<pid>/status (VmRSS now, VmHWM peak).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_matching import make_people  # noqa: E402 (the same synthetic people as issue 3)

from tests.servers.http_server import HttpTestServer, Reply  # noqa: E402
from tests.servers.service_process import MonitorProcess  # noqa: E402
from tests.test_poll_news import UNRELATED, rss  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def watchlist(path: Path, people: int, server: HttpTestServer, sources: int) -> None:
    generated = make_people(people, random.Random(20260325))
    document = {
        "people": [
            {
                "id": p.id,
                "name": p.name,
                "aliases": list(p.aliases),
                "birth_date": p.birth_date,
                "nationalities": list(p.nationalities),
                "sex": p.sex,
                "advocates": ["legal"],
            }
            for p in generated
        ],
        "advocates": [{"id": "legal", "name": "Legal team", "email": "legal@example.org"}],
        "sources": [
            {"id": f"feed-{n}", "type": "feed", "url": server.url(f"/feed-{n}"), "interval": "15m"}
            for n in range(sources)
        ],
    }
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def memory_mb(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--sources", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-idle-"))
    with HttpTestServer() as server:
        body = rss([("/a", "Budget", UNRELATED)])
        server.route_prefix("/feed-", lambda request: Reply.raw(body, etag='"v1"'))
        watchlist(folder / "watchlist.yaml", args.people, server, args.sources)
        environ = {
            "MONITOR_WATCHLIST": str(folder / "watchlist.yaml"),
            "MONITOR_DATA_DIR": str(folder / "data"),
        }
        if args.database_url:
            environ["MONITOR_DATABASE_URL"] = args.database_url
        started = time.monotonic()
        with MonitorProcess(environ, folder) as service:
            service.wait_for_log(lambda e: e["msg"] == "service started", 600)
            ready = time.monotonic() - started
            at_start = memory_mb(service.pid, "VmRSS")
            service.wait_for_log(
                lambda e: sum(x["msg"] == "source polled" for x in service.logs()) >= args.sources,
                300,
                "every source's first poll",
            )
            polled = time.monotonic() - started
            time.sleep(5)  # let the last deliveries and digests settle
            before, clock = cpu_seconds(service.pid), time.monotonic()
            requests = server.count()
            time.sleep(args.seconds)
            used, elapsed = cpu_seconds(service.pid) - before, time.monotonic() - clock
            resident, peak = memory_mb(service.pid, "VmRSS"), memory_mb(service.pid, "VmHWM")
            idle_requests = server.count() - requests
            service.terminate(timeout=15)
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"monitor run, {args.people:,} people, {args.sources} sources (15m), {database}")
    print(f"  start to 'service started'       {ready:8.1f} s")
    print(f"  start to every first poll done   {polled:8.1f} s")
    print(
        f"  CPU over {elapsed:.0f} s idle             {100 * used / elapsed:8.2f} % of one core  (target <= 1%)"
    )
    print(f"  resident memory when started     {at_start:8.1f} MB")
    print(f"  resident memory (VmRSS)          {resident:8.1f} MB  (target <= 300 MB)")
    print(f"  peak resident memory (VmHWM)     {peak:8.1f} MB")
    print(f"  requests during the idle minute  {idle_requests:8d}  (0: no poll fell inside it)")


if __name__ == "__main__":
    main()
