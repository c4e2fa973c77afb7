"""The context of the alert and digest templates: events as an advocate reads them (pure).

Rules:
- every event view carries its kind, tag, headline and severity in the advocate's language,
  its times in the advocate's zone and locale, its changes as sentences, its match explained;
- an alert lists its events most urgent first, and its subject says the most urgent one:
  "ARREST: Mukhtar Ablyazov, and 3 more" (the name only when names are allowed in subjects);
- names and titles are shown as the source and the watchlist write them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from monitor.outbox import words
from monitor.outbox.i18n import Translator, when
from monitor.outbox.urgency import ORDER, Kind, kind_of, most_urgent_first
from monitor.outbox.views import COLOURS, segments
from monitor.store.states import EventType, Severity
from monitor.text.lines import one_line


def event_view(
    event: Any,
    person: Mapping[str, Any],
    tz: tzinfo,
    tr: Translator,
    language: str,
    *,
    show_name: bool = True,
) -> dict[str, Any]:
    """The template context of one event row (models.Event or anything with its fields)."""
    details: Mapping[str, Any] = event.details or {}
    kind = kind_of(event.type, details, event.evidence or "")
    name = str(person.get("name") or event.person_id)
    diff = str(details.get("diff", ""))
    facts = words.notice_facts(details, tr, language)
    sentence = "" if diff or facts else str(details.get("sentence") or event.evidence or "")
    changes = words.notice_changes(details.get("changes", []), tr)
    changes += words.page_changes(diff, tr) if diff else []
    return {
        "id": event.id,
        "type": event.type,
        "kind": kind.value,
        "tag": words.tag(kind, details, tr),
        "severity": event.severity,
        "severity_word": words.severity(event.severity, tr),
        "colour": COLOURS.get(event.severity, COLOURS[Severity.LOW]),
        "baseline": bool(event.baseline),
        "person_id": event.person_id,
        "person_name": name,
        "subject_name": name if show_name else tr.gettext("a person you follow"),
        "headline": _headline(kind, event.type, details, tr),
        "title": event.title or "",
        "url": words.public_link(event.type, details, event.url),
        "source_id": event.source_id or "",
        "detected_at": when(event.detected_at, tz, language),
        "segments": segments(sentence, details.get("spans", [])) if sentence else [],
        "facts": facts,
        "changes": changes,
        "flags": words.protection_flag(person, details, tr, language),
        "snippet": one_line(sentence, limit=240) if sentence else facts,
        "explanation": words.explanation(details.get("match") or {}, person, tr),
        "verdict_links": None,  # the web app's one-click links, added by compose (issue 17)
    }


def _headline(kind: Kind, event_type: str, details: Mapping[str, Any], tr: Translator) -> str:
    if kind is Kind.MENTION and event_type == EventType.COURT_ITEM:
        return tr.gettext("Named in a court listing")
    return words.headline(kind, details, tr)


def alert_subject(events: Sequence[Mapping[str, Any]], tr: Translator) -> str:
    """'ARREST: Mukhtar Ablyazov, and 3 more' from views already in urgency order."""
    lead, more = events[0], len(events) - 1
    head = f"{lead['tag']}: {lead['subject_name']}"
    if not more:
        return head
    return tr.ngettext("%(head)s, and %(num)d more", "%(head)s, and %(num)d more", more) % {
        "head": head,
        "num": more,
    }


def alert_context(
    advocate: Mapping[str, Any], views: Sequence[dict[str, Any]], generated_at: str, tr: Translator
) -> dict[str, Any]:
    ordered = most_urgent_first(views)
    return {
        "advocate": advocate,
        "events": ordered,
        "lead": ordered[0],
        "subject": alert_subject(ordered, tr),
        "generated_at": generated_at,
    }


def advocate_tz(spec: Mapping[str, Any], default: tzinfo) -> tzinfo:
    """The advocate's own `timezone:`, else MONITOR_TIMEZONE."""
    name = spec.get("timezone")
    return ZoneInfo(str(name)) if name else default


def advocate_language(spec: Mapping[str, Any]) -> str:
    return str(spec.get("language") or "en")


def digest_order(
    views: Sequence[dict[str, Any]], moments: Mapping[int, Any]
) -> list[dict[str, Any]]:
    """A digest's events: the most urgent kind first, the newest first within a kind."""

    def key(view: dict[str, Any]) -> tuple[int, float]:
        return ORDER[Kind(view["kind"])], -moments[view["id"]].timestamp()

    return sorted(views, key=key)


def urgency_rank(view: Mapping[str, Any]) -> int:
    return ORDER[Kind(view["kind"])]
