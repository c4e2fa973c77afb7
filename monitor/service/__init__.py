"""The long-running process: its runtime, one cycle, the APScheduler wiring, the HTTP
endpoint."""

from __future__ import annotations
