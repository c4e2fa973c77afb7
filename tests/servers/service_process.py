"""A real `monitor` process for tests: started with subprocess, its output collected as it comes.

    with MonitorProcess(env, cwd=tmp_path) as service:           # `monitor run` by default
        service.wait_for_log(lambda e: e["msg"] == "source polled")
        service.terminate()                                       # SIGTERM; returns the exit code
        assert not service.output_containing("Traceback")

Rules:
- the environment is the test's own: no MONITOR_* variable of the developer leaks in, and the
  process runs in `cwd` (so no stray .env is read);
- stdout and stderr are read by threads into `stdout` / `stderr` (lists of lines), so the process
  never blocks on a full pipe; `logs()` parses the JSON lines of stderr;
- leaving the `with` kills the process if it is still running (a failing test leaves nothing).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any


def clean_environ(extra: Mapping[str, str]) -> dict[str, str]:
    """os.environ without MONITOR_* settings, plus `extra`."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    environ.update(extra)
    return environ


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, every: float = 0.2) -> Any:
    """Poll `predicate` until it returns something truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


class MonitorProcess:
    """One `python -m monitor ARGS` process with collected output."""

    def __init__(
        self, environ: Mapping[str, str], cwd: Path, args: Sequence[str] = ("run",)
    ) -> None:
        self.environ = clean_environ(environ)
        self.cwd = cwd
        self.args = list(args)
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.process: subprocess.Popen[str] | None = None
        self._readers: list[threading.Thread] = []

    # Life cycle -------------------------------------------------------------------------------
    def command(self) -> list[str]:
        """The argv of the process (a subclass may run `monitor` through a launcher)."""
        return [sys.executable, "-m", "monitor", *self.args]

    def start(self) -> MonitorProcess:
        self.process = subprocess.Popen(
            self.command(),
            cwd=self.cwd,
            env=self.environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        for stream, lines in (
            (self.process.stdout, self.stdout),
            (self.process.stderr, self.stderr),
        ):
            reader = threading.Thread(target=_collect, args=(stream, lines), daemon=True)
            reader.start()
            self._readers.append(reader)
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    def wait(self, timeout: float) -> int:
        """The exit code, once the process and its output readers are done."""
        assert self.process is not None
        code = self.process.wait(timeout=timeout)
        self._close_pipes()
        return code

    def terminate(self, timeout: float = 30) -> int:
        self.signal(signal.SIGTERM)
        return self.wait(timeout)

    def kill(self) -> None:
        """SIGKILL if still running (a crash, as `kill -9` makes one); the pipes are closed."""
        if self.process is None:
            return
        if self.running():
            self.process.kill()
            self.process.wait(timeout=10)
        self._close_pipes()

    def _close_pipes(self) -> None:
        assert self.process is not None
        for reader in self._readers:
            reader.join(timeout=5)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    def __enter__(self) -> MonitorProcess:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.kill()

    # Output -----------------------------------------------------------------------------------
    def logs(self) -> list[dict[str, Any]]:
        """The JSON log lines written so far (a line that is not JSON fails the test)."""
        return [json.loads(line) for line in list(self.stderr) if line.startswith("{")]

    def wait_for_log(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 30, what: str = ""
    ) -> dict[str, Any]:
        """The first log entry that satisfies `predicate`, waiting for it if need be."""

        def found() -> dict[str, Any] | None:
            if not self.running() and self.process is not None:
                raise AssertionError(f"monitor exited ({self.process.returncode}):\n{self.text()}")
            return next((e for e in self.logs() if predicate(e)), None)

        entry: dict[str, Any] = wait_until(found, timeout, what or "a log entry")
        return entry

    def text(self) -> str:
        """Everything the process wrote, stdout then stderr."""
        return "".join(self.stdout) + "".join(self.stderr)


def _collect(stream: Any, lines: list[str]) -> None:
    for line in stream:
        lines.append(line)
