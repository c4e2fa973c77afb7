"""One poll of one source: claim, collect, record, book-keep. The only place where fetching,
parsing, storing and matching meet.

Rules:
- a source is claimed in the database before it is polled (a lease), so two instances never poll
  the same source at once; the lease is short and renewed while the poll runs, so the sources of
  an instance that died are free again within LEASE (less than the shortest interval); it is
  released when the poll is recorded, and a poll whose lease another instance took records nothing;
- a lease records its holder (host, pid, that process's start time) and since when; on SQLite
  (one machine) a lease whose holder is certainly dead on this host is free at once; on
  PostgreSQL, where holders may run elsewhere, it stays time-based;
- the next poll keeps the source's cadence (one interval after the slot just served); missed slots
  are skipped, never replayed;
- collecting (network) happens outside any transaction; everything learned from one poll is
  recorded in ONE transaction: observations, matches, events, deliveries and the source's health,
  so a crash leaves either all of it or none of it;
- a failed poll is data on the source's row (error, consecutive failures, backoff), never only a
  log line, and it never touches the observations: a failure cannot look like "items removed";
- the first successful poll of a source is its baseline (for INTERPOL: the first full sweep that
  reached at least 90% of the announced notices; until then every poll is baseline): its events go
  to the digest, not to
  immediate alerts.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from monitor import metrics
from monitor.config.settings import Settings
from monitor.config.watchlist import Source, Watchlist, parse_interval, source_config
from monitor.events.observations import Counts
from monitor.events.recorder import Recorder, record_mentions
from monitor.exc import BlockedError, MonitorError
from monitor.feeds import collect as feeds_collect
from monitor.interpol import collect as interpol_collect
from monitor.interpol.record import record_notices
from monitor.items import Collected, Inputs
from monitor.matching import MatchIndex, Record
from monitor.outbox.route import queue_alerts
from monitor.pages import collect as pages_collect
from monitor.pages.record import record_watch
from monitor.store import IntegrityError, Session, matches, models, sessionmaker, sources
from monitor.store.database import describe_failure, transaction
from monitor.store.leases import ProcessId, dead, this_process
from monitor.store.states import RunStatus, SourceStatus
from monitor.text.notes import problems

log = logging.getLogger(__name__)
# A dead instance's claim lapses after LEASE: with the scheduler's jitter (at most a tenth of the
# interval) another instance takes the source over within one interval, even the shortest (1m).
LEASE = timedelta(seconds=40)
RENEW_EVERY = timedelta(seconds=10)
BACKOFF_CAP = timedelta(hours=6)
TAKEN_OVER = "another instance took this source over; this poll's results were dropped"


class PollContext(Protocol):
    """What a poll needs of the running service (`service.runtime.Runtime` is one)."""

    @property
    def factory(self) -> sessionmaker[Session]: ...
    @property
    def owner(self) -> str: ...
    @property
    def watchlist(self) -> Watchlist: ...
    @property
    def index(self) -> MatchIndex: ...
    @property
    def http(self) -> Any: ...
    @property
    def clock(self) -> Callable[[], datetime]: ...
    @property
    def settings(self) -> Settings: ...


Collector = Callable[[Inputs[Any], models.Source, Source, bool], Awaitable[Collected]]
RecordItems = Callable[[Recorder, Collected], Counts]


def _nothing_known(factory: sessionmaker[Session], row: models.Source) -> None:
    return None


@dataclass(frozen=True)
class SourceType:
    """How one type of source is polled.

    - `known` reads, before collecting, the snapshot the collector gets as `Inputs.known`;
    - `collect` fetches and parses (network, no database); `record` stores what it brought back,
      inside the poll's transaction.
    """

    collect: Collector
    record: RecordItems
    known: Callable[[sessionmaker[Session], models.Source], Any] = _nothing_known


SOURCE_TYPES: dict[str, SourceType] = {
    "interpol": SourceType(interpol_collect.collect, record_notices, interpol_collect.known),
    "feed": SourceType(feeds_collect.collect, record_mentions, feeds_collect.known),
    "page": SourceType(pages_collect.collect, record_mentions),
    "watch": SourceType(pages_collect.collect_watch, record_watch),
}


@dataclass
class Outcome:
    """How one poll went, for the summary line and `monitor poll`'s exit code."""

    source_id: str
    ok: bool
    error: str | None = None
    items: int = 0
    new: int = 0
    changed: int = 0
    events: int = 0
    alerts: int = 0
    requests: int = 0
    complete: bool | None = None
    seconds: float = 0.0
    baseline: bool = False
    warnings: list[str] = field(default_factory=list)


