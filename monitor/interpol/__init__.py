"""Everything INTERPOL: parse (pure), client, sweep (pure), lifecycle (pure rules), collect,
record."""

from __future__ import annotations
