"""`monitor poll`: progress on a terminal, plain lines off one (real processes)."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

from tests.e2e import write_watchlist
from tests.news import UNRELATED, rss
from tests.servers.http_server import HttpTestServer, Reply
from tests.servers.service_process import clean_environ


def environ_for(folder: Path, server: HttpTestServer) -> dict[str, str]:
    sources = [
        {"id": name, "type": "feed", "url": server.url(f"/{name}"), "interval": "30m"}
        for name in ("one", "two")
    ]
    return clean_environ(
        {
            "MONITOR_WATCHLIST": str(write_watchlist(folder / "w.yaml", sources)),
            "MONITOR_DATA_DIR": str(folder / "data"),
            "TERM": "xterm-256color",
        }
    )


def serve_feeds(server: HttpTestServer) -> None:
    for name in ("one", "two"):
        server.route(f"/{name}", Reply.raw(rss([(f"/{name}", "Budget", UNRELATED)])))


def test_off_a_terminal_poll_prints_one_plain_line_per_source(tmp_path: Path) -> None:
    with HttpTestServer() as server:
        serve_feeds(server)
        done = subprocess.run(
            [sys.executable, "-m", "monitor", "poll"],
            cwd=tmp_path,
            env=environ_for(tmp_path, server),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert sorted(line.split(":")[0] for line in lines) == ["one", "two"]  # in the order they end
    assert all(": ok, 1 items" in line for line in lines)
    assert "\x1b" not in done.stdout + done.stderr  # no colours, no cursor movements


def test_on_a_terminal_poll_shows_a_progress_bar_and_readable_logs(tmp_path: Path) -> None:
    with HttpTestServer() as server:
        serve_feeds(server)
        output, code = run_on_a_terminal(
            [sys.executable, "-m", "monitor", "poll"], tmp_path, environ_for(tmp_path, server)
        )
    assert code == 0
    assert "\x1b[" in output  # rich drew on the terminal
    assert "━" in output and "2/2" in output  # the bar and its count
    assert "one: ok, 1 items" in output and "two: ok, 1 items" in output
    assert '{"ts"' not in output  # logs are readable lines on a terminal, not JSON


def run_on_a_terminal(command: list[str], cwd: Path, environ: dict[str, str]) -> tuple[str, int]:
    """Run `command` with a pseudo-terminal (120 columns) as its stdin, stdout and stderr."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    process = subprocess.Popen(
        command, cwd=cwd, env=environ, stdin=terminal, stdout=terminal, stderr=terminal
    )
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    return b"".join(chunks).decode("utf-8", "replace"), process.wait(timeout=60)
