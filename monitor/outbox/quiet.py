"""Quiet hours: when an advocate's non-urgent alerts wait (pure).

Rules:
- the window is wall-clock time in the advocate's zone ("22:00-07:00" runs past midnight);
- an instant inside the window waits until the window's end, as that zone's clock shows it on the
  right day: summer time starting or ending inside the night moves the end by the hour it should;
- an end that falls in the hour skipped in spring is read as the clocks moved (02:30 -> 03:30);
- urgent events (high severity: a new or changed Red Notice, an arrest, an extradition or
  detention decision) never wait.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from monitor.config.watchlist import parse_quiet_hours
from monitor.store.states import Severity

URGENT = Severity.HIGH


def is_urgent(severity: str) -> bool:
    return severity == URGENT


def quiet_until(now: datetime, tz: tzinfo, quiet_hours: str | None) -> datetime | None:
    """The end of the quiet window `now` falls in (aware, UTC), or None outside of it."""
    if not quiet_hours:
        return None
    start, end = parse_quiet_hours(quiet_hours)
    local = now.astimezone(tz)
    today, clock = local.date(), local.time().replace(tzinfo=None)
    if start < end:
        return _wall(today, end, tz) if start <= clock < end else None
    if clock >= start:
        return _wall(today + timedelta(days=1), end, tz)
    return _wall(today, end, tz) if clock < end else None


def _wall(day: date, at: time, tz: tzinfo) -> datetime:
    """`at` on `day` in `tz`, as a UTC instant.

    fold=0: an ambiguous autumn hour is its first pass, a skipped spring time the offset before
    the change (so it lands as far past the gap as it was into it).
    """
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)