def source_type(name: str) -> SourceType:
    if name not in SOURCE_TYPES:
        raise MonitorError(f"unknown source type {name!r}")
    return SOURCE_TYPES[name]


def may_concern(runtime: PollContext, record: Record) -> bool:
    """The matcher's pre-filter: a record with a match above the weak band may be a watched
    person (the index is read at each call: a reloaded watchlist counts at once)."""
    return any(match.band != "weak" for match in runtime.index.match_record(record))


async def collect(runtime: PollContext, source: models.Source, full: bool) -> Collected:
    """Read what the source type needs to know, then collect with only that (no session)."""
    kind = source_type(source.type)
    config = source_config(source.config)
    inputs = Inputs(
        http=runtime.http,
        now=runtime.clock(),
        people=runtime.watchlist.people,
        may_concern=functools.partial(may_concern, runtime),
        known=kind.known(runtime.factory, source),
        watchlist_file=runtime.settings.watchlist,
    )
    return await kind.collect(inputs, source, config, full)


def new_cycle_id() -> str:
    return uuid.uuid4().hex[:16]


async def poll_source(
    runtime: PollContext, source_id: str, *, full: bool = False, force: bool = False
) -> Outcome | None:
    """Poll one source if it is due (or `force`) and nobody else holds it; None when skipped."""
    started = time.monotonic()
    if not claim(runtime, source_id, force=force):
        return None
    cycle_id = new_cycle_id()
    with runtime.factory() as session:
        source = session.get_one(models.Source, source_id)
    try:
        collected = await _holding_lease(runtime, source_id, collect(runtime, source, full))
    except asyncio.CancelledError:
        release(runtime, source_id)
        raise
    except MonitorError as exc:
        return record_failure(runtime, source, exc, cycle_id, started)
    except Exception as exc:  # a bug in one source must not stop the others
        log.exception("source poll crashed", extra={"source_id": source_id, "cycle_id": cycle_id})
        return record_failure(runtime, source, exc, cycle_id, started)
    try:
        # Off the event loop: matching and writing one poll must not hold up the others' I/O.
        return await asyncio.to_thread(
            record_success, runtime, source, collected, cycle_id, started
        )
    except Exception as exc:  # recording failed: nothing of it was committed; say so, go on
        log.exception(
            "recording a poll failed", extra={"source_id": source_id, "cycle_id": cycle_id}
        )
        return record_failure(runtime, source, exc, cycle_id, started)


def claim(runtime: PollContext, source_id: str, *, force: bool) -> bool:
    """Take the lease on a source that is enabled, unarchived, due (unless forced) and free."""
    now = runtime.clock()
    dead_owner = _dead_holder(runtime, source_id)
    with transaction(runtime.factory) as session:
        return sources.claim(
            session,
            source_id,
            runtime.owner,
            this_process(),
            now=now,
            until=now + LEASE,
            dead_owner=dead_owner,
            force=force,
        )


@dataclass(frozen=True)
class Holder:
    """Who holds a source's lease (owner id, process) and since when."""

    owner: str
    process: ProcessId
    since: datetime | None
    until: datetime


def lease_holder(runtime: PollContext, source_id: str) -> Holder | None:
    """The live lease on a source held by another instance, or None."""
    with runtime.factory() as session:
        row = session.get(models.Source, source_id)
    if row is None or row.lease_owner in (None, runtime.owner) or row.lease_until is None:
        return None
    if row.lease_until < runtime.clock():
        return None
    process = ProcessId(row.lease_host or "?", row.lease_pid or 0, row.lease_process_started)
    return Holder(row.lease_owner, process, row.lease_since, row.lease_until)


def holder_dead(runtime: PollContext, holder: Holder) -> bool:
    """A holder known dead: only on SQLite, where every holder runs on this machine."""
    with runtime.factory() as session:
        on_sqlite = session.get_bind().dialect.name == "sqlite"
    return on_sqlite and dead(holder.process)


def _dead_holder(runtime: PollContext, source_id: str) -> str | None:
    """The lease owner of a source whose holder process is dead (SQLite only), else None."""
    holder = lease_holder(runtime, source_id)
    if holder is None or not holder_dead(runtime, holder):
        return None
    log.info(
        "lease of a dead process freed",
        extra={"source_id": source_id, "holder_pid": holder.process.pid},
    )
    return holder.owner


def free_lease(row: models.Source) -> None:
    """Forget the lease on a row (its poll was recorded or given up)."""
    row.lease_owner = row.lease_until = row.lease_since = None
    row.lease_host = row.lease_pid = row.lease_process_started = None


