"""Whether INTERPOL withdrawals can be confirmed right now, per source: for `monitor status`,
/metrics and the digest's source-health section.

Rules:
- a source's sweeps cannot confirm withdrawals while its full sweeps are incomplete: since the
  first incomplete full sweep after the last complete one, for the stored public notices the last
  sweep did not list, with the last sweep's reason;
- a watched notice (matched to a person) is checked when the last full sweep listed it or its
  detail answered (200 or 404) then; one not checked is counted with the oldest last check and
  the reason the last sweep gave; one not checked for more than UNCHECKED_LIMIT is overdue (a
  problem that makes `monitor status` exit 1);
- counts and dates only: never a name;
- the digest says it in the advocate's language (plural forms right) with dates in their locale;
  `monitor status` in English with ISO dates; the collector's reason is quoted as recorded.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.interpol.lifecycle import UNCHECKED_LIMIT, unchecked_for
from monitor.store import models
from monitor.store.health import Day, iso_day
from monitor.store.sources import live
from monitor.store.states import Band, ObservationKind

UNREACHABLE = "could not be reached"


@dataclass(frozen=True)
class WithdrawalHealth:
    """What an INTERPOL source can and cannot confirm about withdrawals now."""

    source_id: str
    sweeps_incomplete_since: datetime | None
    reason: str | None
    unreachable: int
    unlisted: int
    watched: int
    unchecked: int
    unchecked_since: datetime | None
    unchecked_reason: str | None
    overdue: int
    overdue_since: datetime | None = None

    @property
    def line(self) -> str | None:
        """One sentence for `monitor status` (English, ISO dates), or None when all can be confirmed."""
        said = self.sentence()
        return f"{self.source_id}: {said}" if said else None

    def sentence(
        self, tr: gettext.NullTranslations | None = None, day: Day | None = None
    ) -> str | None:
        """What cannot be confirmed, in the reader's language (`tr`) with dates written by `day`
        (the digest: the advocate's locale and time zone); None when everything can be."""
        tr, day = tr or gettext.NullTranslations(), day or iso_day
        parts = []
        if self.sweeps_incomplete_since is not None:
            parts.append(self._sweeps(tr, day))
        if self.unchecked:
            parts.append(self._unchecked(tr, day))
        elif parts and self.watched:
            parts.append(
                tr.gettext(
                    "withdrawals of your people's notices are still confirmed by direct checks"
                )
            )
        return "; ".join(parts) if parts else None

    @property
    def problem(self) -> str | None:
        """What makes `monitor status` exit 1: a watched notice unchecked for too long."""
        if not self.overdue:
            return None
        days = UNCHECKED_LIMIT.days
        return (
            f"{self.overdue} watched notice(s) not checked for more than {days} days "
            f"(since {_day(self.overdue_since)}): {self.unchecked_reason or 'no full sweep ran since'}"
        )

    def _sweeps(self, tr: gettext.NullTranslations, day: Day) -> str:
        since = _day(self.sweeps_incomplete_since, day)
        if self.reason and UNREACHABLE in self.reason:
            what = tr.ngettext(
                "%(num)d notice unreachable by any filter since %(day)s",
                "%(num)d notices unreachable by any filter since %(day)s",
                self.unreachable,
            ) % {"num": self.unreachable, "day": since}
        else:
            reason = self.reason or tr.gettext("no reason recorded")
            what = tr.gettext("sweeps incomplete since %(day)s (%(reason)s)") % {
                "day": since,
                "reason": reason,
            }
        unconfirmed = tr.ngettext(
            "withdrawals of %(num)d stored notice cannot be confirmed by the sweep",
            "withdrawals of %(num)d stored notices cannot be confirmed by the sweep",
            self.unlisted,
        ) % {"num": self.unlisted}
        return f"{what}; {unconfirmed}"

    def _unchecked(self, tr: gettext.NullTranslations, day: Day) -> str:
        said = tr.ngettext(
            "%(num)d of your people's notices could not be checked since %(day)s",
            "%(num)d of your people's notices could not be checked since %(day)s",
            self.unchecked,
        ) % {"num": self.unchecked, "day": _day(self.unchecked_since, day)}
        # The reason is the collector's own diagnostic (an HTTP status, an error), kept as recorded.
        return said + (f" ({self.unchecked_reason})" if self.unchecked_reason else "")

    def as_dict(self) -> dict[str, Any]:
        return {
            "sweeps_incomplete_since": _iso(self.sweeps_incomplete_since),
            "reason": self.reason,
            "unreachable": self.unreachable,
            "unconfirmable_notices": self.unlisted,
            "watched_notices": self.watched,
            "unchecked_watched_notices": self.unchecked,
            "unchecked_since": _iso(self.unchecked_since),
            "unchecked_reason": self.unchecked_reason,
            "overdue_watched_notices": self.overdue,
            "summary": self.line,
        }


def withdrawal_health(
    session: Session, source: models.Source, now: datetime
) -> WithdrawalHealth | None:
    """The withdrawal health of an INTERPOL source (None for other types)."""
    if source.type != "interpol":
        return None
    last = _last_full(session, source.id)
    since, reason, unreachable, unlisted = None, None, 0, 0
    if last is not None and last.complete is not True:
        since = _incomplete_since(session, source.id)
        reason = _reason(last.coverage)
        unreachable = _unreachable(last.coverage)
        unlisted = _unlisted(session, source.id, last.started_at)
    checks = _watched_checks(session, source.id)
    cutoff = last.started_at if last is not None else now
    unchecked = [at for at in checks if at < cutoff]
    overdue = [at for at in checks if unchecked_for(at, now) is not None]
    return WithdrawalHealth(
        source_id=source.id,
        sweeps_incomplete_since=since,
        reason=reason,
        unreachable=unreachable,
        unlisted=unlisted,
        watched=len(checks),
        unchecked=len(unchecked),
        unchecked_since=min(unchecked, default=None),
        unchecked_reason=_unchecked_reason(last.coverage) if last is not None else None,
        overdue=len(overdue),
        overdue_since=min(overdue, default=None),
    )


def _last_full(session: Session, source_id: str) -> models.SourceRun | None:
    R = models.SourceRun
    query = select(R).where(R.source_id == source_id, R.full.is_(True)).order_by(R.id.desc())
    return session.scalars(query.limit(1)).first()


def _incomplete_since(session: Session, source_id: str) -> datetime | None:
    R = models.SourceRun
    last_complete = session.scalar(
        select(func.max(R.id)).where(
            R.source_id == source_id, R.full.is_(True), R.complete.is_(True)
        )
    )
    return session.scalar(
        select(func.min(R.started_at)).where(
            R.source_id == source_id, R.full.is_(True), R.id > (last_complete or 0)
        )
    )


def _reason(coverage: dict[str, Any]) -> str | None:
    reasons = [r for c in coverage.values() if isinstance(c, dict) for r in c.get("reasons", ())]
    return next((r for r in reasons if UNREACHABLE in r), reasons[0] if reasons else None)


def _unreachable(coverage: dict[str, Any]) -> int:
    missing = 0
    for c in coverage.values():
        if isinstance(c, dict) and c.get("reported_total"):
            missing += max(0, int(c["reported_total"]) - int(c.get("collected", 0)))
    return missing


def _unchecked_reason(coverage: dict[str, Any]) -> str | None:
    for c in coverage.values():
        if isinstance(c, dict) and c.get("unchecked"):
            return str(next(iter(c["unchecked"].values())))
    return None


def _unlisted(session: Session, source_id: str, swept_at: datetime) -> int:
    Obs = models.Observation
    query = select(func.count(Obs.id)).where(
        Obs.source_id == source_id,
        Obs.kind == ObservationKind.NOTICE,
        Obs.present.is_(True),
        Obs.last_seen_at < swept_at,
    )
    return int(session.scalar(query) or 0)


def _watched_checks(session: Session, source_id: str) -> list[datetime]:
    """The last check of each public notice of the source matched to a watched person."""
    Obs, M = models.Observation, models.MatchRow
    rows = session.execute(
        select(Obs.id, Obs.last_seen_at, Obs.checked_at)
        .join(M, M.observation_id == Obs.id)
        .where(
            Obs.source_id == source_id,
            Obs.kind == ObservationKind.NOTICE,
            Obs.present.is_(True),
            M.band != Band.WEAK,
        )
        .distinct()
    ).all()
    return [max(seen, checked or seen) for _, seen, checked in rows]


def _day(when: datetime | None, day: Day = iso_day) -> str:
    return day(when) if when else "?"


def _iso(when: datetime | None) -> str | None:
    return when.isoformat(timespec="seconds") if when else None


@dataclass(frozen=True)
class ListReading:
    """How far the INTERPOL lists have been read: what a person's absence from them may claim.

    - `unwatched`: no INTERPOL source is enabled, so nothing is known of the lists;
    - `unread`: one is, but it was never read successfully;
    - `read`: read (last at `since`); `unreachable` notices of the last full sweeps could be
      reached by no query, so an absence is "not found" and says how much could not be read.
    """

    state: str
    since: datetime | None = None
    unreachable: int = 0


def list_reading(session: Session) -> ListReading:
    """The reading of every enabled INTERPOL source together (each one's last full sweep only:
    the web app's home asks on every page)."""
    sources = [source for source in live(session, "interpol") if source.enabled]
    if not sources:
        return ListReading("unwatched")
    read = [source for source in sources if source.last_success_at is not None]
    if not read:
        return ListReading("unread")
    sweeps = [_last_full(session, source.id) for source in read]
    return ListReading(
        "read",
        since=max(source.last_success_at for source in read if source.last_success_at),
        unreachable=sum(
            _unreachable(sweep.coverage) for sweep in sweeps if sweep and sweep.complete is not True
        ),
    )
