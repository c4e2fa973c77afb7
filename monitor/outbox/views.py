"""Events as the templates see them: labels, colours, headlines, highlighted evidence.

Pure: takes stored rows (or their fields) and returns plain dicts for the email context.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any

from monitor.store.states import EventType, Severity
from monitor.text.lines import one_line

# Keyed by str: a stored event's severity is read back as a plain string.
SEVERITY_RANK: dict[str, int] = {Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1}
COLOURS: dict[str, str] = {
    Severity.HIGH: "#b91c1c",
    Severity.MEDIUM: "#b45309",
    Severity.LOW: "#374151",
}
# Subject tag and label per event type; notice events name their notice type.
LABELS: dict[str, str] = {
    EventType.NOTICE_PUBLISHED: "{notice} NOTICE",
    EventType.NOTICE_CHANGED: "NOTICE CHANGED",
    EventType.NOTICE_NO_LONGER_PUBLIC: "NOTICE OFF PUBLIC LIST",
    EventType.NOTICE_REAPPEARED: "NOTICE BACK ON LIST",
    EventType.POSSIBLE_MATCH: "POSSIBLE MATCH",
    EventType.NEWS_MENTION: "NEWS",
    EventType.COURT_ITEM: "COURT",
    EventType.PAGE_CHANGED: "CASE PAGE CHANGED",
}
CONTEXT_TAGS = {
    "arrest": "ARREST",
    "extradition": "EXTRADITION",
    "conviction": "CONVICTION",
    "red_notice": "RED NOTICE",
    "decision": "COURT DECISION",
    "court": "COURT",
    "asylum": "ASYLUM",
    "release": "RELEASE",
}
HEADLINES: dict[str, str] = {
    EventType.NOTICE_PUBLISHED: "new notice published",
    EventType.NOTICE_CHANGED: "notice changed",
    EventType.NOTICE_NO_LONGER_PUBLIC: "notice no longer on the public list",
    EventType.NOTICE_REAPPEARED: "notice back on the public list",
    EventType.POSSIBLE_MATCH: "possible match, needs a human look",
    EventType.NEWS_MENTION: "mentioned in the news",
    EventType.COURT_ITEM: "named in a court listing",
    EventType.PAGE_CHANGED: "case page changed",
}


def at_least(severity: str, threshold: str) -> bool:
    return SEVERITY_RANK.get(severity, 0) >= SEVERITY_RANK.get(threshold, 3)


def label(event_type: str, details: Mapping[str, Any]) -> str:
    """The tag of an event: 'RED NOTICE', 'ARREST', 'NEWS'..."""
    if event_type in (EventType.NEWS_MENTION, EventType.COURT_ITEM):
        for context in details.get("context_labels", []):
            if context in CONTEXT_TAGS:
                return CONTEXT_TAGS[context]
    notice = str(details.get("notice_type", "red")).upper()
    return LABELS.get(event_type, event_type.replace("_", " ").upper()).format(notice=notice)


def segments(sentence: str, spans: Sequence[Sequence[int]]) -> list[tuple[str, bool]]:
    """Split `sentence` into (text, highlighted) pieces around the matched spans."""
    pieces: list[tuple[str, bool]] = []
    cursor = 0
    for start, end in sorted((int(s), int(e)) for s, e in spans):
        if start < cursor or end > len(sentence) or start >= end:
            continue
        if start > cursor:
            pieces.append((sentence[cursor:start], False))
        pieces.append((sentence[start:end], True))
        cursor = end
    if cursor < len(sentence):
        pieces.append((sentence[cursor:], False))
    return pieces


def event_view(
    event: Any,
    person_name: str,
    tz: tzinfo,
    *,
    show_name: bool = True,
) -> dict[str, Any]:
    """The template context of one event row (models.Event or anything with its fields)."""
    details: Mapping[str, Any] = event.details or {}
    diff = str(details.get("diff", ""))
    sentence = "" if diff else str(details.get("sentence") or event.evidence or "")
    return {
        "id": event.id,
        "type": event.type,
        "label": label(event.type, details),
        "severity": event.severity,
        "colour": COLOURS.get(event.severity, COLOURS[Severity.LOW]),
        "baseline": bool(event.baseline),
        "person_id": event.person_id,
        "person_name": person_name,
        "subject_name": person_name if show_name else "a watched person",
        "headline": str(details.get("headline") or HEADLINES.get(event.type, event.type)),
        "title": event.title or "",
        "url": event.url,
        "source_id": event.source_id or "",
        "detected_at": local_time(event.detected_at, tz),
        "segments": segments(sentence, details.get("spans", [])) if sentence else [],
        "changes": list(details.get("changes", [])),
        "flags": list(details.get("flags", [])),
        "diff": diff,
        "snippet": one_line(sentence or diff, limit=240),
        "explanation": str(details.get("explanation", "")),
        "verdict_links": None,  # {"confirmed": url, "not_this_person": url} when the app is on
    }


def local_time(when: datetime, tz: tzinfo) -> str:
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")
