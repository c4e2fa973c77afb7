"""Starting `monitor` through tests/servers/faults_launcher.py: a shifted clock, stack dumps, SQLite
limits (see the launcher for what each fault does).

    with ShiftedMonitor(environ, folder, ["poll"], at=start + timedelta(minutes=3)) as service:
        ...
    done = run_shifted(environ, folder, ["status", "--json"], at=later)

Rules:
- the process is `monitor ARGS` as an admin runs it; only its clock and its disk are changed;
- `ShiftedMonitor` is a MonitorProcess (same output collection, `kill()` on exit of the `with`).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from tests.servers.service_process import MonitorProcess, clean_environ

LAUNCHER = Path(__file__).resolve().with_name("faults_launcher.py")


def launcher_args(
    command: Sequence[str],
    *,
    at: datetime | None = None,
    stacks: Path | None = None,
    sqlite_max_pages: int | None = None,
    sqlite_read_only: bool = False,
) -> list[str]:
    """The argv (after the interpreter) that runs `monitor COMMAND` with these faults."""
    args = [str(LAUNCHER)]
    if at is not None:
        args += ["--at", at.isoformat()]
    if stacks is not None:
        args += ["--stacks", str(stacks)]
    if sqlite_max_pages is not None:
        args += ["--sqlite-max-pages", str(sqlite_max_pages)]
    if sqlite_read_only:
        args.append("--sqlite-read-only")
    return [*args, "--", *command]


def run_shifted(
    environ: Mapping[str, str],
    cwd: Path,
    command: Sequence[str],
    *,
    at: datetime | None = None,
    sqlite_max_pages: int | None = None,
    sqlite_read_only: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run `monitor COMMAND` to its end through the launcher (no MONITOR_* of the developer)."""
    return subprocess.run(
        [
            sys.executable,
            *launcher_args(
                command,
                at=at,
                sqlite_max_pages=sqlite_max_pages,
                sqlite_read_only=sqlite_read_only,
            ),
        ],
        cwd=cwd,
        env=clean_environ(environ),
        capture_output=True,
        text=True,
        timeout=120,
    )


class ShiftedMonitor(MonitorProcess):
    """A MonitorProcess started through the launcher, at `at`, dumping its stacks into `stacks`."""

    def __init__(
        self,
        environ: Mapping[str, str],
        cwd: Path,
        args: Sequence[str] = ("run",),
        *,
        at: datetime | None = None,
        stacks: Path | None = None,
    ) -> None:
        super().__init__(environ, cwd, args)
        self.at = at
        self.stacks = stacks

    def __enter__(self) -> ShiftedMonitor:
        return self.start()

    def command(self) -> list[str]:
        return [sys.executable, *launcher_args(self.args, at=self.at, stacks=self.stacks)]

    def start(self) -> ShiftedMonitor:
        super().start()
        return self
