"""APScheduler wiring only: when to try things. The database decides what is actually due.

Rules:
- one job per enabled source at its interval, with jitter, `coalesce` (a machine waking from sleep
  does not replay missed runs), `max_instances=1`, and a misfire grace that fits the interval;
- a job only *tries*: the source is polled if its `next_run_at` has come and nobody holds it, so
  backoff after failures and several instances need nothing from the scheduler;
- delivery runs after every poll and on its own short interval; the watchlist file is checked for
  changes every few seconds and a valid new version reschedules the sources;
- stopping waits a bounded time for running jobs, then cancels them (a cancelled poll records
  nothing and releases its claim).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from monitor.alerts import Mailing, deliver_pending_async
from monitor.models import utcnow
from monitor.runtime import Runtime
from monitor.watchlist import Source

log = logging.getLogger(__name__)
DELIVERY_EVERY = timedelta(seconds=30)
WATCHLIST_CHECK_EVERY = timedelta(seconds=5)
DIGEST_CHECK_EVERY = timedelta(minutes=5)


class Scheduler:
    def __init__(self, runtime: Runtime, mailing: Mailing) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        self.runtime = runtime
        self.mailing = mailing
        self.scheduler = AsyncIOScheduler(timezone=runtime.settings.tz)
        self.running: set[asyncio.Task[Any]] = set()
        self.last_tick = time.monotonic()
        self.delivery_lock = asyncio.Lock()

    def start(self) -> None:
        self._schedule_sources()
        self._every("deliver", DELIVERY_EVERY, self.deliver)
        self._every("watchlist", WATCHLIST_CHECK_EVERY, self.check_watchlist)
        self._every("digests", DIGEST_CHECK_EVERY, self.queue_digests)
        self.scheduler.start()

    async def stop(self, grace_seconds: float) -> None:
        self.scheduler.shutdown(wait=False)
        if self.running:
            _, pending = await asyncio.wait(set(self.running), timeout=grace_seconds)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1.0)

    def _every(self, job_id: str, every: timedelta, func: Callable[[], Awaitable[None]]) -> None:
        self.scheduler.add_job(
            self._tracked(func),
            "interval",
            seconds=every.total_seconds(),
            id=job_id,
            coalesce=True,
            max_instances=1,
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
            except Exception:
                log.exception("scheduled job failed")
            finally:
                if task is not None:
                    self.running.discard(task)

        return job

    def _schedule_sources(self) -> None:
        for job in self.scheduler.get_jobs():
            if job.id.startswith("source:"):
                job.remove()
        for source in self.runtime.watchlist.all_sources:
            if source.enabled:
                self._schedule_source(source)

    def _schedule_source(self, source: Source) -> None:
        interval = source.interval.total_seconds()
        self.scheduler.add_job(
            self._tracked(self.poll, source.id),
            "interval",
            seconds=interval,
            jitter=min(interval * 0.1, 120),
            id=f"source:{source.id}",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=max(int(interval / 2), 30),
            next_run_time=utcnow(),
        )

    async def poll(self, source_id: str) -> None:
        from monitor.poll import poll_source

        outcome = await poll_source(self.runtime, source_id)
        if outcome is not None:
            await self.deliver()

    async def deliver(self) -> None:
        async with self.delivery_lock:
            await deliver_pending_async(
                self.runtime.factory, self.mailing, self.runtime.owner, self.runtime.clock
            )

    async def queue_digests(self) -> None:
        """Queue the digests whose time has come (the database refuses a second one per period)."""
        from sqlalchemy.exc import IntegrityError

        from monitor.database import transaction
        from monitor.digest import queue_due_digests

        try:
            with transaction(self.runtime.factory) as session:
                queued = queue_due_digests(session, self.runtime.clock(), self.runtime.settings.tz)
        except IntegrityError:
            return  # another instance queued the same period first
        if queued:
            await self.deliver()

    def alive(self) -> bool:
        """The scheduler ran its watchlist check recently (it runs every few seconds)."""
        return self.scheduler.running and time.monotonic() - self.last_tick < 60

    async def check_watchlist(self) -> None:
        self.last_tick = time.monotonic()
        # Off the event loop: a new person is matched against all stored history.
        if await asyncio.to_thread(self.runtime.reload_if_changed):
            log.info("watchlist changed; sources rescheduled")
            self._schedule_sources()
