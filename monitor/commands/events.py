"""`monitor events`: the stored events, oldest first (`--json`: one object per line).

Rules:
- each line gives the time in MONITOR_TIMEZONE with its zone, the event type in words, severity,
  person, and title;
- no events says so (on stderr with `--json`, so the JSON lines stay clean);
- an unknown `--person` is refused (exit 2): a mistyped id must not look like "nothing happened".
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from datetime import datetime, tzinfo
from typing import Any

from monitor.commands.common import session_for, settings
from monitor.config.settings import Settings
from monitor.outbox.views import HEADLINES
from monitor.store import Session, decisions, models
from monitor.store import events as stored_events


def run(args: argparse.Namespace) -> int:
    if args.weak:
        from monitor.commands.weak import print_weak

        return print_weak(settings(), person=args.person, since=args.since, as_json=args.json)
    return print_events(settings(), person=args.person, since=args.since, as_json=args.json)


def event_rows(
    session: Session, person: str | None = None, since: datetime | None = None
) -> Iterator[dict[str, Any]]:
    """Events oldest first, as the JSON objects `monitor events --json` prints."""
    verdicts = decisions.listed(session, person, since)
    for event in stored_events.listed(session, person, since):
        decision = verdicts.get((event.person_id, event.observation_id))
        yield {
            "id": event.id,
            "person_id": event.person_id,
            "type": event.type,
            "severity": event.severity,
            "source_id": event.source_id,
            "title": event.title,
            "url": event.url,
            "detected_at": event.detected_at.isoformat(),
            "evidence": event.evidence,
            "baseline": event.baseline,
            "observation_id": event.observation_id,
            "details": event.details,
            "verdict": decision.verdict if decision else None,
            "decided_by": decision.decided_by if decision else None,
            "decided_at": decision.decided_at.isoformat() if decision else None,
        }


def print_events(
    settings: Settings, person: str | None, since: datetime | None, as_json: bool
) -> int:
    with session_for(settings) as session:
        if person and session.get(models.PersonRow, person) is None:
            print(
                f"monitor: no person {person!r} in the database: use an id from watchlist.yaml",
                file=sys.stderr,
            )
            return 2
        rows = list(event_rows(session, person, since))
    for row in rows:
        print(
            json.dumps(row, ensure_ascii=False, default=str) if as_json else line(row, settings.tz)
        )
    if not rows:
        print(_nothing(person, since), file=sys.stderr if as_json else sys.stdout)
    return 0


def line(row: dict[str, Any], tz: tzinfo) -> str:
    """One event as a line: `#12 2026-12-01 15:03 CET high new notice published person  title`."""
    when = datetime.fromisoformat(row["detected_at"]).astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")
    what = HEADLINES.get(row["type"], row["type"].replace("_", " "))
    first = " (first scan)" if row["baseline"] else ""
    return f"#{row['id']} {when} {row['severity']:<6} {what}: {row['person_id']}{first}  {row['title'][:80]}"


def _nothing(person: str | None, since: datetime | None) -> str:
    said = "no events"
    if person:
        said += f" for {person}"
    if since:
        said += f" since {since.date().isoformat()}"
    return said + " stored yet" if not since else said
