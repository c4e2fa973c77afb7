"""Rows made into what the page templates show (pure: data in, plain dicts out).

Rules:
- events look as they do in the emails (`monitor.views.event_view`): same labels, headlines,
  highlighted evidence and explanations, plus the verdict given on them;
- a possible match shows the watched person and the record side by side, field by field;
- nothing here reads the database or the clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any

from monitor.outbox import views as email_views
from monitor.store import models
from monitor.web.queries import NoticeState, PersonCard, Review

VERDICT_WORDS = {"confirmed": "Confirmed: this is them", "not_this_person": "Not this person"}
SIDE_FIELDS = (
    ("Name", "name"),
    ("Forename", "forename"),
    ("Birth date", "birth_date"),
    ("Nationalities", "nationalities"),
    ("Sex", "sex"),
)


def when(at: datetime | None, tz: tzinfo) -> str:
    return email_views.local_time(at, tz) if at is not None else ""


def home_row(
    card: PersonCard,
    last: models.Event | None,
    open_count: int,
    notices: Sequence[NoticeState],
    tz: tzinfo,
) -> dict[str, Any]:
    listed = [n for n in notices if n.present]
    return {
        "id": card.id,
        "name": card.name,
        "listed": [{"id": n.notice_id, "since": when(n.since, tz)} for n in listed],
        "withdrawn": [
            {"id": n.notice_id, "since": when(n.since, tz)} for n in notices if not n.present
        ],
        "last": event_item(last, card.name, None, tz) if last is not None else None,
        "open": open_count,
    }


def event_item(
    event: models.Event, name: str, decision: models.Decision | None, tz: tzinfo
) -> dict[str, Any]:
    """An event as the emails show it, with its verdict and whether it awaits one."""
    view = email_views.event_view(event, name, tz)
    given = decision is not None and decision.decided_at >= event.detected_at
    view["verdict"] = verdict_view(decision, tz) if decision is not None else None
    view["awaiting"] = (
        event.type == "possible_match" and event.observation_id is not None and not given
    )
    return view


def verdict_view(decision: models.Decision, tz: tzinfo) -> dict[str, Any]:
    return {
        "verdict": decision.verdict,
        "words": VERDICT_WORDS.get(decision.verdict, decision.verdict),
        "by": decision.decided_by or "an earlier version (unknown)",
        "at": when(decision.decided_at, tz),
        "note": decision.note,
    }


def person_side(card: PersonCard) -> list[tuple[str, str]]:
    spec = card.spec
    rows = [
        ("Name", card.name),
        ("Aliases", ", ".join(spec.get("aliases", []))),
        ("Birth date", str(spec.get("birth_date") or "")),
        ("Nationalities", ", ".join(spec.get("nationalities", []))),
        ("Sex", str(spec.get("sex") or "")),
    ]
    return [(label, value) for label, value in rows if value]


def record_side(review: Review) -> dict[str, Any]:
    """The record a possible match is about: a notice's fields, or a text's title and sentence."""
    observation, event = review.observation, review.event
    data: Mapping[str, Any] = observation.data if observation is not None else {}
    fields = [(label, _show(data.get(key))) for label, key in SIDE_FIELDS if data.get(key)]
    details = event.details or {}
    sentence = str(details.get("sentence") or "")
    return {
        "kind": observation.kind if observation is not None else "",
        "title": (observation.title if observation is not None else "") or event.title,
        "url": event.url or (observation.url if observation is not None else None),
        "fields": fields,
        "segments": email_views.segments(sentence, details.get("spans", [])) if sentence else [],
        "source_id": event.source_id or "",
    }


def conflicts(card: PersonCard, record: Mapping[str, Any]) -> set[str]:
    """The record's fields that disagree with the watchlist (shown marked, side by side)."""
    spec, found = card.spec, set()
    born, listed = str(spec.get("birth_date") or ""), str(record.get("birth_date") or "")
    if born and listed and not (born.startswith(listed) or listed.startswith(born)):
        found.add("Birth date")
    ours, theirs = set(spec.get("nationalities", [])), set(record.get("nationalities") or [])
    if ours and theirs and not ours & theirs:
        found.add("Nationalities")
    if spec.get("sex") and record.get("sex") and spec["sex"] != record["sex"]:
        found.add("Sex")
    return found


def review_item(review: Review, card: PersonCard, tz: tzinfo) -> dict[str, Any]:
    explanation = (review.match.explanation if review.match is not None else {}) or {}
    record = record_side(review)
    data = review.observation.data if review.observation is not None else {}
    record["conflicts"] = sorted(conflicts(card, data or {}))
    return {
        "event": event_item(review.event, card.name, None, tz),
        "person": {"id": card.id, "name": card.name, "fields": person_side(card)},
        "record": record,
        "score": round(review.match.score, 2) if review.match is not None else None,
        "band": review.match.band if review.match is not None else "",
        "why": str(
            (review.event.details or {}).get("explanation") or explanation.get("summary", "")
        ),
        "notes": [str(n) for n in explanation.get("notes", [])],
    }


def notice_card(
    observation: models.Observation,
    match: models.MatchRow,
    evidence: Sequence[models.Evidence],
    events: Iterable[models.Event],
    decision: models.Decision | None,
    tz: tzinfo,
) -> dict[str, Any]:
    """One notice: its fields now, every stored version, and what changed field by field."""
    data = observation.data or {}
    changes = [
        {"at": when(e.detected_at, tz), "changes": list((e.details or {}).get("changes", []))}
        for e in events
        if e.observation_id == observation.id and e.type == "notice_changed"
    ]
    return {
        "notice_id": observation.key.rsplit(":", 1)[-1],
        "title": observation.title,
        "present": observation.present,
        "url": observation.url,
        "fields": [(label, _show(data.get(key))) for label, key in SIDE_FIELDS if data.get(key)],
        "band": match.band,
        "score": round(match.score, 2),
        "first_seen": when(observation.first_seen_at, tz),
        "last_changed": when(observation.last_changed_at, tz),
        "versions": [
            {
                "at": when(v.retrieved_at, tz),
                "sha256": v.sha256,
                "status": v.status,
                "bytes": len(v.body or b""),
            }
            for v in evidence
        ],
        "changes": changes,
        "verdict": verdict_view(decision, tz) if decision is not None else None,
    }


def source_row(source: models.Source, sweep: models.SourceRun | None, tz: tzinfo) -> dict[str, Any]:
    coverage = (sweep.coverage if sweep is not None else {}) or {}
    return {
        "id": source.id,
        "type": source.type,
        "enabled": source.enabled,
        "status": source.status,
        "last_success": when(source.last_success_at, tz),
        "next_run": when(source.next_run_at, tz),
        "failures": source.consecutive_failures,
        "error": source.last_error or "",
        "sweep_at": when(sweep.finished_at, tz) if sweep is not None else "",
        "sweep_complete": sweep.complete if sweep is not None else None,
        "coverage": [(str(k), _show(v)) for k, v in sorted(coverage.items())][:12],
    }


def audit_row(
    entry: models.AuditEntry, people: Mapping[str, PersonCard], tz: tzinfo
) -> dict[str, Any]:
    person = people.get(entry.person_id) if entry.person_id else None
    return {
        "at": when(entry.at, tz),
        "who": entry.advocate_id,
        "action": entry.action.replace("_", " "),
        "person": person.name if person is not None else (entry.person_id or ""),
        "event_id": entry.event_id,
        "details": ", ".join(f"{k}: {_show(v)}" for k, v in sorted((entry.details or {}).items())),
    }


def _show(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_show(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_show(v)}" for k, v in value.items())
    return "" if value is None else str(value)
