"""What a running service holds: settings, database, the current watchlist and its match index.

Rules:
- the watchlist is swapped only for a valid new version, after the database reflects it; an
  invalid file is reported once per version (positions and problems, never the values it quotes)
  and the last valid version kept;
- each swap syncs the database (people, advocates, sources; removed ones archived), matches new
  people against stored history (first-scan events: digest only) and rebuilds the match index;
- with PostgreSQL, instances take turns to sync (an advisory lock), so two of them starting or
  reloading together do not insert the same rows;
- with SQLite, one process at a time: a lock file next to the database refuses a second instance;
- the names, aliases and ids of the watched people are registered with the log scrubber.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor import logs
from monitor.backfill import backfill
from monitor.config import watchlist as schema
from monitor.config.watchlist import Watchlist, WatchlistError, load_watchlist
from monitor.exc import ConfigError
from monitor.matching import MatchIndex, MatchPerson
from monitor.store import Engine, Session, database, sessionmaker
from monitor.store.models import utcnow
from monitor.store.sync import SyncReport, sync_watchlist

if TYPE_CHECKING:
    from filelock import BaseFileLock

    from monitor.config.settings import Settings

log = logging.getLogger(__name__)
SYNC_LOCK_KEY = 0x72656477  # "redw": the PostgreSQL advisory lock taken while syncing
FileStamp = tuple[int, int, int]  # (inode, size, mtime in ns): any save or replacement changes it
_QUOTED = re.compile(r"(['\"])(.*?)\1")


def instance_id() -> str:
    """Who holds a lease: host, process and a random part (a restarted process is someone new)."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def build_index(watchlist: Watchlist) -> MatchIndex:
    return MatchIndex.build(
        MatchPerson(
            id=p.id,
            name=p.name,
            aliases=tuple(p.aliases),
            birth_date=p.birth_date,
            nationalities=tuple(p.nationalities),
            sex=p.sex,
        )
        for p in watchlist.people
    )


def protect_people(watchlist: Watchlist) -> None:
    """Keep every watched person's name, aliases and id out of the logs."""
    logs.protect(
        word for person in watchlist.people for word in (person.id, person.name, *person.aliases)
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
    watchlist_stamp: FileStamp | None = None
    lock: BaseFileLock | None = None
    # The shared HTTP client, opened by the service for the duration of its event loop.
    http: Any = None
    # One reload at a time, whoever calls (a reload runs in a worker thread).
    reload_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def open(cls, settings: Settings, *, exclusive: bool = False) -> Runtime:
        """Open the database (migrating embedded SQLite), load and sync the watchlist.

        - `exclusive` (the service): with SQLite, refuse when another service holds the database.
        """
        engine = database.open_engine(settings)
        lock = _single_instance_lock(engine) if exclusive else None
        database.require_current_schema(engine)
        stamp = file_stamp(settings.watchlist)
        watchlist = load_watchlist(settings.watchlist)
        protect_people(watchlist)
        runtime = cls(
            settings=settings,
            engine=engine,
            factory=database.make_session_factory(engine),
            watchlist=watchlist,
            index=build_index(watchlist),
            watchlist_stamp=stamp,
            lock=lock,
        )
        runtime.sync()
        release_memory()
        return runtime

    def sync(
        self, watchlist: Watchlist | None = None, index: MatchIndex | None = None
    ) -> SyncReport:
        """Make the database reflect `watchlist` (default: the current one), then match new
        people against history (with `index`, the watchlist's own, when everyone is new)."""
        if watchlist is None:
            watchlist, index = self.watchlist, self.index
        everyone = len(watchlist.people)

        def index_for(subset: Watchlist) -> MatchIndex:
            # At a first start everyone is new: reuse the index rather than build a second one.
            if index is not None and len(subset.people) == everyone:
                return index
            return build_index(subset)

        with self._sync_turn():
            with database.transaction(self.factory) as session:
                report = sync_watchlist(session, watchlist, self.clock())
            if report.changed:
                log.info("watchlist synced", extra=_counts(report))
            backfill(self.factory, watchlist, self.clock(), index_for)
        return report

    @contextmanager
    def _sync_turn(self) -> Iterator[None]:
        """On PostgreSQL, wait for other instances to finish their sync (an advisory lock)."""
        if self.engine.dialect.name != "postgresql":
            yield
            return
        with database.advisory_lock(self.engine, SYNC_LOCK_KEY):
            yield

    def reload_if_changed(self) -> bool:
        """Re-read the watchlist if its file changed; True when a new valid version took effect.

        - an invalid version is logged once and the last valid one kept; a later save is read again;
        - if the database cannot be synced, nothing changes and the next check tries again;
        - one reload at a time: a second caller waits, then finds the file already read.
        """
        with self.reload_lock:
            return self._reload_if_changed()

    def _reload_if_changed(self) -> bool:
        stamp = file_stamp(self.settings.watchlist)
        if stamp == self.watchlist_stamp:
            return False
        try:
            watchlist = load_watchlist(self.settings.watchlist)
        except WatchlistError as exc:
            self.watchlist_stamp = stamp
            self._report_invalid(exc)
            return False
        protect_people(watchlist)
        index = build_index(watchlist)
        self.sync(watchlist, index)
        self.watchlist, self.index = watchlist, index
        self.watchlist_stamp = stamp
        release_memory()
        return True

    def _report_invalid(self, exc: WatchlistError) -> None:
        problems = [redact_problem(p.format(exc.filename), self.watchlist) for p in exc.problems]
        log.error(
            "watchlist is invalid; keeping the last valid version (`monitor check` shows the "
            "problems in full)",
            extra={"problems": problems},
        )

    def close(self) -> None:
        self.engine.dispose()
        if self.lock is not None:
            self.lock.release()


def release_memory() -> None:
    """Give the memory of a load's temporary objects back to the system, and settle what stays.

    - loading a large watchlist and syncing it allocate far more, briefly, than they keep; without
      this, the idle service keeps that peak as its resident size (glibc keeps freed heap pages);
    - what survives a load (the match index: millions of small objects) lives until the next
      load, so it is frozen out of the cyclic collector's sight: otherwise every full collection
      during the cycles walks it again (a quarter of the structured matching time with 10,000
      people). The previous load's objects are unfrozen first, so cycles among them are collected.
    """
    import ctypes
    import gc

    gc.unfreeze()
    gc.collect()
    gc.freeze()
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)  # the C library already loaded
    if trim is not None:  # glibc only; other C libraries return freed memory themselves
        trim(0)


