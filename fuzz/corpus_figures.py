"""Figures for docs/hostile.md: each large hostile input, its outcome, time and peak memory.

    .venv/bin/python -m fuzz.corpus_figures

Each generated input of tests/fixtures/hostile/README.md (feeds, pages, INTERPOL) is served by a
local HttpTestServer to one real poll cycle of its own (SQLite, in this process), and the script
prints what the poll said, how long the cycle took and how far resident memory rose (VmHWM) in a
fresh process, then the size of the corpus. Speed figures live here, never in tests.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.e2e import cycle, settings_for, write_watchlist
from tests.fixtures.hostile.corpus import (
    GENERATED,
    GENERATED_DETAILS,
    MIB,
    interpol_stub,
    manifest,
    peak_memory,
)
from tests.servers.http_server import HttpTestServer

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("feeds", "pages", "interpol")


def source(section: str, server: HttpTestServer, name: str) -> dict[str, object]:
    if section == "interpol":
        detail = GENERATED_DETAILS.get(name)
        base = interpol_stub(server, "/api", GENERATED[name](), detail)
        return {"id": "large", "type": "interpol", "base_url": base, "rate": 100}
    server.route("/large", GENERATED[name]())
    if section == "feeds":
        return {"id": "large", "type": "feed", "url": server.url("/large")}
    return {
        "id": "large",
        "type": "page",
        "url": server.url("/large"),
        "item_selector": "ul.items > li",
        "link_selector": "a",
        "title_selector": ".title",
    }


def measure(section: str, name: str) -> str:
    with tempfile.TemporaryDirectory() as folder, HttpTestServer() as server:
        tmp = Path(folder)
        settings = settings_for(
            tmp, write_watchlist(tmp / "w.yaml", [source(section, server, name)]), **ENV
        )
        started = time.monotonic()
        [outcome], peak = peak_memory(lambda: cycle(settings))
        seconds = time.monotonic() - started
    said = "ok" if outcome.ok else f"failed: {outcome.error}"
    if outcome.ok and outcome.warnings:
        said = f"ok, warned: {'; '.join(outcome.warnings)}"
    return f"| {section}/{name} | {said[:70]} | {seconds:.1f} s | {peak / MIB:.0f} MiB |"


ENV = {"log_level": "ERROR"}


def repeated_mentions(count: int = 10_000) -> str:
    """The matching cost of a text that repeats one watched name (linear, but not free)."""
    from monitor.config.watchlist import load_watchlist
    from monitor.service.runtime import build_index

    index = build_index(load_watchlist(ROOT / "watchlist.yaml"))
    started = time.process_time()
    found = len(index.match_text("Mukhtar Ablyazov " * count))
    seconds = time.process_time() - started
    return f"matching {count:,} repeated mentions: {seconds:.1f} s CPU, {found:,} found"


def main() -> None:
    if len(sys.argv) == 3:  # one measure, in a fresh process: freed memory of others hides peaks
        logging.getLogger().addHandler(logging.NullHandler())
        print(measure(sys.argv[1], sys.argv[2]), flush=True)
        return
    print("| input | outcome | cycle | peak memory |")
    print("|---|---|---|---|")
    for section in SECTIONS:
        for entry in manifest(section):
            name = entry.name.removeprefix("generated:")
            if entry.generated and name in GENERATED:
                command = [sys.executable, "-m", "fuzz.corpus_figures", section, name]
                subprocess.run(command, check=True, cwd=ROOT)  # noqa: S603 (our own module)
    print(f"\n{repeated_mentions()}")
    sections = ("feeds", "pages", "watch", "interpol", "watchlists", "settings")
    counts = {section: len(manifest(section)) for section in sections}
    generated = sum(e.generated for section in sections for e in manifest(section))
    print(f"\ninputs in the manifest: {sum(counts.values())} ({generated} generated): {counts}")


if __name__ == "__main__":
    main()
