"""The `monitor` command: parse arguments, then call the sub-command's file in monitor/commands/.

Rules:
- a sub-command's module is imported only when it runs, so `monitor --help` answers at once;
- a known error (bad setting, broken watchlist, unreachable database) prints one clear message and
  exits 1; a usage error exits 2;
- an unexpected error never prints a stack trace: the trace goes to a private file in the data folder.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2
Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    os.umask(0o077)  # everything the service writes (database, outbox, archive) is private
    return _run(args.command, args)


def _handler(command: tuple[str, str]) -> Handler:
    """The sub-command's function in monitor/commands/, imported only when it runs."""
    module, function = command
    handler: Handler = getattr(importlib.import_module(f"monitor.commands.{module}"), function)
    return handler


def _run(command: tuple[str, str], args: argparse.Namespace) -> int:
    from monitor.exc import MonitorError

    try:
        return _handler(command)(args)
    except MonitorError as exc:
        print(f"monitor: {exc}", file=sys.stderr)
        return EXIT_PROBLEM
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the last line of defence: no stack trace on screen
        from monitor.store.database import describe_failure

        path = _write_crash_report()
        said = describe_failure(exc) or f"internal error ({type(exc).__name__})"
        print(f"monitor: {said}; details written to {path}", file=sys.stderr)
        return EXIT_PROBLEM


def _write_crash_report() -> str:
    import tempfile
    import traceback

    directory = os.environ.get("MONITOR_DATA_DIR", "data")
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
    except OSError:
        directory = tempfile.gettempdir()
    path = os.path.join(directory, "last-error.log")
    with open(path, "w", encoding="utf-8") as handle:
        traceback.print_exc(file=handle)
    return path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="monitor",
        description="redwatch: watches INTERPOL notices, court and news sources for the people in "
        "watchlist.yaml and alerts their advocates.",
    )
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    _add_check(commands)
    _add_db(commands)
    _add_poll(commands)
    _add_run(commands)
    _add_digest(commands)
    _add_events(commands)
    _add_status(commands)
    _add_decide(commands)
    _add_evidence(commands)
    _add_web(commands)  # issue 17: the web app
    return parser


def _version() -> str:
    from monitor import __version__

    return f"redwatch {__version__}"


