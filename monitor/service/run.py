"""The two ways to run the service: one cycle now (`monitor poll`), or forever (`monitor run`).

Both go through the same code: poll the sources, then deliver what is queued.

Rules:
- `monitor poll` on a terminal shows its progress (rich); off a terminal it prints one plain line
  per source as each finishes;
- `monitor run` stops on SIGTERM or SIGINT: no new work starts, running work gets a grace period and
  is then cancelled (each source's poll commits in one transaction, so a cancelled one leaves
  nothing half-written and releases its claim); the process is gone within HARD_STOP_SECONDS even
  if some work cannot be interrupted (its open transaction is rolled back by the database).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from types import FrameType
from typing import TYPE_CHECKING, Any, Protocol

from monitor.config.settings import Settings
from monitor.config.watchlist import Source
from monitor.exc import ConfigError
from monitor.http import open_client
from monitor.matching import build as matching_build
from monitor.outbox.compose import Mailing
from monitor.outbox.send import deliver_pending_async
from monitor.outbox.templates import default_templates_dir
from monitor.outbox.transports import make_transport
from monitor.poll import Holder, Outcome, lease_holder, poll_source
from monitor.service.endpoint import HealthServer
from monitor.service.runtime import Runtime
from monitor.service.scheduler import Scheduler
from monitor.web.signing import EmailLinks, Signer

if TYPE_CHECKING:
    from monitor.web.server import WebProcess

log = logging.getLogger(__name__)
STOP_GRACE_SECONDS = 5.0
HARD_STOP_SECONDS = 9.0


def mailing_for(settings: Settings) -> Mailing:
    return Mailing(
        transport=make_transport(settings),
        sender=settings.mail_from,
        templates_dir=settings.templates_dir or default_templates_dir(),
        tz=settings.tz,
        names_in_subjects=settings.names_in_subjects,
        public_url=settings.public_url,
        links=email_links(settings),
    )


def email_links(settings: Settings) -> EmailLinks | None:
    """The web app's links for emails; None without MONITOR_SECRET_KEY (no app, no links)."""
    if settings.secret_key is None:
        return None
    signer = Signer(settings.secret_key.get_secret_value())
    return EmailLinks(signer, settings.effective_public_url)


# monitor poll -------------------------------------------------------------------------------------
class Progress(Protocol):
    """What a cycle tells the person watching it."""

    def source_started(self, source_id: str) -> None: ...

    def source_done(self, line: str) -> None: ...

    def delivering(self) -> None: ...


class PlainProgress:
    """Off a terminal: one line per source, printed as soon as it is done."""

    def source_started(self, source_id: str) -> None:
        pass

    def source_done(self, line: str) -> None:
        print(line, flush=True)

    def delivering(self) -> None:
        pass


def poll_once(settings: Settings, only: Sequence[str] = (), full: bool = False) -> int:
    """One cycle of every enabled source (or those named), then delivery; 1 if any source failed."""
    runtime = Runtime.open(settings)
    try:
        ids = _source_ids(runtime, only)
        with _progress_for(len(ids)) as progress:
            outcomes = asyncio.run(_cycle(runtime, only, full, progress))
    finally:
        runtime.close()
    return 0 if all(o.ok for o in outcomes) else 1


@contextmanager
def _progress_for(total: int) -> Iterator[Progress]:
    if not sys.stdout.isatty():
        yield PlainProgress()
        return
    with _terminal_progress(total) as progress:
        yield progress


async def _cycle(
    runtime: Runtime, only: Sequence[str], full: bool, progress: Progress | None = None
) -> list[Outcome]:
    ids = _source_ids(runtime, only)
    slots = asyncio.Semaphore(runtime.settings.poll_concurrency)

    async def one(source_id: str) -> Outcome | None:
        async with slots:
            if progress:
                progress.source_started(source_id)
            outcome = await poll_source(runtime, source_id, full=full, force=True)
            if progress:
                progress.source_done(
                    summary_line(outcome)
                    if outcome
                    else busy_line(source_id, lease_holder(runtime, source_id))
                )
            return outcome

    async with open_client(runtime.settings) as client:
        runtime.http = client
        done = await asyncio.gather(*(one(source_id) for source_id in ids))
        outcomes = [outcome for outcome in done if outcome is not None]
    if progress:
        progress.delivering()
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


def busy_line(source_id: str, holder: Holder | None) -> str:
    """The `skipped` line: which process holds the source, and since when."""
    if holder is None:
        return f"{source_id}: skipped: another process is polling it right now"
    since = f" since {holder.since:%Y-%m-%d %H:%M:%S} UTC" if holder.since else ""
    who = f"process {holder.process.pid} on {holder.process.host}"
    return f"{source_id}: skipped: {who} has been polling it{since}"


