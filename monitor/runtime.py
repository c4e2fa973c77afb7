"""What a running service holds: settings, database, the current watchlist and its match index.

Rules:
- the watchlist is swapped only for a valid new version; an invalid file is reported and the last
  valid version kept;
- each swap syncs the database (people, advocates, sources; removed ones archived) and rebuilds the
  match index;
- with SQLite, one process at a time: a lock file next to the database refuses a second instance.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from monitor import database
from monitor.exc import ConfigError
from monitor.models import utcnow
from monitor.store import SyncReport, sync_watchlist
from monitor.watchlist import Watchlist, WatchlistError, load_watchlist

if TYPE_CHECKING:
    from filelock import BaseFileLock

    from monitor.matching import MatchIndex
    from monitor.settings import Settings

log = logging.getLogger(__name__)


def instance_id() -> str:
    """Who holds a lease: host, process and a random part (a restarted process is someone new)."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def build_index(watchlist: Watchlist) -> MatchIndex:
    from monitor.matching import MatchIndex, Person

    return MatchIndex.build(
        Person(
            id=p.id,
            name=p.name,
            aliases=tuple(p.aliases),
            birth_date=p.birth_date,
            nationalities=tuple(p.nationalities),
            sex=p.sex,
        )
        for p in watchlist.people
    )


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    watchlist: Watchlist
    index: MatchIndex
    owner: str = field(default_factory=instance_id)
    clock: Callable[[], datetime] = utcnow
    watchlist_mtime: float = 0.0
    lock: BaseFileLock | None = None
    # The shared HTTP client, opened by the service for the duration of its event loop.
    http: Any = None

    @classmethod
    def open(cls, settings: Settings, *, exclusive: bool = False) -> Runtime:
        """Open the database (migrating embedded SQLite), load and sync the watchlist."""
        engine = database.open_engine(settings)
        lock = _single_instance_lock(settings, engine) if exclusive else None
        database.require_current_schema(engine)
        watchlist = load_watchlist(settings.watchlist)
        runtime = cls(
            settings=settings,
            engine=engine,
            factory=database.make_session_factory(engine),
            watchlist=watchlist,
            index=build_index(watchlist),
            watchlist_mtime=_mtime(settings.watchlist),
            lock=lock,
        )
        runtime.sync()
        return runtime

    def sync(self) -> SyncReport:
        """Make the database reflect the watchlist, then match new people against history."""
        from monitor.backfill import backfill

        with database.transaction(self.factory) as session:
            report = sync_watchlist(session, self.watchlist, self.clock())
        if report.changed:
            log.info("watchlist synced", extra=_counts(report))
        backfill(self.factory, self.watchlist, self.clock(), build_index)
        return report

    def reload_if_changed(self) -> bool:
        """Re-read the watchlist if its file changed; True when a new valid version took effect."""
        mtime = _mtime(self.settings.watchlist)
        if mtime == self.watchlist_mtime:
            return False
        self.watchlist_mtime = mtime
        try:
            watchlist = load_watchlist(self.settings.watchlist)
        except WatchlistError as exc:
            log.error(
                "watchlist is invalid; keeping the last valid version",
                extra={"problems": [p.format(exc.filename) for p in exc.problems]},
            )
            return False
        self.watchlist, self.index = watchlist, build_index(watchlist)
        self.sync()
        return True

    def close(self) -> None:
        self.engine.dispose()
        if self.lock is not None:
            self.lock.release()


def _counts(report: SyncReport) -> dict[str, int]:
    return {
        f"{what}_{section}": len(ids)
        for what in ("added", "updated", "archived")
        for section, ids in getattr(report, what).items()
    }


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _single_instance_lock(settings: Settings, engine: Engine) -> BaseFileLock | None:
    """With SQLite, hold a lock file next to the database so a second `monitor run` refuses."""
    if engine.dialect.name != "sqlite" or not engine.url.database:
        return None
    from filelock import FileLock, Timeout

    path = Path(engine.url.database).with_suffix(".lock")
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise ConfigError(
            f"another monitor is already running on {path.with_suffix('.sqlite3')}: with SQLite only "
            "one instance may run (use PostgreSQL for several)"
        ) from None
    return lock
