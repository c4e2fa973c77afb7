"""`monitor` in a real process, with the faults a test cannot give it from outside.

    python tests/servers/faults_launcher.py --at 2026-03-03T09:00:00+00:00 --stacks S -- poll

Everything after `--` is `monitor`'s own command line, run by `monitor.cli.main` as
`python -m monitor` runs it. Before that, the launcher changes the process's world, never its code:

- `--at`: the wall clock (datetime.now, time.time) starts at this moment and ticks at the real
  rate (time-machine), so a restart "three minutes later" costs no waiting: the leases of a killed
  process have lapsed. The monotonic clock (timeouts, asyncio) is untouched;
- `--stacks FILE`: SIGUSR2 writes the Python stack of every thread to FILE (faulthandler), so a
  harness can record where the SIGKILL that follows landed;
- `--sqlite-max-pages N`: every SQLite connection may grow the database file to N pages and no
  further (`PRAGMA max_page_count`): a full disk, which this machine cannot provide for real;
- `--sqlite-read-only`: every SQLite connection refuses writes (`PRAGMA query_only`): a database
  file that became read-only (the tests run as root, who may write any file).

The harness side (start a process through the launcher) is tests/servers/faults_process.py: this
file runs as a script, with only the standard library, time-machine and `monitor` to import.
"""

from __future__ import annotations

import argparse
import faulthandler
import signal
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

_KEPT: list[TextIO] = []  # faulthandler writes to the stream for the life of the process


def parse(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="faults_launcher")
    parser.add_argument("--at", type=datetime.fromisoformat, default=None)
    parser.add_argument("--stacks", type=Path, default=None)
    parser.add_argument("--sqlite-max-pages", type=int, default=None)
    parser.add_argument("--sqlite-read-only", action="store_true")
    argv = list(argv)
    split = argv.index("--") if "--" in argv else len(argv)
    return parser.parse_args(argv[:split]), argv[split + 1 :]


def shift_clock(at: datetime) -> None:
    import time_machine

    time_machine.travel(at, tick=True).start()


def dump_stacks_on_sigusr2(path: Path) -> None:
    stream = path.open("w", encoding="utf-8")
    _KEPT.append(stream)
    faulthandler.register(signal.SIGUSR2, file=stream, all_threads=True)


def limit_sqlite(max_pages: int | None, read_only: bool) -> None:
    """Apply the pragmas to every SQLite connection this process opens."""
    from sqlalchemy import Engine, event

    def pragmas(dbapi_connection: Any, _record: Any) -> None:
        if not type(dbapi_connection).__module__.startswith("sqlite3"):
            return
        cursor = dbapi_connection.cursor()
        if max_pages is not None:
            cursor.execute(f"PRAGMA max_page_count = {int(max_pages)}")
        if read_only:
            cursor.execute("PRAGMA query_only = 1")
        cursor.close()

    event.listen(Engine, "connect", pragmas)


def main(argv: Sequence[str]) -> int:
    options, command = parse(argv)
    if options.at is not None:
        shift_clock(options.at)
    if options.stacks is not None:
        dump_stacks_on_sigusr2(options.stacks)
    if options.sqlite_max_pages is not None or options.sqlite_read_only:
        limit_sqlite(options.sqlite_max_pages, options.sqlite_read_only)
    from monitor.cli import main as monitor_main

    return monitor_main(command)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