class TerminalProgress:
    """On a terminal: a live bar (rich) with the source being polled; lines print above it."""

    def __init__(self, bar: Any, task: Any) -> None:
        self.bar, self.task = bar, task

    def source_started(self, source_id: str) -> None:
        self.bar.update(self.task, description=f"polling {source_id}")

    def source_done(self, line: str) -> None:
        self.bar.console.print(line, markup=False, highlight=False)
        self.bar.advance(self.task)

    def delivering(self) -> None:
        self.bar.update(self.task, description="delivering alerts")


@contextmanager
def _terminal_progress(total: int) -> Iterator[Progress]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.progress import Progress as Bar

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Bar(*columns, redirect_stderr=True) as bar, _logs_above(bar):
        yield TerminalProgress(bar, bar.add_task("starting", total=total))


@contextmanager
def _logs_above(bar: Any) -> Iterator[None]:
    """Log lines go through rich while the bar is live, so they print above it, not across it."""
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler)]
    previous = [h.stream for h in handlers]
    for handler in handlers:
        handler.setStream(sys.stderr)  # rich's proxy while the bar is live
    try:
        yield
    finally:
        for handler, stream in zip(handlers, previous, strict=True):
            handler.setStream(stream)


# monitor run --------------------------------------------------------------------------------------
def run_forever(settings: Settings) -> int:
    """The long-running service: schedule, poll, deliver; stop cleanly on SIGTERM or SIGINT."""
    runtime = Runtime.open(settings, exclusive=True)
    try:
        asyncio.run(_serve(runtime))
    finally:
        runtime.close()
    return 0


async def _serve(runtime: Runtime) -> None:
    stopping = _stop_on_signals()
    async with open_client(runtime.settings) as client:
        runtime.http = client
        scheduler = Scheduler(runtime, mailing_for(runtime.settings))
        endpoint = await _start_endpoint(runtime, scheduler.alive)
        web = _start_web(runtime)
        scheduler.start()
        tries = scheduler.first_tries()
        for line in start_lines(runtime.settings, runtime.watchlist.all_sources, tries):
            print(f"monitor: {line}", flush=True)
        log.info(
            "service started",
            extra={
                "sources": len(tries),
                "sources_configured": len(runtime.watchlist.all_sources),
                "instance": runtime.owner,
            },
        )
        await stopping.wait()
        if web is not None:
            await asyncio.to_thread(web.stop)
        await _stop(scheduler, endpoint)
    print("monitor: stopped", file=sys.stderr)


def start_lines(
    settings: Settings, sources: Sequence[Source], tries: Sequence[tuple[str, datetime]]
) -> list[str]:
    """What `monitor run` says at start: where emails go, the enabled sources, which build of the
    matching engine runs, each first poll."""
    if settings.smtp_host:
        port = (
            settings.smtp_port or {"tls": 465, "starttls": 587, "none": 25}[settings.smtp_security]
        )
        mail = (
            f"emails go to the SMTP server {settings.smtp_host}:{port} ({settings.smtp_security})"
        )
    else:
        mail = f"no SMTP host set: emails are written as .eml files into {settings.effective_outbox_dir}"
    enabled = sum(1 for s in sources if s.enabled)
    lines = [mail, f"{enabled} of {len(sources)} sources enabled", matching_build.described()]
    tz = settings.tz
    for source_id, at in tries:
        lines.append(f"first poll of {source_id} at {at.astimezone(tz):%Y-%m-%d %H:%M:%S %Z}")
    return lines


async def _stop(scheduler: Scheduler, endpoint: HealthServer | None) -> None:
    log.info("stopping: no new work; running work gets %.0f s", STOP_GRACE_SECONDS)
    await scheduler.stop(STOP_GRACE_SECONDS)
    if endpoint is not None:
        await endpoint.stop()


def _stop_on_signals() -> asyncio.Event:
    """An event set by SIGTERM or SIGINT; the first signal also arms the hard stop.

    - signal.signal, not loop.add_signal_handler: the handler runs even while the event loop is
      busy in synchronous work, so the hard stop is armed in time.
    """
    loop, stopping = asyncio.get_running_loop(), asyncio.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if not stopping.is_set():
            _arm_hard_stop(HARD_STOP_SECONDS)
        loop.call_soon_threadsafe(stopping.set)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    return stopping


def _arm_hard_stop(seconds: float) -> None:
    def hard_stop() -> None:
        log.error(
            "work still running %.0f s after the stop signal; exiting without it (the database "
            "rolls its transaction back)",
            seconds,
        )
        for handler in logging.getLogger().handlers:
            handler.flush()
        os._exit(0)

    timer = threading.Timer(seconds, hard_stop)
    timer.daemon = True
    timer.start()


async def _start_endpoint(runtime: Runtime, alive: Callable[[], bool]) -> HealthServer | None:
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


def _start_web(runtime: Runtime) -> WebProcess | None:
    """With MONITOR_WEB_PORT set, the web app runs beside the scheduler (a `monitor web` process)."""
    if runtime.settings.web_port is None:
        return None
    from monitor.web.server import WebProcess

    return WebProcess.start(runtime.settings)
