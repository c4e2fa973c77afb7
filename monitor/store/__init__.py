"""The database: models, engine and transactions, the watchlist sync, pruning."""

from __future__ import annotations
