"""`monitor db upgrade` and `monitor db current`: the database schema."""

from __future__ import annotations

import argparse

from monitor.commands.common import settings
from monitor.store import database

EXIT_OK = 0


def upgrade(args: argparse.Namespace) -> int:
    loaded = settings()
    engine = database.open_engine(loaded)
    database.upgrade(engine)
    print(
        f"database {database.redacted_url(loaded.effective_database_url)} is at revision "
        f"{database.current_revision(engine)}"
    )
    return EXIT_OK


def current(args: argparse.Namespace) -> int:
    engine = database.open_engine(settings())
    print(database.current_revision(engine) or "empty (run `monitor db upgrade`)")
    return EXIT_OK
