"""Serving the app with uvicorn: alone (`monitor web`) or beside the scheduler (`monitor run`).

Rules:
- the app needs MONITOR_SECRET_KEY; without it nothing is served (a clear error);
- it listens on MONITOR_WEB_HOST (127.0.0.1 by default): put a TLS reverse proxy in front of it;
- uvicorn's access log is off (a request's path can hold a person's id) and uvicorn does not
  touch the service's logging;
- beside the scheduler (`monitor run`) it is a child process, so a busy page never holds up a
  poll, and it stops within STOP_SECONDS of the service's stop;
- that child ends when its parent ends, however the parent ends (SIGKILL, a crash): see
  `ParentWatch`.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import uvicorn

from monitor.config.settings import DEFAULT_WEB_PORT, Settings
from monitor.exc import ConfigError
from monitor.outbox.compose import Mailing
from monitor.outbox.templates import default_templates_dir
from monitor.store import Engine, database
from monitor.store.models import utcnow
from monitor.web.app import build_app
from monitor.web.context import WebContext
from monitor.web.signing import Signer

log = logging.getLogger(__name__)
STOP_SECONDS = 5.0
WEB_NICENESS = 10
PARENT_CHECK_SECONDS = 1.0
PR_SET_PDEATHSIG = 1  # linux/prctl.h


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
        proxy_headers=settings.trusted_proxies is not None,
        forwarded_allow_ips=settings.trusted_proxies,
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
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and command, and a pid)
            [sys.executable, "-m", "monitor", "web", "--parent-pid", str(os.getpid())],
            stdin=subprocess.DEVNULL,
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


@dataclass
class ParentWatch:
    """`monitor web --parent-pid PID`: the app stops when the process that started it ends.

    - on Linux the kernel sends SIGTERM when the parent dies (prctl PR_SET_PDEATHSIG), which
      uvicorn answers with its graceful stop; the "parent" there is the parent's thread that
      started the child, the main thread of `monitor run`;
    - everywhere, a thread checks every PARENT_CHECK_SECONDS that the parent pid is unchanged (an
      orphan is adopted by another process) and asks the server to stop; this also covers a
      SIGTERM that arrives while no handler of uvicorn is installed yet;
    - a parent already gone when the watch begins (it died while the child was starting) is gone.
    """

    parent_pid: int
    gone: threading.Event = field(default_factory=threading.Event)
    server: uvicorn.Server | None = None

    def start(self) -> None:
        if not set_parent_death_signal(signal.SIGTERM):
            log.info("no parent-death signal here: the parent is checked every second")
        threading.Thread(target=self._watch, name="parent-watch", daemon=True).start()

    def parent_alive(self) -> bool:
        return os.getppid() == self.parent_pid

    def stop_with_parent(self, server: uvicorn.Server) -> None:
        """Stop `server` once the parent is gone (at once if it already is)."""
        self.server = server
        if self.gone.is_set():
            server.should_exit = True

    def _watch(self) -> None:
        while self.parent_alive():
            time.sleep(PARENT_CHECK_SECONDS)
        log.warning("the process that started the web app is gone: stopping")
        self.gone.set()
        if self.server is not None:
            self.server.should_exit = True


def set_parent_death_signal(signum: int) -> bool:
    """Ask the kernel for `signum` when this process's parent dies (Linux only); True if set."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_PDEATHSIG, int(signum), 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False
