"""The database: models and their StrEnums, engines and transactions, the watchlist sync, pruning,
and the queries (one module per table family: sources, runs, deliveries, observations, matches,
events, decisions, people, and the web app's sign_ins, login_hits, audit): SQL is built here only.

The SQLAlchemy types a caller needs without building SQL (a session, its factory, an engine, the
errors it may raise) are re-exported here, so SQLAlchemy is imported only inside store/ and where
SQL is really built.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.exc import (
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session, sessionmaker

# The database is away (down, restarting, unreachable): try again later.
UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError)

__all__ = [
    "UNAVAILABLE",
    "Engine",
    "IntegrityError",
    "SQLAlchemyError",
    "Session",
    "sessionmaker",
]
