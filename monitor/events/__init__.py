"""What a poll records: observations (one upsert), matches, events, mentions and verdicts."""

from __future__ import annotations
