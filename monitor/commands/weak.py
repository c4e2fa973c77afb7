"""`monitor events --weak`: the weak matches kept for review (no event, no alert was made)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from monitor.commands.common import session_for
from monitor.config.settings import Settings
from monitor.outbox.digest import weak_view
from monitor.store import Session, matches


def weak_rows(
    session: Session, settings: Settings, person: str | None, since: datetime | None
) -> Iterator[dict[str, Any]]:
    """Weak matches oldest first, as `monitor events --weak --json` prints them."""
    for match, observation in matches.weak(session, person, since):
        yield weak_view(match, observation, settings.tz)


def print_weak(
    settings: Settings, person: str | None, since: datetime | None, as_json: bool
) -> int:
    with session_for(settings) as session:
        for row in weak_rows(session, settings, person, since):
            print(json.dumps(row, ensure_ascii=False, default=str) if as_json else _line(row))
    return 0


def _line(row: dict[str, Any]) -> str:
    when, person, title = row["detected_at"][:16], row["person_id"], row["title"][:80]
    return f"weak #{row['id']} {when} {person}  {title} ({row['explanation']})"
