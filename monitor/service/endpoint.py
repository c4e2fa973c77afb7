"""The optional HTTP endpoint: `/healthz` and `/metrics` (MONITOR_HTTP_PORT, loopback by default).

Rules:
- `/healthz` answers 200 when the scheduler ticked recently and the database answers within
  HEALTH_TIMEOUT, else 503 with the reason;
- `/metrics` is the Prometheus text format; the queue depth and the sources' consecutive failures
  are read from the database at each scrape; nothing here ever shows a watched person's name;
- only GET of these two paths; requests are small and bounded in time; anything else is 404/405.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from monitor import metrics
from monitor.service.runtime import Runtime
from monitor.store import database, deliveries, sources
from monitor.store.withdrawals import UNREACHABLE, withdrawal_health

log = logging.getLogger(__name__)
READ_TIMEOUT = 5.0
HEALTH_TIMEOUT = 3.0  # below the Dockerfile HEALTHCHECK's 5 s, so it gets an answer
MAX_REQUEST = 8192


class HealthServer:
    def __init__(self, runtime: Runtime, alive: Callable[[], bool]) -> None:
        self.runtime = runtime
        self.alive = alive
        self.server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> None:
        self.server = await asyncio.start_server(self._handle, host, port, limit=MAX_REQUEST)
        log.info("http endpoint listening", extra={"host": host, "port": port})

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_TIMEOUT)
            status, kind, body = await self._answer(head.split(b"\r\n", 1)[0])
        except (
            TimeoutError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ConnectionError,
        ):
            writer.close()
            return
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n".encode()
            + body
        )
        try:
            await writer.drain()
        finally:
            writer.close()

    async def _answer(self, request_line: bytes) -> tuple[str, str, bytes]:
        parts = request_line.decode("latin-1").split()
        if len(parts) != 3:
            return "400 Bad Request", "text/plain", b"bad request\n"
        method, path = parts[0], parts[1].split("?", 1)[0]
        if path not in ("/healthz", "/metrics"):
            return "404 Not Found", "text/plain", b"not found\n"
        if method != "GET":
            return "405 Method Not Allowed", "text/plain", b"GET only\n"
        if path == "/healthz":
            return await self._health()
        try:
            await asyncio.wait_for(asyncio.to_thread(self._refresh_from_database), HEALTH_TIMEOUT)
        except Exception as exc:  # the counters are still worth serving
            log.warning("metrics not refreshed", extra={"error": type(exc).__name__})
        return "200 OK", CONTENT_TYPE_LATEST, generate_latest(metrics.REGISTRY)

    async def _health(self) -> tuple[str, str, bytes]:
        problems = [] if self.alive() else ["scheduler not running"]
        try:
            await asyncio.wait_for(asyncio.to_thread(self._ping_database), HEALTH_TIMEOUT)
        except Exception:
            problems.append("database unreachable")
        if problems:
            return "503 Service Unavailable", "text/plain", ("; ".join(problems) + "\n").encode()
        return "200 OK", "text/plain", b"ok\n"

    def _ping_database(self) -> None:
        database.ping(self.runtime.engine)

    def _refresh_withdrawals(self) -> None:
        """The INTERPOL withdrawal gauges (monitor.store.withdrawals), one series per source."""
        now = self.runtime.clock()
        with self.runtime.factory() as session:
            interpol = sources.live(session, "interpol")
            health = [h for row in interpol if (h := withdrawal_health(session, row, now))]
        for gauge in (metrics.UNCONFIRMABLE, metrics.UNCONFIRMABLE_SINCE, metrics.UNCHECKED):
            gauge.clear()
        metrics.OVERDUE.clear()
        for h in health:
            reason = "unreachable" if h.reason and UNREACHABLE in h.reason else "incomplete"
            since = h.sweeps_incomplete_since
            if since is not None:
                metrics.UNCONFIRMABLE.labels(h.source_id, reason).set(h.unlisted)
            metrics.UNCONFIRMABLE_SINCE.labels(h.source_id).set(since.timestamp() if since else 0)
            metrics.UNCHECKED.labels(h.source_id).set(h.unchecked)
            metrics.OVERDUE.labels(h.source_id).set(h.overdue)

    def _refresh_from_database(self) -> None:
        started = time.monotonic()
        with self.runtime.factory() as session:
            counts = deliveries.count_by_status(session)
            failures = sources.failures(session)
            by_channel = deliveries.count_by_channel(session)
        for status, count in counts.items():
            metrics.QUEUE.labels(status).set(count)
        metrics.FAILING.clear()  # a removed source's series goes away
        for source_id, failed in failures:
            metrics.FAILING.labels(source_id).set(failed)
        metrics.CHANNEL_QUEUE.clear()
        for (channel, state), count in by_channel.items():
            metrics.CHANNEL_QUEUE.labels(channel, state).set(count)
        self._refresh_withdrawals()
        log.debug("metrics refreshed", extra={"seconds": round(time.monotonic() - started, 3)})
