"""APScheduler wiring only: when to try things. The database decides what is actually due.

Rules:
- one job per enabled source: an interval trigger at the source's interval with jitter,
  `coalesce` (a machine waking from sleep does not replay missed runs), `max_instances=1` and a
  misfire grace of half the interval (at least 30 s);
- a job only *tries*: the source is polled if its `next_run_at` has come and nobody holds it.
  Then the job is re-aimed at the moment the database says the source is next worth trying (its
  next slot, or when another instance's lease lapses), plus jitter. So backoff after failures,
  the cadence and several instances need nothing from the scheduler; the interval trigger is only
  the safety net when the database cannot be read;
- the first tries after a start are spread over the jitter window, so sources do not all fire
  together; jitter is a tenth of the interval, at most a minute;
- a valid new watchlist adds jobs for new sources, removes those of removed or disabled ones and
  reschedules those whose interval changed;
- delivery runs after every poll and every 30 s; digests are queued when due (checked every five
  minutes, in MONITOR_TIMEZONE); the watchlist file is checked every five seconds;
- stopping: no job starts any more; running ones get a grace period, then are cancelled (a
  cancelled poll records nothing and releases its claim, a cancelled send puts its email back).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from monitor.config.watchlist import Source
from monitor.outbox.compose import Mailing
from monitor.outbox.digest import queue_due_digests
from monitor.outbox.send import deliver_pending_async
from monitor.poll import holder_dead, lease_holder, poll_source
from monitor.service.runtime import Runtime
from monitor.store import UNAVAILABLE, IntegrityError, SQLAlchemyError, models
from monitor.store.database import transaction
from monitor.store.models import utcnow
from monitor.store.prune import prune_observations

log = logging.getLogger(__name__)
DELIVERY_EVERY = timedelta(seconds=30)
WATCHLIST_CHECK_EVERY = timedelta(seconds=5)
HEARTBEAT_EVERY = timedelta(seconds=5)
DIGEST_CHECK_EVERY = timedelta(minutes=5)
PRUNE_EVERY = timedelta(hours=6)
MAX_JITTER = timedelta(minutes=1)
MIN_RETRY = timedelta(seconds=5)  # never re-aim a job sooner: no busy loop on a stuck source
ALIVE_WITHIN = 60.0


def jitter_for(interval: timedelta) -> timedelta:
    """How far a source's tries are spread: a tenth of its interval, at most a minute."""
    return min(interval / 10, MAX_JITTER)


def misfire_grace(interval: timedelta) -> int:
    """Seconds a late try still runs (half the interval, at least 30 s); later, it waits."""
    return max(int(interval.total_seconds() / 2), 30)


def next_chance(runtime: Runtime, source_id: str) -> datetime | None:
    """When polling a source is next worth trying, or None when it is gone or disabled.

    - its next slot (`next_run_at`, which already includes any backoff after failures);
    - not before another instance's lease on it lapses (at once when its holder died on this
      machine, with SQLite).
    """
    with runtime.factory() as session:
        row = session.get(models.Source, source_id)
    if row is None or not row.enabled or row.archived_at is not None:
        return None
    when = row.next_run_at or runtime.clock()
    holder = lease_holder(runtime, source_id)
    if holder is not None and not holder_dead(runtime, holder):
        when = max(when, holder.until)
    return when


