"""One thin file per `monitor` sub-command."""

from __future__ import annotations
