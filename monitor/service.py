"""The two ways to run the service: one cycle now (`monitor poll`), or forever (`monitor run`).

Both go through the same code: poll the sources, then deliver what is queued.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import TYPE_CHECKING

from monitor.alerts import Mailing, deliver_pending_async
from monitor.emails import default_templates_dir
from monitor.exc import ConfigError
from monitor.mailer import make_transport
from monitor.poll import Outcome, poll_source
from monitor.runtime import Runtime
from monitor.settings import Settings

if TYPE_CHECKING:
    from monitor.httpapi import HealthServer

log = logging.getLogger(__name__)
STOP_GRACE_SECONDS = 8.0


def mailing_for(settings: Settings) -> Mailing:
    return Mailing(
        transport=make_transport(settings),
        sender=settings.mail_from,
        templates_dir=settings.templates_dir or default_templates_dir(),
        tz=settings.tz,
        names_in_subjects=settings.names_in_subjects,
    )


def poll_once(settings: Settings, only: Sequence[str] = (), full: bool = False) -> int:
    """One cycle of every enabled source (or those named), then delivery; 1 if any source failed."""
    runtime = Runtime.open(settings)
    try:
        outcomes = asyncio.run(_cycle(runtime, only, full))
    finally:
        runtime.close()
    for outcome in outcomes:
        print(summary_line(outcome))
    return 0 if all(o.ok for o in outcomes) else 1


async def _cycle(runtime: Runtime, only: Sequence[str], full: bool) -> list[Outcome]:
    ids = _source_ids(runtime, only)
    from monitor.http import open_client

    async with open_client(runtime.settings) as client:
        runtime.http = client
        outcomes = []
        for source_id in ids:
            outcome = await poll_source(runtime, source_id, full=full, force=True)
            if outcome is not None:
                outcomes.append(outcome)
    await deliver_pending_async(
        runtime.factory, mailing_for(runtime.settings), runtime.owner, runtime.clock
    )
    return outcomes


def _source_ids(runtime: Runtime, only: Sequence[str]) -> list[str]:
    everything = runtime.watchlist.all_sources
    enabled = [s.id for s in everything if s.enabled]
    if not only:
        return enabled
    unknown = [s for s in only if s not in {source.id for source in everything}]
    if unknown:
        raise ConfigError(f"no source with id {', '.join(map(repr, unknown))} in the watchlist")
    return [s for s in only if s in enabled] or list(only)


def summary_line(outcome: Outcome) -> str:
    if not outcome.ok:
        return f"{outcome.source_id}: FAILED: {outcome.error}"
    scan = " (first scan: recorded as baseline, no alerts)" if outcome.baseline else ""
    partial = (
        "" if outcome.complete in (None, True) else " (incomplete: nothing was marked removed)"
    )
    return (
        f"{outcome.source_id}: ok, {outcome.items} items ({outcome.new} new, {outcome.changed} changed), "
        f"{outcome.events} events, {outcome.alerts} alerts queued, {outcome.requests} requests, "
        f"{outcome.seconds:.1f}s{scan}{partial}"
    )


async def _start_endpoint(runtime: Runtime, alive: Callable[[], bool]) -> HealthServer | None:
    from monitor.httpapi import HealthServer

    settings = runtime.settings
    if settings.http_port is None:
        return None
    endpoint = HealthServer(runtime, alive)
    try:
        await endpoint.start(settings.http_host, settings.http_port)
    except OSError as exc:
        raise ConfigError(
            f"MONITOR_HTTP_PORT: cannot listen on {settings.http_host}:{settings.http_port}: {exc.strerror}"
        ) from None
    return endpoint


def run_forever(settings: Settings) -> int:
    """The long-running service: schedule, poll, deliver; stop cleanly on SIGTERM or SIGINT."""
    runtime = Runtime.open(settings, exclusive=True)
    try:
        asyncio.run(_serve(runtime))
    finally:
        runtime.close()
    return 0


async def _serve(runtime: Runtime) -> None:
    from monitor.http import open_client
    from monitor.scheduler import Scheduler

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with suppress(NotImplementedError):
            loop.add_signal_handler(signum, stopping.set)
    async with open_client(runtime.settings) as client:
        runtime.http = client
        scheduler = Scheduler(runtime, mailing_for(runtime.settings))
        scheduler.start()
        endpoint = await _start_endpoint(runtime, scheduler.alive)
        log.info(
            "service started",
            extra={"sources": len(runtime.watchlist.sources), "instance": runtime.owner},
        )
        await stopping.wait()
        log.info("stopping")
        await scheduler.stop(STOP_GRACE_SECONDS)
        if endpoint is not None:
            await endpoint.stop()
    print("monitor: stopped", file=sys.stderr)
