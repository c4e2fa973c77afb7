"""Matching people who are new to the watchlist (or whose names changed) against stored history.

Rules:
- a person is backfilled once per version of their watchlist entry (`spec_hash`);
- only they are matched (an index of just them), against every stored observation;
- what is found becomes first-scan (baseline) events: shown in the next digest, never a flood of
  immediate alerts about old news;
- the work is idempotent: an interrupted backfill is redone, and matches and events already
  stored are not stored twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime

from monitor.config.watchlist import Watchlist
from monitor.events.recorder import Recorder
from monitor.interpol.record import match_stored_notice
from monitor.store import Session, models, observations, people, sessionmaker, sources
from monitor.store.database import transaction
from monitor.store.states import ObservationKind

log = logging.getLogger(__name__)
BATCH = 500


def backfill(
    factory: sessionmaker[Session],
    watchlist: Watchlist,
    now: datetime,
    build_index: Callable[[Watchlist], object],
) -> int:
    """Match pending people against history; returns how many events it created."""
    with factory() as session:
        pending = {p.id: p.spec_hash for p in people.pending_backfill(session)}
    chosen = tuple(p for p in watchlist.people if p.id in pending)
    if not chosen:
        return 0
    subset = Watchlist(people=chosen, advocates=watchlist.advocates, sources=watchlist.sources)
    index = build_index(subset)
    created = sum(
        _backfill_source(factory, index, watchlist, source_id, now)
        for source_id in _source_ids(factory)
    )
    with transaction(factory) as session:
        for person_id, digest in pending.items():
            row = session.get(models.PersonRow, person_id)
            if row is not None and row.spec_hash == digest:
                row.backfilled_hash = digest
    log.info("history matched for new people", extra={"people": len(chosen), "events": created})
    return created


def _source_ids(factory: sessionmaker[Session]) -> list[str]:
    with factory() as session:
        return sources.ids(session)


def _backfill_source(
    factory: sessionmaker[Session],
    index: object,
    watchlist: Watchlist,
    source_id: str,
    now: datetime,
) -> int:
    created = 0
    for batch in _batches(factory, source_id):
        with transaction(factory) as session:
            source = session.get_one(models.Source, source_id)
            recorder = Recorder(session, index, watchlist, source, "backfill", now, baseline=True)  # type: ignore[arg-type]
            for observation in observations.by_ids(session, batch):
                _match(recorder, observation)
            created += len(recorder.events)
    return created


def _batches(factory: sessionmaker[Session], source_id: str) -> Iterator[list[int]]:
    with factory() as session:
        ids = observations.matchable_ids(session, source_id)
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _match(recorder: Recorder, observation: models.Observation) -> None:
    if observation.kind == ObservationKind.NOTICE:
        match_stored_notice(recorder, observation)
    else:
        recorder.match_text(observation, None)