async def _holding_lease(
    runtime: PollContext, source_id: str, work: Awaitable[Collected]
) -> Collected:
    """Run `work` while renewing the source's lease, so a long poll keeps its claim."""
    keeper = asyncio.create_task(_keep_lease(runtime, source_id))
    try:
        return await work
    finally:
        keeper.cancel()


async def _keep_lease(runtime: PollContext, source_id: str) -> None:
    while True:
        await asyncio.sleep(RENEW_EVERY.total_seconds())
        try:
            if not await asyncio.to_thread(renew, runtime, source_id):
                log.warning("lease lost", extra={"source_id": source_id})
                return
        except Exception as exc:  # the database may be back at the next renewal
            log.warning(
                "lease not renewed", extra={"source_id": source_id, "error": type(exc).__name__}
            )


def renew(runtime: PollContext, source_id: str) -> bool:
    """Extend our lease on a source; False when it is no longer ours."""
    with transaction(runtime.factory) as session:
        return sources.renew(session, source_id, runtime.owner, runtime.clock() + LEASE)


def release(runtime: PollContext, source_id: str) -> None:
    """Give a claim back without recording anything (an interrupted poll)."""
    with transaction(runtime.factory) as session:
        sources.release(session, source_id, runtime.owner)


RECORD_ATTEMPTS = 3


def record_success(
    runtime: PollContext, source: models.Source, collected: Collected, cycle_id: str, started: float
) -> Outcome:
    """Record a poll in one transaction, again if another source recorded the same item first.

    - the same article can reach two sources polled at the same moment: both see it as new, the
      second insert breaks the unique key; its whole transaction is rolled back and done again,
      and the second time it finds the row.
    """
    for attempt in range(1, RECORD_ATTEMPTS + 1):
        try:
            return _record_success(runtime, source, collected, cycle_id, started)
        except IntegrityError:
            if attempt == RECORD_ATTEMPTS:
                raise
            log.info(
                "item recorded meanwhile by another source; recording again",
                extra={"source_id": source.id, "cycle_id": cycle_id},
            )
    raise AssertionError("unreachable")


def _record_success(
    runtime: PollContext, source: models.Source, collected: Collected, cycle_id: str, started: float
) -> Outcome:
    now = runtime.clock()
    with transaction(runtime.factory) as session:
        row = session.get_one(models.Source, source.id, with_for_update=True)
        if row.lease_owner != runtime.owner:
            return taken_over(row.id, cycle_id, started)
        baseline = row.baseline_at is None
        recorder = Recorder(
            session, runtime.index, runtime.watchlist, row, cycle_id, now, baseline=baseline
        )
        counts = recorder.record(collected, source_type(row.type).record)
        deliveries = queue_alerts(
            session, recorder.events, runtime.watchlist, cycle_id, now, runtime.settings.tz
        )
        _mark_healthy(row, collected, now, baseline)
        outcome = Outcome(
            source_id=row.id,
            ok=True,
            items=len(collected.items),
            new=counts.new,
            changed=counts.changed,
            events=len(recorder.events),
            alerts=len(deliveries),
            requests=collected.requests,
            complete=collected.complete,
            seconds=time.monotonic() - started,
            baseline=baseline,
            warnings=collected.warnings,
        )
        session.add(_run_row(row.id, cycle_id, outcome, collected, now))
        new_matches = matches.stored_at(session, row.id, now) if counts.new or counts.changed else 0
    _count(outcome, "ok", recorder.events)
    metrics.MATCHES.labels(outcome.source_id).inc(new_matches)
    log.info("source polled", extra=_log_fields(outcome, cycle_id))
    return outcome


def _mark_healthy(row: models.Source, collected: Collected, now: datetime, baseline: bool) -> None:
    # A fast path is partial by design; only an incomplete full enumeration is a health problem.
    incomplete = collected.full and not collected.complete
    real = problems(collected.warnings)  # notes (an encoding guessed right) are no problem
    row.status = SourceStatus.DEGRADED if real or incomplete else SourceStatus.OK
    if collected.blocked:
        row.status = SourceStatus.BLOCKED
    row.last_attempt_at = row.last_success_at = now
    row.consecutive_failures = 0
    row.last_error = "; ".join(real)[:2000] or None
    row.items_seen = len(collected.items) if not collected.not_modified else row.items_seen
    if baseline and collected.baseline_ready:
        row.baseline_at = now
    if collected.full and not collected.not_modified:
        row.last_full_at = now
    if collected.etag or collected.last_modified:
        row.etag, row.last_modified = collected.etag, collected.last_modified
    row.next_run_at = next_due(row.next_run_at, interval_of(row), now)
    free_lease(row)


