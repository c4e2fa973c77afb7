"""Issue 5 figures: polling 200 feed sources that each answer after 200 ms, and a re-poll of 304s.

Target: the poll completes in <= 1.5 x the ideal time for the configured concurrency, and the
re-poll where every feed answers 304 does no parsing and no matching.

The feeds are spread over 10 local sites (127.0.0.1 to 127.0.0.10, 20 feeds each), so the binding
limit is MONITOR_POLL_CONCURRENCY (8 sources at once; at most 4 requests at once per site).
Ideal time = ceil(200 / 8) x 0.2 s.

    .venv/bin/python bench/bench_feeds.py
"""

from __future__ import annotations

import asyncio
import math
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.service.run import _cycle
from monitor.service.runtime import Runtime
from tests.e2e import settings_for, write_watchlist
from tests.news import NEWS, rss
from tests.servers.http_server import HttpTestServer, Reply

FEEDS, SITES, DELAY = 200, 10, 0.2


def main() -> None:
    import monitor.feeds.parse as feeds

    parsed = {"calls": 0}
    original = feeds.parse_feed

    def counting(*args, **kwargs):  # the bench counts parses; the service is unchanged
        parsed["calls"] += 1
        return original(*args, **kwargs)

    feeds.parse_feed = counting
    import monitor.feeds.collect as collect_feeds

    collect_feeds.parse_feed = counting
    servers = [HttpTestServer(host=f"127.0.0.{n + 1}").start() for n in range(SITES)]
    try:
        sources = []
        for i in range(FEEDS):
            server = servers[i % SITES]
            body = rss([(f"/n/{i}/{j}", f"Item {j}", NEWS[(i + j) % len(NEWS)]) for j in range(10)])
            server.route(
                f"/feed/{i}",
                Reply.raw(body, content_type="application/rss+xml", delay=DELAY, etag=f'"v{i}"'),
            )
            sources.append({"id": f"feed-{i}", "type": "feed", "url": server.url(f"/feed/{i}")})
        tmp = Path(tempfile.mkdtemp(prefix="bench-feeds-"))
        settings = settings_for(tmp, write_watchlist(tmp / "w.yaml", sources))
        runtime = Runtime.open(settings)  # migrations, watchlist sync, index: not part of a poll
        try:
            started, cpu = time.perf_counter(), time.process_time()
            if os.environ.get("BENCH_PROFILE"):
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            first = asyncio.run(_cycle(runtime, (), False))
            if os.environ.get("BENCH_PROFILE"):
                profiler.disable()
                profiler.dump_stats(os.environ["BENCH_PROFILE"])
            first_seconds, first_cpu = time.perf_counter() - started, time.process_time() - cpu
            parses_first = parsed["calls"]
            started = time.perf_counter()
            second = asyncio.run(_cycle(runtime, (), False))
            second_seconds = time.perf_counter() - started
        finally:
            runtime.close()
    finally:
        for server in servers:
            server.stop()
    ideal = math.ceil(FEEDS / settings.poll_concurrency) * DELAY
    print(f"sources: {FEEDS} feeds on {SITES} sites, each answering after {DELAY * 1000:.0f} ms")
    print(f"concurrency: {settings.poll_concurrency} sources at once; ideal {ideal:.1f} s")
    print(
        f"first poll (parse, match, store {sum(o.items for o in first)} items): {first_seconds:.2f} s "
        f"= {first_seconds / ideal:.2f} x ideal (target <= 1.5 x); ok: {sum(o.ok for o in first)}/{FEEDS}; "
        f"CPU {first_cpu:.2f} s"
    )
    print(
        f"re-poll, every feed 304: {second_seconds:.2f} s = {second_seconds / ideal:.2f} x ideal; "
        f"items parsed: {sum(o.items for o in second)}, parse calls: {parsed['calls'] - parses_first}, "
        f"events: {sum(o.events for o in second)}"
    )
    print(f"load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
