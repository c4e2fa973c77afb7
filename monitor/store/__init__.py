"""The database: models, engine and transactions, the watchlist sync, shared queries."""

from __future__ import annotations
