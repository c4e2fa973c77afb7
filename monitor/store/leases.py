"""Who a process is, and whether a process named in a lease is still alive on this host.

Rules:
- a process is named by its host, its pid and its start time (seconds since boot, from
  /proc/PID/stat), so a pid the system gave to someone else since is not mistaken for the holder;
- `dead()` is True only when that is certain: the holder ran on this host and its pid is gone, or
  now belongs to a process that started at another time; a holder on another host, or a question
  this system cannot answer, is never called dead.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

HOST = socket.gethostname()[:255]


@dataclass(frozen=True)
class ProcessId:
    """A process as a lease records it."""

    host: str
    pid: int
    started: float | None


def this_process() -> ProcessId:
    return ProcessId(HOST, os.getpid(), start_time(os.getpid()))


def start_time(pid: int) -> float | None:
    """When `pid` started, in seconds since boot (None where /proc cannot tell, or no such pid)."""
    fields = _stat(pid)
    try:
        return int(fields[19]) / os.sysconf("SC_CLK_TCK") if fields else None
    except (IndexError, ValueError, OSError):
        return None


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first), or None."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def alive(pid: int) -> bool | None:
    """Whether `pid` exists (True), certainly does not (False), or cannot be told (None)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    except OSError:
        return None
    return True


def dead(holder: ProcessId) -> bool:
    """Whether the holder is certainly gone (see the module rules)."""
    if holder.host != HOST or holder.pid <= 0:
        return False
    state = alive(holder.pid)
    if state is None:
        return False
    if not state:
        return True
    if (_stat(holder.pid) or ["?"])[0] in ("Z", "X"):
        return True  # killed, not yet reaped by its parent: it holds nothing any more
    now_started = start_time(holder.pid)
    return holder.started is not None and now_started is not None and now_started != holder.started
