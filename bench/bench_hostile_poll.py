"""Issue 14's hostile-feeds figure: the wall time of one `monitor poll` whose sources are a feed
that drips one byte a second forever, a 60 MB body, a gzip bomb, billion laughs and an external
entity, beside one good feed that has news for a watched person.

A real `monitor poll` process (default settings: MONITOR_HTTP_DEADLINE 60 s) against a real
HTTP server on 127.0.0.1; a first poll records the baseline, the second one is timed. Prints each
source's outcome line, whether the good feed's alert was written, and the wall time (about two
minutes in all).

    .venv/bin/python bench/bench_hostile_poll.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the servers and hostile inputs live with the tests

from tests.e2e import write_watchlist  # noqa: E402
from tests.fixtures.hostile.corpus import (  # noqa: E402
    MIB,
    NAME_TEXT,
    gzip_bomb,
    manifest,
    rss,
    rss_item,
)
from tests.servers.http_server import HttpTestServer, Reply  # noqa: E402

FEEDS = {entry.name: entry for entry in manifest("feeds")}


def routes(server: HttpTestServer) -> dict[str, str]:
    """Serve the hostile inputs and the good feed; {source id: url}."""
    hostile = {
        "drip": Reply.raw(b"", drip=1.0),
        "body-60mb": Reply.huge(60 * MIB),
        "gzip-bomb": gzip_bomb(),
        "billion-laughs": Reply.raw(FEEDS["billion-laughs.xml"].body(server.base_url)),
        "external-entity": Reply.raw(FEEDS["xxe-file.xml"].body(server.base_url)),
    }
    for name, reply in hostile.items():
        server.route(f"/{name}", reply)
    empty = Reply.raw(rss(""), content_type="application/rss+xml")
    server.route("/good", empty, Reply.raw(rss(rss_item("News", "/news", NAME_TEXT))))
    return {name: server.url(f"/{name}") for name in [*hostile, "good"]}


def poll(folder: Path, watchlist: Path) -> tuple[float, str]:
    environ = {
        **os.environ,
        "MONITOR_WATCHLIST": str(watchlist),
        "MONITOR_DATA_DIR": str(folder / "data"),
        "MONITOR_LOG_LEVEL": "ERROR",
    }
    started = time.monotonic()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "monitor"), "poll"],
        env=environ,
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return time.monotonic() - started, done.stdout + done.stderr


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, HttpTestServer() as server:
        folder = Path(tmp)
        sources = [
            {"id": source_id, "type": "feed", "url": url, "kind": "news"}
            for source_id, url in routes(server).items()
        ]
        watchlist = write_watchlist(folder / "watchlist.yaml", sources)
        first, _ = poll(folder, watchlist)
        seconds, output = poll(folder, watchlist)
        alerts = sorted((folder / "data").rglob("*.eml"))
    print(output.strip())
    print()
    print(f"first poll (baseline): {first:.1f} s")
    print(f"good feed's alert written: {'yes' if alerts else 'NO'} ({len(alerts)} emails)")
    print("monitor poll with the drip, 60 MB body, gzip bomb, billion laughs, external entity and")
    print(f"one good feed: {seconds:.1f} s wall time (target <= 65 s)")


if __name__ == "__main__":
    main()
