"""Observations: one stored row per item key, new, changed or the same as before, and their evidence.

Rules:
- an item is new (first time its key is seen), changed (its content hash differs) or unchanged;
- the raw bytes kept as evidence are stored once per observation and content, with their SHA-256.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.items import Item
from monitor.store import models
from monitor.store.states import ObservationKind

if TYPE_CHECKING:
    pass


NEW, CHANGED, SAME = "new", "changed", "same"


@dataclass
class Counts:
    new: int = 0
    changed: int = 0
    same: int = 0


def observation_kind(source: models.Source) -> ObservationKind:
    if source.type == "interpol":
        return ObservationKind.NOTICE
    if source.type == "watch":
        return ObservationKind.WATCH_PAGE
    return ObservationKind(source.config.get("kind", ObservationKind.NEWS))


def upsert_observation(
    session: Session, source: models.Source, item: Item, now: datetime
) -> tuple[models.Observation, str]:
    """Store `item`; return its row and whether it is new, changed or the same as before."""
    row = session.scalar(select(models.Observation).where(models.Observation.key == item.key))
    digest = item.content_hash
    if row is None:
        row = models.Observation(
            key=item.key,
            source_id=source.id,
            kind=observation_kind(source),
            first_seen_at=now,
            last_changed_at=now,
            last_seen_at=now,
            content_hash=digest,
        )
        _write_item(row, item)
        session.add(row)
        session.flush()
        return row, NEW
    row.last_seen_at = now
    if row.content_hash == digest:
        return row, SAME
    _write_item(row, item)
    row.content_hash, row.last_changed_at = digest, now
    return row, CHANGED


def upsert_observations(
    session: Session, source: models.Source, items: Sequence[Item], now: datetime
) -> list[tuple[models.Observation, str, Item]]:
    """Store many items with one query and one flush (an item listed twice counts once)."""
    unique = {item.key: item for item in items}
    Obs = models.Observation
    existing: dict[str, models.Observation] = {}
    keys = list(unique)
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        existing.update(
            (row.key, row) for row in session.scalars(select(Obs).where(Obs.key.in_(chunk)))
        )
    stored = []
    with session.no_autoflush:
        for key, item in unique.items():
            stored.append((*_upsert_one(session, source, existing.get(key), item, now), item))
    session.flush()
    return stored


def _upsert_one(
    session: Session,
    source: models.Source,
    row: models.Observation | None,
    item: Item,
    now: datetime,
) -> tuple[models.Observation, str]:
    digest = item.content_hash
    if row is None:
        row = models.Observation(
            key=item.key,
            source_id=source.id,
            kind=observation_kind(source),
            first_seen_at=now,
            last_changed_at=now,
            last_seen_at=now,
            content_hash=digest,
        )
        _write_item(row, item)
        session.add(row)
        return row, NEW
    row.last_seen_at = now
    if row.content_hash == digest:
        return row, SAME
    _write_item(row, item)
    row.content_hash, row.last_changed_at = digest, now
    return row, CHANGED


def _write_item(row: models.Observation, item: Item) -> None:
    row.url = item.url
    row.title = item.title
    row.text = item.text
    row.published_at = item.published_at
    row.data = dict(item.data)


def keep_evidence(
    session: Session,
    observation: models.Observation,
    raw: bytes,
    now: datetime,
    *,
    fresh: bool = False,
    **meta: Any,
) -> models.Evidence:
    """Store raw bytes once per observation and content (a second sighting updates last_seen).

    - `fresh`: the observation was created in this transaction, so it has no evidence yet.
    """
    digest = hashlib.sha256(raw).hexdigest()
    row = None
    if not fresh:
        row = session.scalar(
            select(models.Evidence).where(
                models.Evidence.observation_id == observation.id, models.Evidence.sha256 == digest
            )
        )
    if row is None:
        row = models.Evidence(
            observation_id=observation.id,
            sha256=digest,
            body=raw,
            retrieved_at=now,
            first_seen_at=now,
            last_seen_at=now,
            url=meta.get("url", observation.url),
            status=meta.get("status"),
            headers=meta.get("headers", {}),
            media_type=meta.get("media_type"),
        )
        session.add(row)
    else:
        row.last_seen_at = now
    return row
