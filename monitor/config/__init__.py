"""Configuration: settings (every MONITOR_* once), the watchlist schema, its validation with
positions."""

from __future__ import annotations
