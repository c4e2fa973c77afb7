"""The completeness verdict of an INTERPOL sweep: what it saw, and whether it can be trusted.

Rules:
- completeness follows from the count: a full sweep whose distinct collected notices reach the
  unfiltered total announced in that same sweep is complete, whatever a partition's arithmetic
  said (a failed probe, a short page, a notice no filter isolates);
- sentinels and the total veto it: a sentinel not listed whose detail still answers 200, or a
  total that fell by more than `max_drop` since the last complete sweep, make it incomplete;
- a blocked sweep (403 burst) is never complete;
- the list is `healthy` when it was read without a 403 burst, its total did not fall by more
  than `max_drop` and every sentinel checked out: only then may a missing notice be checked
  directly (monitor.interpol.lifecycle);
- a sentinel that left the public list (404) agrees with a complete sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from monitor.interpol.parse import NoticeType
from monitor.items import Item

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SentinelCheck:
    """A notice known to be public that a complete sweep must list."""

    entity_id: str
    listed: bool
    detail_status: int | None = None


@dataclass(frozen=True)
class Coverage:
    """How much of the public list a sweep saw, and whether it can be trusted as complete."""

    complete: bool
    reasons: tuple[str, ...]
    collected: int
    reported_total: int | None
    unresolved: int
    short_pages: int
    list_requests: int
    residual_requests: int
    detail_requests: int
    blocked: bool
    sentinels: tuple[SentinelCheck, ...] = ()
    healthy: bool = False

    @property
    def ratio(self) -> float:
        """Collected over the root total the API reported (0.0 when there was none)."""
        return self.collected / self.reported_total if self.reported_total else 0.0


@dataclass(frozen=True)
class SweepResult:
    """What a sweep (full or fast) collected: items by entity id, and its coverage."""

    notice_type: NoticeType
    kind: str
    items: Mapping[str, Item]
    coverage: Coverage
    started_at: datetime
    finished_at: datetime
    # Queries whose every notice was collected (at most 160): the partitions proven complete.
    enumerated: tuple[Mapping[str, str], ...] = ()


@dataclass
class Tally:
    """What one sweep counted as it went: requests, shortfalls, and why it may be incomplete."""

    requests: int = 0
    residual_requests: int = 0
    detail_requests: int = 0
    unresolved: int = 0
    short_pages: int = 0
    blocked: bool = False
    root_total: int | None = None
    reasons: list[str] = field(default_factory=list)


def verdict(
    tally: Tally,
    collected: int,
    sentinels: tuple[SentinelCheck, ...],
    previous_total: int | None,
    *,
    max_drop: float,
    full: bool,
) -> Coverage:
    """The sweep's coverage (see the module rules: the count decides, sentinels veto)."""
    total = tally.root_total
    counted = full and total is not None and collected >= total
    reasons = [] if counted else _shortfall_reasons(tally, collected)
    list_reasons = _sentinel_reasons(sentinels) + _drop_reasons(total, previous_total, max_drop)
    reasons += list_reasons
    if total is None and not reasons:
        reasons.append("the root query failed")
    return Coverage(
        complete=not reasons and not tally.blocked,
        reasons=tuple(reasons),
        collected=collected,
        reported_total=total,
        unresolved=0 if counted else tally.unresolved,
        short_pages=tally.short_pages,
        list_requests=tally.requests,
        residual_requests=tally.residual_requests,
        detail_requests=tally.detail_requests,
        blocked=tally.blocked,
        sentinels=sentinels,
        healthy=full and total is not None and not tally.blocked and not list_reasons,
    )


def _shortfall_reasons(tally: Tally, collected: int) -> list[str]:
    reasons = list(dict.fromkeys(tally.reasons))
    if tally.short_pages:
        reasons.append(f"{tally.short_pages} pages held fewer notices than announced")
    if tally.root_total is not None and collected < tally.root_total:
        reasons.append(f"collected {collected} of {tally.root_total} announced notices")
    return reasons


def _sentinel_reasons(checks: Iterable[SentinelCheck]) -> list[str]:
    reasons = []
    for check in checks:
        if check.listed or check.detail_status == 404:
            continue  # listed, or left the public list: both agree with a full sweep
        state = "still public" if check.detail_status == 200 else "not verifiable"
        reasons.append(f"sentinel {check.entity_id} was not listed and is {state}")
    return reasons


def _drop_reasons(total: int | None, previous: int | None, max_drop: float) -> list[str]:
    if total is None or not previous or total >= previous * (1 - max_drop):
        return []
    return [f"the total fell from {previous} to {total}, more than {max_drop:.0%} at once"]


def log_coverage(kind: str, notice_type: str, coverage: Coverage) -> None:
    """One structured line per sweep."""
    log.info(
        "interpol sweep finished",
        extra={
            "sweep": kind,
            "notice_type": notice_type,
            "complete": coverage.complete,
            "collected": coverage.collected,
            "reported_total": coverage.reported_total,
            "list_requests": coverage.list_requests,
            "blocked": coverage.blocked,
        },
    )
