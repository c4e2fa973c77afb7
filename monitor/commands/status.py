"""`monitor status`: the sources' health, the delivery queue and the last digests.

Rules:
- a table of the live sources (last success, consecutive failures, next run, items seen, last
  error), the delivery queue, and each advocate's last digest; `--json` prints the same data;
- each source's problem as store/health.py defines it (the digest's "source problems");
- exit 1 when something needs an admin: a source failing for more than a day (or blocked), an
  email that could not be delivered, or one still being retried more than an hour after it was due,
  or a watched person's INTERPOL notice that could not be checked for more than two days;
- it says when INTERPOL withdrawals cannot be confirmed: for how many stored notices, since when
  and why (monitor.store.withdrawals);
- nothing here shows a watched person's name: sources, advocates and deliveries only.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

from monitor.commands.common import session_for, settings
from monitor.config.settings import Settings
from monitor.store import Session, deliveries, models, people, sources
from monitor.store.health import needs_admin, source_problem
from monitor.store.models import utcnow
from monitor.store.withdrawals import withdrawal_health

EMAIL_LATE_AFTER = timedelta(hours=1)
WIDE = 160


def run(args: argparse.Namespace) -> int:
    return print_status(settings(), as_json=args.json)


def status_data(session: Session, now: datetime | None = None) -> dict[str, Any]:
    """Sources' health, the delivery queue and the last runs; `attention` lists what needs an admin."""
    now = now or utcnow()
    live = [_source_status(session, row, now) for row in sources.live(session)]
    queue = deliveries.count_by_status(session)
    attention = [f"source {s['id']}: {s['problem']}" for s in live if s["needs_admin"]]
    failed = _failed_deliveries(session)
    notes = [s["withdrawals"]["summary"] for s in live if (s["withdrawals"] or {}).get("summary")]
    if failed:
        attention.append(
            f"{counted([f['channel'] for f in failed])} could not be delivered (see failed_deliveries)"
        )
    # Waiting for another try after a temporary failure (SMTP down, 4xx, TLS, a channel's
    # service refusing or unreachable).
    retrying = deliveries.retrying(session)
    late = [d for d in retrying if now - d.created_at > EMAIL_LATE_AFTER]
    if late:
        attention.append(
            f"{counted([d.channel_label for d in late])} not delivered for more than an hour, "
            f"still retried: {late[-1].last_error}"
        )
    return {
        "sources": live,
        "queue": queue,
        "failed_deliveries": failed,
        "retrying_deliveries": [_retrying_view(d) for d in retrying],
        "digests": _last_digests(session),
        "withdrawal_notes": notes,
        "attention": attention,
    }


def _source_status(session: Session, row: models.Source, now: datetime) -> dict[str, Any]:
    withdrawals = withdrawal_health(session, row, now) if row.enabled else None
    problem = source_problem(row)
    # What INTERPOL's withdrawals cannot confirm is an admin's to look at, as a blocked site is.
    if withdrawals and withdrawals.problem and problem != withdrawals.problem:
        problem = f"{problem}; {withdrawals.problem}" if problem else withdrawals.problem
    admin = needs_admin(row, now) or bool(withdrawals and withdrawals.problem)
    return {
        "id": row.id,
        "type": row.type,
        "enabled": row.enabled,
        "status": row.status if row.enabled else "disabled",
        "last_success_at": _iso(row.last_success_at),
        "last_attempt_at": _iso(row.last_attempt_at),
        "next_run_at": _iso(row.next_run_at),
        "consecutive_failures": row.consecutive_failures,
        "last_error": row.last_error,
        "items_seen": row.items_seen,
        "polling_now": row.lease_owner if row.lease_until and row.lease_until > now else None,
        "withdrawals": withdrawals.as_dict() if withdrawals else None,
        "problem": problem,
        "needs_admin": admin,
    }


def _failed_deliveries(session: Session) -> list[dict[str, Any]]:
    return [
        {
            "id": d.id,
            "advocate_id": d.advocate_id,
            "kind": d.kind,
            "channel": d.channel_label,
            "error": d.last_error,
        }
        for d in deliveries.failed(session)
    ]


def counted(channels: list[str]) -> str:
    """'2 email(s), 1 message(s) on tgram': deliveries counted per channel."""
    counts = Counter(channels)
    return ", ".join(
        f"{n} email(s)" if channel == "email" else f"{n} message(s) on {channel}"
        for channel, n in sorted(counts.items(), key=lambda item: item[0] != "email")
    )