class Scheduler:
    def __init__(self, runtime: Runtime, mailing: Mailing) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        self.runtime = runtime
        self.mailing = mailing
        self.scheduler = AsyncIOScheduler(timezone=runtime.settings.tz)
        self.running: set[asyncio.Task[Any]] = set()
        self.last_tick = time.monotonic()
        self.delivery_lock = asyncio.Lock()
        self.watchlist_lock = asyncio.Lock()
        self.stopping = False

    def start(self) -> None:
        self._schedule_sources()
        self._every("heartbeat", HEARTBEAT_EVERY, self.heartbeat)
        self._every("deliver", DELIVERY_EVERY, self.deliver)
        self._every("watchlist", WATCHLIST_CHECK_EVERY, self.check_watchlist)
        self._every("digests", DIGEST_CHECK_EVERY, self.queue_digests)
        self._every("prune", PRUNE_EVERY, self.prune)
        self.scheduler.start()

    async def stop(self, grace_seconds: float) -> None:
        """Start nothing new; give running jobs `grace_seconds`, then cancel them."""
        self.stopping = True
        self.scheduler.pause()
        running = set(self.running)
        if running:
            _, pending = await asyncio.wait(running, timeout=grace_seconds)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1.0)
        self.scheduler.shutdown(wait=False)

    def alive(self) -> bool:
        """The scheduler runs jobs: its heartbeat (every few seconds) ran within the last minute."""
        from apscheduler.schedulers.base import STATE_RUNNING

        ticking = time.monotonic() - self.last_tick < ALIVE_WITHIN
        return self.scheduler.state == STATE_RUNNING and not self.stopping and ticking

    def _every(self, job_id: str, every: timedelta, func: Callable[[], Awaitable[None]]) -> None:
        self.scheduler.add_job(
            self._tracked(func),
            "interval",
            seconds=every.total_seconds(),
            id=job_id,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=int(every.total_seconds()),
            next_run_time=utcnow(),
        )

    def _tracked(
        self, func: Callable[..., Awaitable[None]], *args: Any
    ) -> Callable[[], Awaitable[None]]:
        async def job() -> None:
            task = asyncio.current_task()
            if task is not None:
                self.running.add(task)
            try:
                await func(*args)
            except asyncio.CancelledError:
                # Only stop() cancels jobs; what they held is released on the way out.
                log.info(
                    "job abandoned at shutdown", extra={"job": func.__name__, "on": list(args)}
                )
            except UNAVAILABLE as exc:  # an outage, not a bug: no stack trace every few seconds
                log.warning(
                    "database unavailable; job skipped",
                    extra={"job": func.__name__, "on": list(args), "error": type(exc).__name__},
                )
            except Exception:
                log.exception("scheduled job failed")
            finally:
                if task is not None:
                    self.running.discard(task)

        return job

    # Sources ----------------------------------------------------------------------------------
    def first_tries(self) -> list[tuple[str, datetime]]:
        """Each scheduled source and when its job fires next, soonest first."""
        jobs = [
            j for j in self.scheduler.get_jobs() if j.id.startswith("source:") and j.next_run_time
        ]
        return sorted(
            ((j.id.removeprefix("source:"), j.next_run_time) for j in jobs), key=lambda t: t[1]
        )

    def _schedule_sources(self) -> None:
        """Make the source jobs match the watchlist: add, remove, or reschedule on a new interval."""
        wanted = {f"source:{s.id}": s for s in self.runtime.watchlist.all_sources if s.enabled}
        for job in self.scheduler.get_jobs():
            if job.id.startswith("source:") and job.id not in wanted:
                job.remove()
        for job_id, source in wanted.items():
            job = self.scheduler.get_job(job_id)
            if job is None or job.trigger.interval != source.interval:
                self._schedule_source(source)

    def _schedule_source(self, source: Source) -> None:
        jitter = jitter_for(source.interval)
        self.scheduler.add_job(
            self._tracked(self.poll, source.id),
            "interval",
            seconds=source.interval.total_seconds(),
            jitter=jitter.total_seconds(),
            id=f"source:{source.id}",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=misfire_grace(source.interval),
            next_run_time=utcnow() + _random_part_of(jitter),
            replace_existing=True,
        )

    async def poll(self, source_id: str) -> None:
        """Try one source; aim its next try where the database says; deliver what it queued."""
        try:
            outcome = await poll_source(self.runtime, source_id)
        finally:
            if not self.stopping:
                self._reaim(source_id)
        if outcome is not None and not self.stopping:
            await self.deliver()

    def _reaim(self, source_id: str) -> None:
        job = self.scheduler.get_job(f"source:{source_id}")
        if job is None:
            return
        try:
            chance = next_chance(self.runtime, source_id)
        except Exception as exc:  # the interval trigger tries again anyway
            log.warning(
                "next try not planned", extra={"source_id": source_id, "error": type(exc).__name__}
            )
            return
        if chance is None:
            return
        jitter = jitter_for(job.trigger.interval)
        at = max(chance, utcnow() + MIN_RETRY) + _random_part_of(jitter)
        job.modify(next_run_time=at)
        log.debug("next try planned", extra={"source_id": source_id, "at": at.isoformat()})

    # Housekeeping -----------------------------------------------------------------------------
    async def heartbeat(self) -> None:
        self.last_tick = time.monotonic()

    async def deliver(self) -> None:
        async with self.delivery_lock:
            await deliver_pending_async(
                self.runtime.factory,
                self.mailing,
                self.runtime.owner,
                self.runtime.clock,
                keep_going=lambda: not self.stopping,
            )

    async def queue_digests(self) -> None:
        """Queue the digests whose time has come (the database refuses a second one per period)."""
        try:
            with transaction(self.runtime.factory) as session:
                queued = queue_due_digests(session, self.runtime.clock(), self.runtime.settings.tz)
        except IntegrityError:
            return  # another instance queued the same period first
        if queued:
            await self.deliver()

    async def prune(self) -> None:
        """Forget observations past the retention period (never events, nor what they cite)."""
        before = self.runtime.clock() - timedelta(days=self.runtime.settings.retention_days)

        def work() -> int:
            with transaction(self.runtime.factory) as session:
                return prune_observations(session, before)

        pruned = await asyncio.to_thread(work)
        if pruned:
            log.info("old observations pruned", extra={"pruned": pruned})

    async def check_watchlist(self) -> None:
        """Re-read the watchlist if it changed (off the event loop: new people are matched
        against all stored history); reschedule the sources of a valid new version.

        One check at a time: a second one while one runs (the periodic job and another caller)
        waits, then finds the file already read, rather than syncing the same new version twice
        at once and failing on the rows the first inserted.
        """
        async with self.watchlist_lock:
            try:
                changed = await asyncio.to_thread(self.runtime.reload_if_changed)
            except SQLAlchemyError as exc:
                log.warning(
                    "watchlist changed but the database could not take it; trying again shortly",
                    extra={"error": type(exc).__name__},
                )
                return
            if changed:
                log.info("watchlist changed; sources rescheduled")
                self._schedule_sources()


def _random_part_of(jitter: timedelta) -> timedelta:
    return timedelta(seconds=random.uniform(0, jitter.total_seconds()))  # noqa: S311 (not crypto)
