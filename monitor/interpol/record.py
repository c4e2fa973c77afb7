"""Recording an INTERPOL poll: every notice stored, the lifecycle applied, matched notices turned
into events for the people they concern.

Rules:
- every listed notice is stored (a person added later is matched against all of them);
- what changed is decided by monitor.interpol.lifecycle: "no longer public" needs two 404s of the
  notice's own detail, `withdrawal_confirm_after` apart, each while the list was healthy; the
  first 404 and the last answer of a detail are kept on the notice's row;
- events only concern notices matched to a watched person: by name (the structured matcher) or
  because the notice id is listed under the person in watchlist.yaml;
- an alerting match gives `notice_published`; a name match with a conflicting birth date,
  nationality or sex, or in the review band, gives `possible_match` for a human to decide;
- a pair an advocate judged "not this person" stays silent until names, birth date or
  nationalities change;
- a notice issued by a state a person is protected from is flagged (INTERPOL's 2015 refugee
  policy bars such notices: grounds for a request to the CCF).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from monitor.config.watchlist import parse_interval
from monitor.events.observations import Counts, keep_evidence
from monitor.events.verdicts import confirmed, dismissed
from monitor.interpol.lifecycle import (
    WITHDRAWAL_CONFIRM_AFTER,
    CycleObservation,
    NoticeFields,
    NoticeState,
    Transition,
    apply_cycle,
)
from monitor.items import Item, content_hash
from monitor.matching import Record, RecordMatch
from monitor.store import matches, models, observations
from monitor.store.states import EventType, ObservationKind, Severity

if TYPE_CHECKING:
    from monitor.config.watchlist import WatchedPerson
    from monitor.events.recorder import Recorder
    from monitor.items import Collected

FIELD_LABELS = {
    "name": "Surname",
    "forename": "Forename",
    "birth_date": "Birth date",
    "nationalities": "Nationalities",
    "charges": "Charges",
    "issuing_countries": "Issuing countries",
    "photo": "Photo",
}
TYPE_NAMES = {"red": "Red", "yellow": "Yellow", "un_persons": "UN", "un_entities": "UN"}


def entity_of(key: str) -> str:
    return key.rsplit(":", 1)[-1]


def record_of(data: Mapping[str, Any]) -> Record:
    return Record(
        name=data.get("name"),
        forename=data.get("forename"),
        birth_date=data.get("birth_date"),
        nationalities=tuple(data.get("nationalities") or ()),
        sex=data.get("sex"),
    )


def fields_of(data: Mapping[str, Any]) -> NoticeFields:
    """The material fields of stored notice data (what notice_lifecycle compares)."""
    return NoticeFields.from_item(Item(key="", title="", data=data), photo=data.get("photo"))


def load_notices(recorder: Recorder) -> dict[str, models.Observation]:
    """This source's stored notices, by key."""
    rows = observations.of_kind(recorder.session, recorder.source.id, ObservationKind.NOTICE)
    return {row.key: row for row in rows}


def record_notices(recorder: Recorder, collected: Collected) -> Counts:
    counts = Counts()
    stored = load_notices(recorder)
    by_entity = {entity_of(key): row for key, row in stored.items()}
    seen = {str(item.data["entity_id"]): item for item in collected.items}
    outcome = apply_cycle(
        {eid: _state(row) for eid, row in by_entity.items()},
        CycleObservation(
            complete=collected.full and collected.complete,
            seen={eid: fields_of(item.data) for eid, item in seen.items()},
            not_found=frozenset(collected.gone),
            found=frozenset(collected.found),
            absent=frozenset(collected.absent),
            healthy=collected.healthy,
            now=recorder.now,
            first_sweep=recorder.baseline,
        ),
        confirm_after=_confirm_after(recorder),
    )
    for eid, item in seen.items():
        row, change = _upsert(recorder, stored.get(item.key), item)
        by_entity[eid] = row
        setattr(counts, change, getattr(counts, change) + 1)
        _keep_evidence(recorder, row, collected.evidence.get(item.key, []))
    for eid, state in outcome.states.items():
        row = by_entity[eid]
        row.present, row.absent_sweeps = state.public, state.absences
        row.missing_since = state.missing_since
    for eid in {*collected.gone, *collected.found} & set(by_entity):
        by_entity[eid].checked_at = recorder.now
    for eid in collected.gone:
        if eid in by_entity:
            _keep_evidence(recorder, by_entity[eid], [collected.gone[eid]])
    _watchlisted(recorder, by_entity, seen)
    for transition in outcome.transitions:
        _on_transition(recorder, by_entity[transition.entity_id], transition)
    return counts