def redact_problem(text: str, watchlist: Watchlist) -> str:
    """A watchlist problem without the values it quotes: they may be a watched person's name or id.

    - quoted keys stay (unknown key 'nmae', did you mean 'name'?): keys are never personal data;
      so do short codes ('M', 'KZ');
    - any other quoted value becomes '…', and so does any current person's name, alias or id.
    """
    keys = _schema_keys()

    def keep_or_blank(found: re.Match[str]) -> str:
        quote, value = found.group(1), found.group(2)
        a_key = value in keys or found.string[: found.start()].endswith("key ")
        return found.group(0) if a_key or len(value) <= 3 else f"{quote}…{quote}"

    redacted = _QUOTED.sub(keep_or_blank, text)
    for person in watchlist.people:
        for word in (person.id, person.name, *person.aliases):
            redacted = redacted.replace(word, "…")
    return redacted


def _schema_keys() -> frozenset[str]:
    from pydantic import BaseModel

    models = [m for m in vars(schema).values() if isinstance(m, type) and issubclass(m, BaseModel)]
    return frozenset(schema.SECTIONS) | {key for m in models for key in m.model_fields}


def _counts(report: SyncReport) -> dict[str, int]:
    return {
        f"{what}_{section}": len(ids)
        for what in ("added", "updated", "archived")
        for section, ids in getattr(report, what).items()
    }


def file_stamp(path: Path) -> FileStamp | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return (found.st_ino, found.st_size, found.st_mtime_ns)


def _single_instance_lock(engine: Engine) -> BaseFileLock | None:
    """With SQLite, hold a lock file next to the database so a second `monitor run` refuses."""
    if engine.dialect.name != "sqlite" or not engine.url.database:
        return None
    from filelock import FileLock, Timeout

    database_file = Path(engine.url.database)
    lock = FileLock(str(database_file.with_name(database_file.name + ".lock")))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise ConfigError(
            f"another `monitor run` is already using {database_file}: with SQLite only one "
            "instance may run at a time (stop the other one, or use PostgreSQL to run several)"
        ) from None
    return lock
