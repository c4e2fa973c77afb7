"""Engines, sessions and migrations.

Rules:
- SQLite runs in WAL mode with a busy timeout and foreign keys on; its folder is created 0700
  and its file 0600 (it names people in danger);
- the schema is only ever changed by Alembic migrations (monitor/migrations/versions);
- `require_current_schema` refuses to run on an out-of-date schema with a clear message, except that
  an embedded SQLite database is upgraded automatically.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from monitor.exc import ConfigError, SchemaOutOfDate

if TYPE_CHECKING:
    from monitor.config.settings import Settings

SQLITE_BUSY_TIMEOUT_MS = 30_000


def create_db_engine(url: str) -> Engine:
    """An engine for `url`; a SQLite file gets its folder, permissions and pragmas."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database)
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def _sqlite_engine(url: str, database: str | None) -> Engine:
    if database and database != ":memory:":
        _prepare_private_file(Path(database))
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _prepare_private_file(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        path.touch(mode=0o600)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back when it raises."""
    with factory() as session, session.begin():
        yield session


def migrations_dir() -> Path:
    """The migration scripts shipped inside the package (monitor/migrations), wherever it is installed."""
    folder = Path(__file__).resolve().parents[1] / "migrations"
    if not (folder / "env.py").is_file():
        raise ConfigError(
            f"migration scripts not found in {folder}: this redwatch installation is incomplete;"
            " reinstall it (pip install --force-reinstall redwatch)"
        )
    return folder


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["engine"] = engine
    return config


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to `revision` (the newest by default)."""
    from alembic import command

    config = _alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def require_current_schema(engine: Engine) -> None:
    """Refuse an out-of-date schema; upgrade an embedded SQLite database instead."""
    current, head = current_revision(engine), head_revision(engine)
    if current == head:
        return
    if engine.dialect.name == "sqlite":
        upgrade(engine)
        return
    state = "empty" if current is None else f"at revision {current}"
    raise SchemaOutOfDate(
        f"the database schema is {state}, this version needs {head}: run `monitor db upgrade`"
    )


def redacted_url(url: str) -> str:
    """The URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def open_engine(settings: Settings) -> Engine:
    """The service's engine, after checking that the database answers."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    url = settings.effective_database_url
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise ConfigError(f"cannot open the database {redacted_url(url)}: {reason}") from None
    return engine


def ping(engine: Engine) -> None:
    """Ask the database the smallest question; raises when it does not answer."""
    from sqlalchemy import text

    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


@contextmanager
def advisory_lock(engine: Engine, key: int) -> Iterator[None]:
    """Hold a PostgreSQL session-level advisory lock for the block (waiting for it first)."""
    from sqlalchemy import func, select

    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(select(func.pg_advisory_lock(key)))
        try:
            yield
        finally:
            connection.execute(select(func.pg_advisory_unlock(key)))


def describe_failure(error: BaseException) -> str | None:
    """One line for an operational database failure (disk full, read-only file, server gone or
    restarted), or None for any other error.

    Only OperationalError: its message is the database's own words about itself. The messages of
    integrity or data errors quote the values involved, which may name a watched person.
    """
    from sqlalchemy.exc import OperationalError

    if not isinstance(error, OperationalError):
        return None
    lines = str(error.orig or "").strip().splitlines() or ["no detail"]
    return f"database error: {lines[0][:300]}"