def _state(row: models.Observation) -> NoticeState:
    return NoticeState(
        entity_of(row.key), fields_of(row.data), row.present, row.absent_sweeps, row.missing_since
    )


def _confirm_after(recorder: Recorder) -> timedelta:
    option = recorder.source.config.get("withdrawal_confirm_after")
    return parse_interval(option) if option else WITHDRAWAL_CONFIRM_AFTER


def _upsert(
    recorder: Recorder, row: models.Observation | None, item: Item
) -> tuple[models.Observation, str]:
    """Store a notice; detail fields read in an earlier cycle are kept when only the list was read."""
    now = recorder.now
    data = {**(row.data if row else {}), **{k: v for k, v in item.data.items() if v is not None}}
    digest = content_hash(item.title, "", repr(sorted(data.items())))
    if row is None:
        row = models.Observation(
            key=item.key,
            source_id=recorder.source.id,
            kind=ObservationKind.NOTICE,
            url=item.url,
            title=item.title,
            text="",
            data=data,
            content_hash=digest,
            first_seen_at=now,
            last_seen_at=now,
            last_changed_at=now,
        )
        recorder.session.add(row)
        recorder.session.flush()
        return row, "new"
    row.last_seen_at = now
    if row.content_hash == digest:
        return row, "same"
    row.data, row.title, row.url, row.content_hash, row.last_changed_at = (
        data,
        item.title,
        item.url,
        digest,
        now,
    )
    return row, "changed"


def _keep_evidence(recorder: Recorder, row: models.Observation, responses: Iterable[Any]) -> None:
    for response in responses:
        body = getattr(response, "body", None)
        if body is None:
            continue
        headers = dict(getattr(response, "headers", {}) or {})
        keep_evidence(
            recorder.session,
            row,
            body,
            recorder.now,
            url=getattr(response, "url", None),
            status=getattr(response, "status", None),
            headers=headers,
            # A server sends whatever Content-Type it likes; the column holds 255 characters.
            media_type=(headers.get("content-type") or "")[:255] or None,
        )


def matches_for(recorder: Recorder, row: models.Observation) -> list[RecordMatch]:
    """Watched people this notice may concern (best first), by name."""
    return recorder.index.match_record(record_of(row.data))


def _on_transition(recorder: Recorder, row: models.Observation, transition: Transition) -> None:
    if transition.kind == "published":
        _published(recorder, row, matches_for(recorder, row), first_scan=transition.first_scan)
    elif transition.kind == "changed":
        _changed(recorder, row, transition)
    else:
        _lifecycle(recorder, row, transition)


def match_stored_notice(recorder: Recorder, row: models.Observation) -> None:
    """Backfill: match a stored notice for newly added people (first-scan events)."""
    if row.present:
        _published(recorder, row, matches_for(recorder, row), first_scan=True)


def _published(
    recorder: Recorder, row: models.Observation, found: list[RecordMatch], *, first_scan: bool
) -> None:
    for match in found:
        is_new = recorder.upsert_match(
            row, match.person_id, match.score, match.band, match.explanation.to_dict()
        )
        if not is_new or match.band == "weak" or dismissed(recorder.session, match.person_id, row):
            continue
        alert = match.is_alert or confirmed(recorder.session, match.person_id, row.id)
        _notice_event(
            recorder,
            row,
            match.person_id,
            EventType.NOTICE_PUBLISHED if alert else EventType.POSSIBLE_MATCH,
            severity=Severity.HIGH if alert else Severity.MEDIUM,
            baseline=first_scan or recorder.baseline,
            details={
                "explanation": match.explanation.to_dict().get("summary", ""),
                "match": match.explanation.to_dict(),
                "band": match.band,
                "score": round(match.score, 3),
                "headline": "found at first scan" if first_scan else "new notice published",
            },
        )


def _changed(recorder: Recorder, row: models.Observation, transition: Transition) -> None:
    known = _matched_people(recorder, row)
    fresh = [m for m in matches_for(recorder, row) if m.person_id not in known]
    _published(recorder, row, fresh, first_scan=False)  # a new name may now match someone
    changes = [
        {
            "field": FIELD_LABELS.get(name, name),
            "before": _show(transition.before.get(name)),
            "after": _show(transition.after.get(name)),
        }
        for name in transition.before
    ]
    for person_id in known:
        if dismissed(recorder.session, person_id, row):
            continue
        _notice_event(
            recorder,
            row,
            person_id,
            EventType.NOTICE_CHANGED,
            severity=Severity.HIGH,
            suffix=row.content_hash,
            details={
                "changes": changes,
                "headline": "notice changed: " + ", ".join(c["field"].lower() for c in changes),
            },
        )