def _add_check(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = commands.add_parser(
        "check",
        help="validate watchlist.yaml and the settings",
        description="Report every problem in watchlist.yaml and the MONITOR_* settings, as "
        "FILE:LINE:COLUMN: message. Exit 1 on any problem, 0 when all is well.",
    )
    cmd.add_argument("--watchlist", help="the watchlist to check (default: MONITOR_WATCHLIST)")
    cmd.set_defaults(command=("check", "run"))


def _add_db(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = commands.add_parser(
        "db", help="database schema", description="Manage the database schema."
    )
    sub = cmd.add_subparsers(title="actions", metavar="ACTION")
    up = sub.add_parser(
        "upgrade",
        help="migrate the database to this version's schema",
        description="Apply the migrations shipped with this version to MONITOR_DATABASE_URL "
        "(the SQLite file in MONITOR_DATA_DIR by default). Safe to run again.",
    )
    up.set_defaults(command=("db", "upgrade"))
    current = sub.add_parser(
        "current",
        help="show the schema revision of the database",
        description="Print the database's schema revision and whether it is this version's.",
    )
    current.set_defaults(command=("db", "current"))


def _add_poll(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = commands.add_parser(
        "poll",
        help="run one cycle now: fetch, match, store, deliver",
        description="Poll the enabled sources once (or those named), match, store, deliver, and "
        "print a summary. Exit 1 if any source failed.",
    )
    cmd.add_argument("--source", action="append", default=[], metavar="ID", help="only this source")
    cmd.add_argument("--full", action="store_true", help="force a full INTERPOL sweep")
    cmd.set_defaults(command=("poll", "run"))


def _add_run(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = commands.add_parser(
        "run",
        help="run the service: poll on schedule, deliver alerts, send digests",
        description="The long-running service. Stops cleanly on SIGTERM or Ctrl-C.",
    )
    cmd.set_defaults(command=("run", "run"))


def _add_digest(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = commands.add_parser(
        "digest",
        help="print (or send) an advocate's digest",
        description="Print each advocate's digest of the last DAYS days, or send it by email "
        "with --send (the service sends them itself at 08:00 in MONITOR_TIMEZONE).",
    )
    cmd.add_argument("--send", action="store_true", help="send it instead of printing it")
    cmd.add_argument("--advocate", metavar="ID", help="only this advocate")
    cmd.add_argument("--days", type=int, default=7, help="period length in days (default 7)")
    cmd.set_defaults(command=("digest", "run"))


def _add_events(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = commands.add_parser(
        "events",
        help="list stored events",
        description="List the stored events, oldest first: time with its zone (MONITOR_TIMEZONE), "
        "what happened in words, the person and the source.",
    )
    cmd.add_argument(
        "--person", metavar="ID", help="only this person's events (an id in watchlist.yaml)"
    )
    cmd.add_argument("--since", type=_parse_date, metavar="DATE", help="only events since DATE")
    cmd.add_argument("--json", action="store_true", help="one JSON object per line")
    cmd.add_argument(
        "--weak", action="store_true", help="the weak matches kept for review (no alert was sent)"
    )
    cmd.set_defaults(command=("events", "run"))


def _add_status(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = commands.add_parser(
        "status",
        help="sources' health, delivery queue, last digests",
        description="Show each source's health and next run, the delivery queue and each "
        "advocate's last digest. Exit 1 when a source needs an admin (blocked, or failing for "
        "more than a day) or an email could not be delivered.",
    )
    cmd.add_argument("--json", action="store_true", help="machine-readable output")
    cmd.set_defaults(command=("status", "run"))


def _add_decide(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = commands.add_parser(
        "decide",
        help="record a human verdict on a possible match",
        description="Record an advocate's verdict on a possible match. A dismissed pair stays "
        "silent until the notice's names, birth date or nationalities change.",
    )
    cmd.add_argument("event_id", type=int, help="the event's number, as `monitor events` shows it")
    verdict = cmd.add_mutually_exclusive_group(required=True)
    verdict.add_argument(
        "--not-this-person", action="store_true", help="the record is about someone else"
    )
    verdict.add_argument("--confirmed", action="store_true", help="the record is about this person")
    cmd.add_argument("--note", default="", help="why, in a few words (kept with the verdict)")
    cmd.set_defaults(command=("decide", "run"))


def _add_evidence(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = commands.add_parser(
        "evidence",
        help="export a person's evidence bundle",
        description="Write a zip of every stored version of every item about a person (raw "
        "bytes, status, headers, retrieval time), their timeline and a manifest of SHA-256 hashes.",
    )
    cmd.add_argument("person_id", help="the person's id in watchlist.yaml")
    cmd.add_argument("--out", required=True, metavar="FILE.zip", help="the zip file to write")
    cmd.set_defaults(command=("evidence", "run"))


# --- issue 17: the web app ---
def _add_web(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = commands.add_parser(
        "web",
        help="serve the advocates' web app",
        description="Serve the web app on MONITOR_WEB_HOST:MONITOR_WEB_PORT (default "
        "127.0.0.1:8000) until SIGTERM or Ctrl-C. Needs MONITOR_SECRET_KEY. `monitor run` serves "
        "it too when MONITOR_WEB_PORT is set.",
    )
    cmd.add_argument(
        "--parent-pid",
        type=int,
        metavar="PID",
        help="stop when process PID ends (how `monitor run` starts the app beside it)",
    )
    cmd.set_defaults(command=("web", "run"))


# --- end of issue 17 ---
def _parse_date(value: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date: write YYYY-MM-DD") from None
