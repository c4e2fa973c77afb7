"""A source's health in words: one definition of a "problem source" for the digest and `monitor status`.

Rules:
- a problem is anything the source is not watching: it failed its last poll(s), it was not read
  successfully in the period asked about, the site blocks it, its last poll was degraded (it
  could not see everything), or it was never read;
  the digest lists every problem, so an advocate never reads a quiet period as "nothing happened"
  when a source did not look;
- `monitor status` shows the same problem on each source, but exits 1 (needs an admin) only for a
  problem that does not heal by itself: a site that blocks us, or failures lasting more than a day
  (one failed poll is retried with backoff, and paging an admin for it would teach them to ignore
  the page);
- a disabled source has no problem: nobody asked it to watch.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from datetime import datetime, timedelta

from monitor.store.models import Source
from monitor.store.states import SourceStatus

STALE_AFTER = timedelta(days=1)
Day = Callable[[datetime], str]  # how a reader's dates are written


def iso_day(when: datetime) -> str:
    """'2026-11-24': the date as `monitor status` and /metrics write it."""
    return when.date().isoformat()


def source_problem(
    row: Source,
    since: datetime | None = None,
    tr: gettext.NullTranslations | None = None,
    day: Day = iso_day,
) -> str | None:
    """What the source is not watching, in one sentence; None when it is healthy.

    - `since`: the start of the period asked about (a digest's); a source with no success since
      then was not checked in it, even if it is not failing now;
    - `tr`: the reader's language (the digest's advocate); English without it;
    - `day`: how the reader's dates are written (the digest: their locale and time zone);
      ISO dates without it.
    """
    if not row.enabled:
        return None
    tr = tr or gettext.NullTranslations()
    failed = tr.ngettext(
        " (%(num)d failed poll): %(error)s",
        " (%(num)d failed polls): %(error)s",
        row.consecutive_failures,
    ) % {"num": row.consecutive_failures, "error": row.last_error}
    if row.last_success_at is None:
        return tr.gettext("not read yet") + (failed if row.consecutive_failures else "")
    not_since = tr.gettext("not checked since %(day)s") % {"day": day(row.last_success_at)}
    if row.consecutive_failures:
        return not_since + failed
    if since is not None and row.last_success_at < since:
        return not_since
    if row.status == SourceStatus.BLOCKED:
        return tr.gettext("blocked by the site") + f": {row.last_error}"
    if row.status == SourceStatus.DEGRADED:
        return tr.gettext("partly readable") + f": {row.last_error}"
    return None


def needs_admin(row: Source, now: datetime) -> bool:
    """A problem that will not heal by itself: blocked, or failing for more than a day."""
    if source_problem(row) is None:
        return False
    if row.status == SourceStatus.BLOCKED:
        return True
    failing_since = row.last_success_at or row.created_at
    return bool(row.consecutive_failures) and now - failing_since > STALE_AFTER
