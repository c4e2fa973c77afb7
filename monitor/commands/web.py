"""`monitor web`: serve the advocates' web app (and deliver its sign-in emails) until stopped."""

from __future__ import annotations

import argparse
import logging
import signal
import sys

import uvicorn

from monitor.commands.common import settings as load
from monitor.config.settings import DEFAULT_WEB_PORT, Settings
from monitor.service.run import mailing_for
from monitor.service.runtime import instance_id
from monitor.store import database
from monitor.web.server import ParentWatch, listen_error, uvicorn_config, web_context

log = logging.getLogger(__name__)


def run(args: argparse.Namespace) -> int:
    watch = ParentWatch(args.parent_pid) if args.parent_pid is not None else None
    if watch is not None:
        watch.start()  # first: a parent that dies while the app starts is seen too
    return web_command(load(), watch)


def web_command(settings: Settings, watch: ParentWatch | None = None) -> int:
    """Serve on MONITOR_WEB_HOST:MONITOR_WEB_PORT until SIGTERM or Ctrl-C (or, with `watch`,
    until the process that started this one is gone)."""
    engine = database.open_engine(settings)
    try:
        database.require_current_schema(engine)
        ctx = web_context(settings, engine, instance_id(), mailing_for(settings))
        with ctx.factory() as session:
            ctx.directory.people(session)  # the first page does not wait for 10,000 people
        server = uvicorn.Server(uvicorn_config(ctx))
        if watch is not None:
            watch.stop_with_parent(server)
        port = settings.web_port or DEFAULT_WEB_PORT
        print(
            f"monitor: web app on http://{settings.web_host}:{port} (links in emails: {settings.effective_public_url})",
            flush=True,
        )
        for signum in (signal.SIGTERM, signal.SIGINT):
            # uvicorn handles the signal, then raises it again for the previous handler: this one
            # lets the command end normally, with exit code 0.
            signal.signal(signum, lambda *_: None)
        try:
            server.run()
        except OSError as exc:
            raise listen_error(settings, exc) from None
        if not server.started:
            raise listen_error(settings, OSError("address in use or not allowed"))
    finally:
        engine.dispose()
    print("monitor: stopped", file=sys.stderr)
    return 0