def record_failure(
    runtime: PollContext, source: models.Source, error: Exception, cycle_id: str, started: float
) -> Outcome:
    now = runtime.clock()
    message = describe(error)
    with transaction(runtime.factory) as session:
        row = session.get_one(models.Source, source.id, with_for_update=True)
        if row.lease_owner != runtime.owner:
            return taken_over(row.id, cycle_id, started)
        row.status = (
            SourceStatus.BLOCKED if isinstance(error, BlockedError) else SourceStatus.FAILING
        )
        row.last_attempt_at = row.last_failure_at = now
        row.consecutive_failures += 1
        row.last_error = message[:2000]
        row.next_run_at = now + failure_backoff(interval_of(row), row.consecutive_failures)
        free_lease(row)
        outcome = Outcome(
            source_id=row.id, ok=False, error=message, seconds=time.monotonic() - started
        )
        session.add(_run_row(row.id, cycle_id, outcome, None, now))
    _count(outcome, "blocked" if isinstance(error, BlockedError) else "failed", [])
    log.warning("source failed", extra={**_log_fields(outcome, cycle_id), "error": message})
    return outcome


def taken_over(source_id: str, cycle_id: str, started: float) -> Outcome:
    """A poll that lost its lease (its process stalled past LEASE): another instance owns it now."""
    log.warning("source taken over", extra={"source_id": source_id, "cycle_id": cycle_id})
    return Outcome(
        source_id=source_id, ok=False, error=TAKEN_OVER, seconds=time.monotonic() - started
    )


def _count(outcome: Outcome, result: str, events: list[models.Event]) -> None:
    metrics.POLLS.labels(outcome.source_id, result).inc()
    metrics.CYCLE.labels(outcome.source_id).observe(outcome.seconds)
    metrics.ITEMS.labels(outcome.source_id).inc(outcome.items)
    metrics.NEW_ITEMS.labels(outcome.source_id).inc(outcome.new + outcome.changed)
    for event in events:
        metrics.EVENTS.labels(event.type).inc()


def describe(error: Exception) -> str:
    if isinstance(error, MonitorError):
        return str(error)
    if said := describe_failure(error):
        return said
    return f"internal error ({type(error).__name__}); see the log"


def interval_of(row: models.Source) -> timedelta:
    return parse_interval(row.config.get("interval", "30m"))


def next_due(previous: datetime | None, interval: timedelta, now: datetime) -> datetime:
    """When a source that was just polled is due again.

    - one interval after the slot just served, so polls stay one interval apart however long
      each one takes and however late the scheduler fired it;
    - never in the past: after a sleep or downtime the missed slots are skipped, not replayed;
    - a poll forced before its slot (`monitor poll`) starts a new cadence from now.
    """
    if previous is None or previous > now:
        return now + interval
    following = previous + interval
    return following if following > now else now + interval


def failure_backoff(interval: timedelta, failures: int) -> timedelta:
    """interval, 2x, 4x... capped at max(interval, 6 h): a failing source recovers by itself."""
    delay: timedelta = interval * (2 ** max(failures - 1, 0))
    return min(delay, max(interval, BACKOFF_CAP))


def _run_row(
    source_id: str, cycle_id: str, outcome: Outcome, collected: Collected | None, now: datetime
) -> models.SourceRun:
    return models.SourceRun(
        source_id=source_id,
        cycle_id=cycle_id,
        started_at=now - timedelta(seconds=outcome.seconds),
        finished_at=now,
        status=RunStatus.OK if outcome.ok else RunStatus.FAILED,
        full=bool(collected and collected.full),
        complete=outcome.complete,
        requests=outcome.requests,
        items=outcome.items,
        new_items=outcome.new,
        changed_items=outcome.changed,
        events=outcome.events,
        error=outcome.error,
        coverage=collected.coverage if collected else {},
    )


def _log_fields(outcome: Outcome, cycle_id: str) -> dict[str, Any]:
    return {
        "source_id": outcome.source_id,
        "cycle_id": cycle_id,
        "items": outcome.items,
        "new": outcome.new,
        "changed": outcome.changed,
        "events": outcome.events,
        "alerts": outcome.alerts,
        "requests": outcome.requests,
        "complete": outcome.complete,
        "duration_s": round(outcome.seconds, 3),
    }
