"""Shared fixtures: an isolated environment per test, and real databases.

PostgreSQL: MONITOR_TEST_DATABASE_URL names a server and database the tests may use (default:
the local server on 127.0.0.1:5432, database `test`). Each test that asks for `pg_url` gets a fresh,
empty database created on that server and dropped afterwards. Without a reachable server those
tests are skipped with the reason shown; with MONITOR_TEST_REQUIRE_POSTGRES=1 (set by CI) they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tests.databases import fresh_postgres_database


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No test reads the developer's MONITOR_* variables or .env; each runs in its own folder."""
    for key in list(os.environ):
        if key.startswith("MONITOR_") and not key.startswith("MONITOR_TEST_"):
            monkeypatch.delenv(key)
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    return workdir


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped after the test."""
    with fresh_postgres_database("redwatch_test") as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'db' / 'monitor.sqlite3'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each test that uses it runs once on SQLite and once on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated database (SQLite and PostgreSQL in turn), disposed after the test."""
    from monitor.store import database

    engine = database.create_db_engine(db_url)
    database.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    from monitor.store import database

    return database.make_session_factory(engine)
