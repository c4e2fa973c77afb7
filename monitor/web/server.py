"""Serving the app with uvicorn: alone (`monitor web`) or beside the scheduler (`monitor run`).

Rules:
- the app needs MONITOR_SECRET_KEY; without it nothing is served (a clear error);
- it listens on MONITOR_WEB_HOST (127.0.0.1 by default): put a TLS reverse proxy in front of it;
- uvicorn's access log is off (a request's path can hold a person's id) and uvicorn does not
  touch the service's logging;
- beside the scheduler (`monitor run`) it is a child process, so a busy page never holds up a
  poll, and it stops within STOP_SECONDS of the service's stop.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from dataclasses import dataclass

import uvicorn
from sqlalchemy import Engine

from monitor.config.settings import DEFAULT_WEB_PORT, Settings
from monitor.exc import ConfigError
from monitor.outbox.compose import Mailing
from monitor.outbox.templates import default_templates_dir
from monitor.store import database
from monitor.store.models import utcnow
from monitor.web.app import build_app
from monitor.web.context import WebContext
from monitor.web.signing import Signer

log = logging.getLogger(__name__)
STOP_SECONDS = 5.0
WEB_NICENESS = 10


def web_context(settings: Settings, engine: Engine, owner: str, mailing: Mailing) -> WebContext:
    if settings.secret_key is None:
        raise ConfigError(
            "MONITOR_SECRET_KEY: required by the web app (it signs sessions and email links); "
            "set it, or MONITOR_SECRET_KEY_FILE"
        )
    return WebContext(
        settings=settings,
        factory=database.make_session_factory(engine),
        signer=Signer(settings.secret_key.get_secret_value()),
        mailing=mailing,
        owner=owner,
        templates_dir=default_templates_dir(),
        clock=utcnow,
    )


def uvicorn_config(ctx: WebContext, port: int | None = None) -> uvicorn.Config:
    settings = ctx.settings
    return uvicorn.Config(
        build_app(ctx),
        host=settings.web_host,
        port=port if port is not None else settings.web_port or DEFAULT_WEB_PORT,
        access_log=False,
        log_config=None,
        server_header=False,
        lifespan="off",
        timeout_graceful_shutdown=int(STOP_SECONDS),
    )


def listen_error(settings: Settings, error: BaseException) -> ConfigError:
    where = f"{settings.web_host}:{settings.web_port or DEFAULT_WEB_PORT}"
    return ConfigError(f"MONITOR_WEB_PORT: cannot listen on {where}: {error}")


@dataclass
class WebProcess:
    """The app beside the scheduler (`monitor run`): a `monitor web` child process.

    - a process of its own, not a thread: pages never compete with polls for the interpreter
      lock; and at a lower CPU priority (nice 10), so on busy cores a poll goes first
      (bench/bench_web.py measures a cycle with and without 20 requests a second);
    - it reads the same settings (environment and `.env`) and database as its parent.
    """

    process: subprocess.Popen[bytes]

    @classmethod
    def start(cls, settings: Settings) -> WebProcess:
        if settings.secret_key is None:
            raise ConfigError(
                "MONITOR_SECRET_KEY: required when the web app is on (MONITOR_WEB_PORT is set)"
            )
        process = subprocess.Popen(
            [sys.executable, "-m", "monitor", "web"], stdin=subprocess.DEVNULL
        )
        try:  # polls (alerts) come first when the cores are busy; pages can wait a little
            os.setpriority(os.PRIO_PROCESS, process.pid, WEB_NICENESS)
        except OSError:
            log.warning("web app priority not lowered")
        log.info(
            "web app started",
            extra={"pid": process.pid, "host": settings.web_host, "port": settings.web_port},
        )
        return cls(process)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(STOP_SECONDS + 1)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
