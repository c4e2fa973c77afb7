"""What an advocate must act on first: each event's kind, in the order of urgency (pure).

Rules:
- the order is: arrest, detention, extradition or surrender decision, conviction, new notice,
  court decision, changed notice (and a notice leaving or coming back to the public list), case page
  changed, mention, possible match; within a kind, the most severe, then the oldest first;
- a news or court item takes its kind from what its sentence says (the context labels stored at
  match time); a case page from what its added lines say ("extradition approved");
- a reported arrest is an arrest, even on an extradition request; otherwise an item's kind is its
  first context label that names one (stored in the order of the matcher's cues: an extradition
  step before custody, so "detention pending extradition" is an extradition step); custody or
  detention words without an extradition step make a detention;
- the kind names the subject's tag and the headline; the words themselves live in the catalogues.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from monitor.matching.context import classify_sentence
from monitor.store.states import EventType, Severity


class Kind(StrEnum):
    ARREST = "arrest"
    DETENTION = "detention"
    EXTRADITION = "extradition"
    CONVICTION = "conviction"
    NEW_NOTICE = "new_notice"
    COURT_DECISION = "court_decision"
    NOTICE_CHANGED = "notice_changed"
    NOTICE_OFF_LIST = "notice_off_list"
    NOTICE_BACK = "notice_back"
    CASE_PAGE = "case_page"
    MENTION = "mention"
    POSSIBLE_MATCH = "possible_match"


ORDER = {kind: rank for rank, kind in enumerate(Kind)}
SEVERITY_RANK: dict[str, int] = {Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1}
_DETENTION_WORDS = ("detention", "custody", "под страж", "сизо", "заключени")
_NOTICE_KINDS: dict[str, Kind] = {
    EventType.NOTICE_PUBLISHED: Kind.NEW_NOTICE,
    EventType.NOTICE_CHANGED: Kind.NOTICE_CHANGED,
    EventType.NOTICE_NO_LONGER_PUBLIC: Kind.NOTICE_OFF_LIST,
    EventType.NOTICE_REAPPEARED: Kind.NOTICE_BACK,
    EventType.POSSIBLE_MATCH: Kind.POSSIBLE_MATCH,
}


def kind_of(event_type: str, details: Mapping[str, Any], evidence: str = "") -> Kind:
    """The kind of one stored event (its type and details as recorded)."""
    if event_type in _NOTICE_KINDS:
        return _NOTICE_KINDS[event_type]
    if event_type == EventType.PAGE_CHANGED:
        return _page_kind(str(details.get("diff") or evidence))
    labels = [str(label) for label in details.get("context_labels", [])]
    sentence = str(details.get("sentence") or evidence)
    return _mention_kind(labels, sentence, court=event_type == EventType.COURT_ITEM)


_LABEL_KINDS = {
    "extradition": Kind.EXTRADITION,
    "arrest": Kind.ARREST,
    "conviction": Kind.CONVICTION,
    "decision": Kind.COURT_DECISION,
    "court": Kind.COURT_DECISION,
}


def _mention_kind(labels: list[str], sentence: str, *, court: bool) -> Kind:
    detained = any(word in sentence.lower() for word in _DETENTION_WORDS)
    if "arrest" in labels and not detained:
        return Kind.ARREST  # an arrest reported, even on an extradition request
    found = next((_LABEL_KINDS[label] for label in labels if label in _LABEL_KINDS), None)
    if found is Kind.ARREST:
        return Kind.DETENTION
    if found is None:
        return Kind.COURT_DECISION if court else Kind.MENTION
    return found


def _page_kind(diff: str) -> Kind:
    added = " ".join(added_lines(diff))
    found = _mention_kind(list(classify_sentence(added).labels), added, court=False)
    return Kind.CASE_PAGE if found in (Kind.MENTION, Kind.COURT_DECISION) else found


def added_lines(diff: str) -> list[str]:
    return [line[2:] for line in diff.splitlines() if line.startswith("+ ")]


def rank(kind: Kind, severity: str, event_id: int | None) -> tuple[int, int, int]:
    """Sort key: kind first, then the most severe, then the oldest (lowest id)."""
    return ORDER[kind], -SEVERITY_RANK.get(severity, 0), event_id or 0


def most_urgent_first(views: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Event views (with `kind`, `severity`, `id`) in the order an advocate must act on them."""
    return sorted(views, key=lambda v: rank(Kind(v["kind"]), v["severity"], v["id"]))
