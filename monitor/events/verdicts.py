"""What advocates do with the findings: record a verdict on a match, export an evidence bundle.

Rules:
- a verdict is about a (person, observation) pair; the latest verdict wins;
- "not this person" silences the pair until a material field changes (for a notice: names, birth
  date, nationalities; for a text: its content), which `material_hash` captures;
- an evidence bundle holds every stored version of every item that concerns the person (raw bytes
  as fetched, with status, headers and retrieval time), a timeline of their events, and a manifest
  of SHA-256 hashes: a chain of custody for a CCF request or an asylum file;
- file names inside the bundle are made from hashes and ids, never from scraped text.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from monitor.exc import ConfigError
from monitor.store import Session, decisions, models
from monitor.store import events as stored_events
from monitor.store import observations as stored
from monitor.store.states import ObservationKind, Verdict

MATERIAL_NOTICE_FIELDS = ("name", "forename", "birth_date", "nationalities")


def material_hash(observation: models.Observation) -> str:
    """What must change for a dismissed match to be looked at again."""
    if observation.kind != ObservationKind.NOTICE:
        return observation.content_hash
    data = observation.data or {}
    material = {name: data.get(name) for name in MATERIAL_NOTICE_FIELDS}
    encoded = json.dumps(material, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def decide(
    session: Session,
    event_id: int,
    verdict: str,
    note: str,
    now: datetime,
    decided_by: str = "cli",
) -> models.Decision:
    """Record `verdict` ("confirmed" or "not_this_person") on the pair behind an event.

    - `decided_by` is who gave it: an advocate's id (the web app) or "cli" (`monitor decide`).
    """
    event = session.get(models.Event, event_id)
    if event is None:
        raise ConfigError(f"no event #{event_id} (see `monitor events`)")
    if event.observation_id is None:
        raise ConfigError(
            f"event #{event_id} is not about a source item: there is nothing to decide"
        )
    observation = session.get_one(models.Observation, event.observation_id)
    decision = decisions.on(session, event.person_id, observation.id)
    if decision is None:
        decision = models.Decision(person_id=event.person_id, observation_id=observation.id)
        session.add(decision)
    decision.event_id, decision.verdict, decision.note = event.id, verdict, note
    decision.material_hash, decision.decided_at = material_hash(observation), now
    decision.decided_by = decided_by
    session.flush()
    return decision


def dismissed(session: Session, person_id: str, observation: models.Observation) -> bool:
    """True when an advocate said "not this person" and nothing material changed since."""
    decision = decisions.on(session, person_id, observation.id)
    return bool(
        decision
        and decision.verdict == Verdict.NOT_THIS_PERSON
        and decision.material_hash == material_hash(observation)
    )


def confirmed(session: Session, person_id: str, observation_id: int) -> bool:
    return decisions.verdict_on(session, person_id, observation_id) == Verdict.CONFIRMED


def export_evidence(session: Session, person_id: str, out: Path, now: datetime) -> dict[str, Any]:
    """Write the person's evidence bundle to `out` (a zip, mode 0600); returns the manifest."""
    person = session.get(models.PersonRow, person_id)
    if person is None:
        raise ConfigError(f"no person with id {person_id!r} (see watchlist.yaml)")
    events = stored_events.listed(session, person_id)
    from_events = {e.observation_id for e in events if e.observation_id}
    observations = stored.about_person(session, person_id, from_events)
    manifest: dict[str, Any] = {"person_id": person_id, "exported_at": now.isoformat(), "files": []}
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with (
        os.fdopen(fd, "wb") as handle,
        zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as bundle,
    ):
        for observation in observations:
            for row in stored.evidence_of(session, observation.id):
                _add(
                    bundle,
                    manifest,
                    f"items/{observation.id}/{row.sha256}.bin",
                    row.body,
                    {
                        "observation_id": observation.id,
                        "key": observation.key,
                        "url": row.url,
                        "status": row.status,
                        "headers": row.headers,
                        "media_type": row.media_type,
                        "retrieved_at": row.retrieved_at.isoformat(),
                        "first_seen_at": row.first_seen_at.isoformat(),
                        "last_seen_at": row.last_seen_at.isoformat(),
                    },
                )
        timeline = [_event_entry(e) for e in events]
        _add(bundle, manifest, "timeline.json", _json(timeline), {"what": "events, oldest first"})
        _add(
            bundle,
            manifest,
            "timeline.txt",
            _timeline_text(timeline).encode(),
            {"what": "readable"},
        )
        bundle.writestr("manifest.json", _json(manifest))
    return manifest


def _add(
    bundle: zipfile.ZipFile, manifest: dict[str, Any], name: str, data: bytes, meta: dict[str, Any]
) -> None:
    bundle.writestr(name, data)
    manifest["files"].append(
        {"path": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), **meta}
    )


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str).encode("utf-8")


def _event_entry(event: models.Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "detected_at": event.detected_at.isoformat(),
        "type": event.type,
        "severity": event.severity,
        "title": event.title,
        "url": event.url,
        "observation_id": event.observation_id,
        "evidence": event.evidence,
        "first_scan": event.baseline,
        "details": event.details,
    }


def _timeline_text(timeline: list[dict[str, Any]]) -> str:
    lines = [
        f"{e['detected_at']}  {e['type']:<24} {e['severity']:<6} {e['title']}" for e in timeline
    ]
    return "\n".join(lines) + "\n"
