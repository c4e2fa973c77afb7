"""Fresh PostgreSQL databases for tests, on the server MONITOR_TEST_DATABASE_URL names.

    with fresh_postgres_database("redwatch_test") as url:
        ...                             # an empty database, dropped afterwards

Rules:
- the server defaults to the local one (127.0.0.1:5432, database `test`, trust auth);
- without a reachable server the test is skipped with the reason shown; with
  MONITOR_TEST_REQUIRE_POSTGRES=1 (set by CI) it fails instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from monitor.config.settings import normalise_database_url

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def server_url() -> str:
    return normalise_database_url(os.environ.get("MONITOR_TEST_DATABASE_URL", DEFAULT_PG))


def require_postgres() -> bool:
    return os.environ.get("MONITOR_TEST_REQUIRE_POSTGRES", "") not in ("", "0")


@contextmanager
def fresh_postgres_database(prefix: str) -> Iterator[str]:
    """The URL of a new, empty database named `<prefix>_<random>`, dropped on exit."""
    server = make_url(server_url())
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        reason = f"PostgreSQL not reachable at {server.render_as_string()}: {type(exc).__name__}"
        if require_postgres():
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