def _lifecycle(recorder: Recorder, row: models.Observation, transition: Transition) -> None:
    kind = (
        EventType.NOTICE_NO_LONGER_PUBLIC
        if transition.kind == "no_longer_public"
        else EventType.NOTICE_REAPPEARED
    )
    headline = (
        "notice no longer on the public list (deleted, or only restricted: the public list is a minority of valid notices)"
        if kind == EventType.NOTICE_NO_LONGER_PUBLIC
        else "notice back on the public list"
    )
    for person_id in _matched_people(recorder, row):
        if not dismissed(recorder.session, person_id, row):
            _notice_event(
                recorder,
                row,
                person_id,
                kind,
                severity=Severity.HIGH,
                suffix=recorder.cycle_id,
                details={"headline": headline},
            )


def _matched_people(recorder: Recorder, row: models.Observation) -> list[str]:
    return matches.people_above_weak(recorder.session, row.id)


def _watchlisted(
    recorder: Recorder, by_entity: Mapping[str, models.Observation], seen: Mapping[str, Item]
) -> None:
    """Notices an admin listed under a person match that person, whatever their names say."""
    for person in recorder.watchlist.people:
        for eid in person.interpol_notice_ids:
            row = by_entity.get(eid)
            if row is None or eid not in seen:
                continue
            explanation = {
                "summary": f"notice {eid} is listed under this person in watchlist.yaml",
                "variant": "",
                "provenance": "watchlist.yaml interpol_notice_ids",
                "score": 1.0,
                "band": "strong",
            }
            recorder.upsert_match(row, person.id, 1.0, "strong", explanation)


def _notice_event(
    recorder: Recorder,
    row: models.Observation,
    person_id: str,
    event_type: EventType,
    *,
    severity: Severity,
    details: dict[str, Any],
    baseline: bool | None = None,
    suffix: str = "",
) -> None:
    data = row.data
    person = recorder.watchlist.person(person_id)
    notice_type = str(data.get("notice_type", "red"))
    details = {
        **details,
        "notice_type": notice_type.split("_")[0],
        "entity_id": data.get("entity_id"),
        "flags": protection_flags(person, data) if person else [],
        "notice": _summary(data),
    }
    recorder.add_event(
        key=f"{event_type}:{person_id}:{row.key}" + (f":{suffix}" if suffix else ""),
        person_id=person_id,
        observation=row,
        event_type=event_type,
        severity=severity,
        evidence=_evidence_line(data),
        details=details,
        baseline=baseline,
    )


def protection_flags(person: WatchedPerson, data: Mapping[str, Any]) -> list[str]:
    """A flag when the notice was issued by a state the person is protected from."""
    protection = person.protection
    if protection is None:
        return []
    issuers = {
        w.get("issuing_country") for w in data.get("arrest_warrants") or [] if isinstance(w, dict)
    }
    hostile = sorted(c for c in issuers if c and c in protection.protected_from)
    if not hostile:
        return []
    granted = f"{protection.status} status granted by {protection.country}" + (
        f" on {protection.date}" if protection.date else ""
    )
    return [
        f"Issued by {', '.join(hostile)}, a state this person is protected from ({granted}). "
        "INTERPOL's 2015 policy on refugees bars such notices: grounds for a request to the CCF."
    ]


def _summary(data: Mapping[str, Any]) -> dict[str, Any]:
    warrants = [w for w in data.get("arrest_warrants") or [] if isinstance(w, dict)]
    return {
        "name": data.get("name"),
        "forename": data.get("forename"),
        "birth_date": data.get("birth_date"),
        "nationalities": data.get("nationalities"),
        "sex": data.get("sex"),
        "issuing_countries": sorted(
            {str(w.get("issuing_country")) for w in warrants if w.get("issuing_country")}
        ),
        "charges": [w.get("charge") for w in warrants if w.get("charge")],
    }


def _evidence_line(data: Mapping[str, Any]) -> str:
    summary = _summary(data)
    parts = [
        f"{TYPE_NAMES.get(str(data.get('notice_type')), '')} notice {data.get('entity_id')}".strip(),
        " ".join(p for p in (summary["name"], summary["forename"]) if p) or "(no name)",
    ]
    if summary["birth_date"]:
        parts.append(f"born {summary['birth_date']}")
    if summary["nationalities"]:
        parts.append("nationality " + ", ".join(summary["nationalities"]))
    if summary["issuing_countries"]:
        parts.append("wanted by " + ", ".join(summary["issuing_countries"]))
    return "; ".join(parts)


def _show(value: Any) -> str:
    if value is None:
        return "(not stated)"
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value) or "(none)"
    return str(value)
