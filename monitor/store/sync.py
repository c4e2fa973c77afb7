"""Making the database reflect watchlist.yaml: people, advocates and sources added, updated or
archived.

Rules:
- functions take an open Session and never commit: the caller owns the transaction;
- a watchlist sync archives what left the file and never deletes history;
- times are passed in (`now`), so callers and tests control the clock.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from monitor.config.watchlist import Watchlist
from monitor.interpol.parse import TYPES, notice_key
from monitor.store import models
from monitor.store.states import ObservationKind


def spec_of(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


def spec_hash(spec: dict[str, Any]) -> str:
    canonical = json.dumps(spec, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class SyncReport:
    """What a watchlist sync changed, by section: ids added, updated, archived, restored."""

    added: dict[str, list[str]] = field(default_factory=dict)
    updated: dict[str, list[str]] = field(default_factory=dict)
    archived: dict[str, list[str]] = field(default_factory=dict)

    def note(self, what: str, section: str, row_id: str) -> None:
        getattr(self, what).setdefault(section, []).append(row_id)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.archived)


def sync_watchlist(session: Session, watchlist: Watchlist, now: datetime) -> SyncReport:
    """Make the people, advocates and sources tables reflect the watchlist."""
    report = SyncReport()
    _sync(session, models.PersonRow, "people", watchlist.people, now, report)
    _sync(session, models.Advocate, "advocates", watchlist.advocates, now, report)
    _sync(session, models.Source, "sources", watchlist.all_sources, now, report)
    session.flush()  # rows that refer to these (events, deliveries) may follow in this transaction
    _hand_over_notices(session, report)
    return report


def _hand_over_notices(session: Session, report: SyncReport) -> None:
    """Give the stored notices of a renamed, removed or disabled INTERPOL source to the enabled
    source that now reads their notice type from the same API, with its first-scan state.

    A notice is stored once (its key is `interpol:<type>:<id>`), so a source renamed in
    watchlist.yaml would otherwise meet its own notices as another source's and fail at every
    poll; and its first sweep would count as a first scan, silencing what was published
    meanwhile. The watchlist allows one enabled source per notice type and API.
    """
    S, Obs = models.Source, models.Observation
    interpol = list(session.scalars(select(S).where(S.type == "interpol")))
    for reader in interpol:
        if reader.archived_at is not None or not reader.enabled:
            continue
        retired = {
            other.id
            for other in interpol
            if (other.archived_at is not None or not other.enabled)
            and other.config.get("base_url") == reader.config.get("base_url")
        }
        if not retired:  # the usual case: no query at start-up or reload
            continue
        for name in reader.config.get("notice_types") or ["red"]:
            for notice_type in TYPES.get(name, ()):
                owned = (
                    Obs.kind == ObservationKind.NOTICE,
                    Obs.key.startswith(notice_key(notice_type, ""), autoescape=True),
                )
                owners = retired & set(
                    session.scalars(select(Obs.source_id).where(*owned).distinct())
                )
                if not owners:
                    continue
                # Keys are unique per source: a notice the reader already holds stays where it is.
                held = select(Obs.key).where(Obs.source_id == reader.id).scalar_subquery()
                session.execute(
                    update(Obs)
                    .where(*owned, Obs.source_id.in_(owners), Obs.key.not_in(held))
                    .values(source_id=reader.id)
                )
                first_scans = [
                    at
                    for at in session.scalars(select(S.baseline_at).where(S.id.in_(owners)))
                    if at is not None
                ]
                if reader.baseline_at is None and first_scans:
                    reader.baseline_at = min(first_scans)
                if reader.id not in report.updated.get("sources", []):
                    report.note("updated", "sources", reader.id)


Row = models.PersonRow | models.Advocate | models.Source  # the tables synced from the watchlist


def _sync(
    session: Session,
    table: type[Row],
    section: str,
    wanted: Sequence[BaseModel],
    now: datetime,
    report: SyncReport,
) -> None:
    rows: Iterable[Row] = session.scalars(select(table))
    existing: dict[str, Any] = {row.id: row for row in rows}
    for model in wanted:
        spec = spec_of(model)
        row = existing.pop(spec["id"], None)
        if row is None:
            session.add(_new_row(table, spec, now))
            report.note("added", section, spec["id"])
        elif _apply(row, spec, now):
            report.note("updated", section, spec["id"])
    for row in existing.values():
        if row.archived_at is None:
            row.archived_at = now
            report.note("archived", section, row.id)


def _new_row(table: type[Row], spec: dict[str, Any], now: datetime) -> Row:
    row = table(id=spec["id"], created_at=now, updated_at=now)
    _write_spec(row, spec)
    return row


def _apply(row: Row, spec: dict[str, Any], now: datetime) -> bool:
    """Update a row to a new spec; True when anything changed (a comeback from archive counts)."""
    before = _current_spec(row)
    if before == spec and row.archived_at is None:
        return False
    _write_spec(row, spec)
    if isinstance(row, models.Source) and before.get("interval") != spec.get("interval"):
        row.next_run_at = None  # a new interval takes effect now, not after the slot planned
    row.archived_at = None
    row.updated_at = now
    return True


def _current_spec(row: Row) -> dict[str, Any]:
    return row.config if isinstance(row, models.Source) else row.spec


def _write_spec(row: Row, spec: dict[str, Any]) -> None:
    if isinstance(row, models.Source):
        row.type = spec["type"]
        row.enabled = bool(spec.get("enabled", True))
        row.config = spec
    elif isinstance(row, models.PersonRow):
        row.spec = spec
        row.spec_hash = spec_hash(spec)
    else:
        row.spec = spec