def _retrying_view(d: models.Delivery) -> dict[str, Any]:
    return {
        "id": d.id,
        "advocate_id": d.advocate_id,
        "kind": d.kind,
        "channel": d.channel_label,
        "attempts": d.attempts,
        "created_at": _iso(d.created_at),
        "next_attempt_at": _iso(d.next_attempt_at),
        "error": d.last_error,
    }


def _last_digests(session: Session) -> list[dict[str, Any]]:
    """Each current advocate's most recent digest (by the end of its period), or none yet."""
    rows = []
    for advocate in people.current_advocates(session):
        last = deliveries.last_digest(session, advocate.id)
        rows.append(
            {
                "advocate_id": advocate.id,
                "frequency": advocate.spec.get("digest", "weekly"),
                "period_end": _iso(last.period_end) if last else None,
                "status": last.status if last else None,
                "sent_at": _iso(last.sent_at) if last else None,
            }
        )
    return rows


def _iso(when: datetime | None) -> str | None:
    return when.isoformat(timespec="seconds") if when else None


def print_status(settings: Settings, as_json: bool) -> int:
    with session_for(settings) as session:
        data = status_data(session)
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        # Piped into a file or a mail, the tables keep their columns instead of an 80-column squeeze.
        width = None if sys.stdout.isatty() else WIDE
        sys.stdout.write(render_status(data, settings.tz, width))
    return 1 if data["attention"] else 0


def render_status(data: dict[str, Any], tz: tzinfo, width: int | None) -> str:
    """The status as tables for a terminal `width` columns wide (None: the terminal's own).

    - errors are never cut: each source's problem or last error is a full line under the table,
      wrapped at words;
    - table cells fold rather than end in an ellipsis.
    """
    from io import StringIO

    from rich.console import Console
    from rich.markup import escape

    out = StringIO()
    console = Console(file=out, width=width or Console().width, force_terminal=False)
    console.print(_source_table(data["sources"], tz))
    for s in data["sources"]:
        said = s["problem"] or s["last_error"]
        if said:
            console.print(f"  {escape(s['id'])}: {escape(said)}")
    queue = data["queue"]
    console.print(
        f"Delivery queue: {queue['pending']} pending, {queue['sending']} sending, "
        f"{queue['sent']} sent, {queue['failed']} failed"
    )
    if data["retrying_deliveries"]:
        last = data["retrying_deliveries"][-1]
        waiting = counted([d["channel"] for d in data["retrying_deliveries"]])
        console.print(f"Retrying: {waiting}; last error: {escape(last['error'])}")
    console.print(_digest_table(data["digests"], tz))
    for line in data["withdrawal_notes"]:
        console.print(f"[bold]withdrawals:[/] {escape(line)}")
    for line in data["attention"]:
        console.print(f"[bold red]needs attention:[/] {escape(line)}")
    return out.getvalue()


def _source_table(sources: list[dict[str, Any]], tz: tzinfo) -> Any:
    columns = (
        "id",
        "type",
        "status",
        "last success",
        "fails",
        "next run",
        "items",
    )
    rows = [
        (
            s["id"],
            s["type"],
            s["status"],
            _local(s["last_success_at"], tz, "never"),
            str(s["consecutive_failures"]),
            _local(s["next_run_at"], tz, "-"),
            str(s["items_seen"]),
        )
        for s in sources
    ]
    return _table(f"Sources (times in {tz})", columns, rows)


def _digest_table(digests: list[dict[str, Any]], tz: tzinfo) -> Any:
    columns = ("advocate", "frequency", "last period ended", "status", "sent")
    rows = [
        (
            d["advocate_id"],
            str(d["frequency"]),
            _local(d["period_end"], tz, "none yet"),
            d["status"] or "-",
            _local(d["sent_at"], tz, "-"),
        )
        for d in digests
    ]
    return _table("Digests", columns, rows)


def _table(title: str, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> Any:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title)
    for index, column in enumerate(columns):
        # The id stays whole (it is what an admin greps for); the other cells wrap at words.
        table.add_column(column, overflow="fold", no_wrap=index == 0)
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    return table


def _local(iso: str | None, tz: tzinfo, missing: str) -> str:
    """An ISO time from the JSON data, as a short local time for the table."""
    if iso is None:
        return missing
    return datetime.fromisoformat(iso).astimezone(tz).strftime("%Y-%m-%d %H:%M")
