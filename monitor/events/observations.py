"""Observations: one stored row per item key, new, changed or the same as before, and their evidence.

Rules:
- an item is new (first time its key is seen), changed (its content hash differs) or unchanged;
- the raw bytes kept as evidence are stored once per observation and content, with their SHA-256.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from monitor.items import Item
from monitor.store import Session, models
from monitor.store import observations as observation_rows
from monitor.store.states import ObservationKind

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
    ((row, change, _),) = upsert_observations(session, source, [item], now)
    return row, change


def upsert_observations(
    session: Session,
    source: models.Source,
    items: Sequence[Item],
    now: datetime,
    *,
    before: dict[str, tuple[str, str]] | None = None,
    split: set[str] | None = None,
) -> list[tuple[models.Observation, str, Item]]:
    """Store many items of one source with few queries and one flush.

    - An item is looked up by its key within its source (two sources sharing a URL have an item
      each); failing that, by one of its `aliases` (the key an earlier parser gave it), and the
      row found is re-keyed: an upgrade never makes the stored history look new. The item with
      the row's very content adopts it first.
    - Entries an earlier parser merged into one row (a PACER case's entries under its docket
      link) find that row taken by one of them. One published before that row was last seen
      was seen then, merged: its key goes to `split` (the recorder tells it in the digest, not
      as an alert); one published later, or undated, is new and alerts as any new item.
    - An item listed twice counts once.
    - An item whose own key holds no row with its content, while one of its `twins` (the key
      the same rule gives this entry beside other entries of its case, or alone) does, is that
      row's item under that key: the entry is the same whatever stood beside it.
    - `before` (optional) receives the (title, text) each changed row had, by key.
    """
    unique = {item.key: item for item in items}
    keys = [*unique, *_aliases(unique.values()), *(t for i in unique.values() for t in i.twins)]
    existing = observation_rows.by_keys(session, source.id, keys)
    unique = _as_stored_twins(unique, existing)
    # Exact keys first: a row is only adopted through an alias when no item holds its key.
    rows = {key: existing.pop(key) for key in unique if key in existing}
    legacy = dict(existing)
    rows.update(_adopt_same_content(existing, [i for i in unique.values() if i.key not in rows]))
    stored = []
    with session.no_autoflush:
        for key, item in unique.items():
            row = rows.get(key) or _adopt(existing, item)
            if row is None and split is not None and _merged_before(item, legacy):
                split.add(key)
            if row is not None and before is not None:
                before[key] = (row.title, row.text)
            stored.append((*_upsert_one(session, source, row, item, now), item))
    session.flush()
    return stored


def _as_stored_twins(
    unique: dict[str, Item], existing: dict[str, models.Observation]
) -> dict[str, Item]:
    """Each item under the key its very content is stored under, its own or a twin's (once)."""
    taken = set(unique)
    found: dict[str, Item] = {}
    for key, item in unique.items():
        own = existing.get(key)
        if own is None or own.content_hash != item.content_hash:
            # A twin that is also a former key (an alias) is left to the aliases: the row is
            # re-keyed, and what was merged into it is told apart (see `split`).
            for twin in (t for t in item.twins if t not in item.aliases):
                row = existing.get(twin)
                if twin not in taken and row is not None and row.content_hash == item.content_hash:
                    taken.add(twin)
                    item = replace(item, key=twin)
                    break
        found[item.key] = item
    return found


def _merged_before(item: Item, legacy: dict[str, models.Observation]) -> bool:
    rows = [legacy[alias] for alias in item.aliases if alias in legacy]
    published = item.published_at
    return published is not None and any(published <= row.last_seen_at for row in rows)


def _adopt_same_content(
    existing: dict[str, models.Observation], items: Sequence[Item]
) -> dict[str, models.Observation]:
    adopted = {}
    for item in items:
        for alias in item.aliases:
            row = existing.get(alias)
            if row is not None and row.content_hash == item.content_hash:
                row.key = item.key
                adopted[item.key] = existing.pop(alias)
                break
    return adopted


def rewritten(before: tuple[str, str] | None, row: models.Observation) -> bool:
    """Whether a changed row's title or text differs from what was stored (not only its data)."""
    return before is not None and before != (row.title, row.text)


def _aliases(items: Iterable[Item]) -> list[str]:
    return [alias for item in items for alias in item.aliases]


def _adopt(existing: dict[str, models.Observation], item: Item) -> models.Observation | None:
    """The row stored under one of the item's former keys, re-keyed to the item (once)."""
    for alias in item.aliases:
        row = existing.pop(alias, None)
        if row is not None:
            row.key = item.key
            return row
    return None


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
    if item.byline:
        row.data["byline"] = item.byline
    if item.links:
        row.data["links"] = [list(link) for link in item.links]


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
        row = observation_rows.evidence_with_hash(session, observation.id, digest)
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
            charset=meta.get("charset"),
        )
        session.add(row)
    else:
        row.last_seen_at = now
    return row
