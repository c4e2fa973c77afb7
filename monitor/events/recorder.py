"""Recording what one poll collected, inside the poll's transaction: observations, matches, events.

Rules:
- an item is new (first time its key is seen), changed (its content hash differs) or unchanged;
  only new and changed items are matched;
- a person matched in an item is told once per item: a changed article that still names them is
  no new event unless it now says more about them (a context label it did not have), a changed
  article that newly names someone is; a court item whose title or text changed (a new docket
  entry or decision under the same identifier) is an event again for everyone it names;
- an article reaching two sources (an item of each) names its people once;
- a byline is matched as a field of its own, and said so in the explanation;
- matches below the alert threshold are kept (for the digest's "possible matches") and, when in
  the review band, raise a low-severity event for a human to decide;
- the raw bytes of every item that produced an event, and of every later version of an item
  someone was matched in, are kept as evidence with their SHA-256 and how they were fetched
  (URL, status, headers, charset).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from monitor.events.observations import (
    CHANGED,
    NEW,
    SAME,
    Counts,
    keep_evidence,
    rewritten,
    upsert_observations,
)
from monitor.items import Item
from monitor.matching.byline import match_byline
from monitor.store import Session, models
from monitor.store import events as stored_events
from monitor.store import matches as stored_matches
from monitor.store.states import EventType, ObservationKind, Severity
from monitor.text.lines import one_line

if TYPE_CHECKING:
    from monitor.config.watchlist import Watchlist
    from monitor.items import Collected
    from monitor.matching import MatchIndex, TextMatch

SEVERITY_BELOW: dict[str, Severity] = {
    Severity.HIGH: Severity.MEDIUM,
    Severity.MEDIUM: Severity.LOW,
    Severity.LOW: Severity.LOW,
}


class Recorder:
    """Records one poll's items and collects the events it creates (in `events`)."""

    def __init__(
        self,
        session: Session,
        index: MatchIndex,
        watchlist: Watchlist,
        source: models.Source,
        cycle_id: str,
        now: datetime,
        *,
        baseline: bool,
    ) -> None:
        self.session = session
        self.index = index
        self.watchlist = watchlist
        self.source = source
        self.cycle_id = cycle_id
        self.now = now
        self.baseline = baseline
        self.events: list[models.Event] = []
        # Observations created by this poll: nothing can refer to them yet, so no need to look.
        self.fresh: set[int] = set()
        self.event_keys: set[str] = set()
        self.kept: set[tuple[int, str]] = set()
        # How this poll's document was fetched (status, headers, charset): kept with evidence.
        self.meta: dict[str, Any] = {}
        # Keys of entries an earlier parser had merged into another's row: seen before, so
        # their events go to the digest (baseline), not out as alerts after an upgrade.
        self.split: set[str] = set()

    def record(
        self, collected: Collected, record_items: Callable[[Recorder, Collected], Counts]
    ) -> Counts:
        """Record one poll's items the way their source type does (nothing after a 304)."""
        if collected.not_modified:
            return Counts()
        return record_items(self, collected)

    def match_text(
        self, row: models.Observation, item: Item | None, *, rewritten: bool = False
    ) -> None:
        """Match an item's title and text, and its byline as a field of its own.

        - one event per newly named person;
        - `rewritten`: the title or text of a stored court item changed (a new docket entry, a
          new decision under the same identifier): an event again for each person it names;
        - a changed news item that still names someone is an event only when it now says more
          about them (a context label it did not have: arrested, extradited...).
        """
        title = one_line(row.title, limit=500)
        text = f"{title}\n{row.text}" if row.text else title
        found_in = {"text": self.index.match_text(text)}
        byline = str(row.data.get("byline") or "")
        if byline:
            found_in["byline"] = byline_matches(self.index, byline)
        best: dict[str, tuple[TextMatch, str]] = {}
        for field, matches in found_in.items():
            for found in matches:
                if found.person_id not in best or found.score > best[found.person_id][0].score:
                    best[found.person_id] = (found, field)
        for found, field in best.values():
            self._mention(
                row, item, found, field, rewritten=rewritten and row.kind == ObservationKind.COURT
            )

    def _mention(
        self,
        row: models.Observation,
        item: Item | None,
        found: TextMatch,
        field: str,
        *,
        rewritten: bool,
    ) -> None:
        labels = list(found.context.labels)
        # What this version said about the person is kept with the match, for the next change.
        explanation = {**found.explanation.to_dict(), "field": field, "context_labels": labels}
        previous = self.store_match(row, found.person_id, found.score, found.band, explanation)
        previous_labels = (previous or {}).get("context_labels")
        if not (found.is_alert or found.band == "review"):  # matching's Band literal
            return
        told_more = previous_labels is not None and bool(set(labels) - set(previous_labels))
        if previous is not None and not (rewritten or told_more):
            return
        if previous is None and self._told_elsewhere(row, found.person_id):
            return
        severity = (
            found.context.severity if found.is_alert else SEVERITY_BELOW[found.context.severity]
        )
        event_type = (
            EventType.COURT_ITEM if row.kind == ObservationKind.COURT else EventType.NEWS_MENTION
        )
        if not found.is_alert:
            event_type = EventType.POSSIBLE_MATCH
        sentence = found.evidence
        start = sentence.find(found.surface)
        summary = explain(explanation)
        details = {
            "sentence": sentence,
            "spans": [[start, start + len(found.surface)]] if start >= 0 else [],
            "context_labels": labels,
            "band": found.band,
            "score": round(found.score, 3),
            "field": field,
            "explanation": f"{summary} (in the byline)" if field == "byline" else summary,
            "match": explanation,
        }
        # The first mention of a person in an item keeps its historical key; a later version
        # that matters is keyed by its content, so each docket entry or decision is told once.
        suffix = f":{row.content_hash}" if previous is not None else ""
        self.add_event(
            baseline=True if row.key in self.split else None,
            key=f"{event_type}:{found.person_id}:{row.id}{suffix}",
            person_id=found.person_id,
            observation=row,
            event_type=event_type,
            severity=severity,
            evidence=sentence,
            details=details,
        )
        self.keep_version(row, item)

    def _told_elsewhere(self, row: models.Observation, person_id: str) -> bool:
        """The same article (same link) already named this person through another source.

        Items are per source, so an article in two feeds is two items; its reader is told once.
        Court items are left out: a docket's entries all share the case's link.
        """
        if row.kind == ObservationKind.COURT or not row.url:
            return False
        told = (EventType.NEWS_MENTION, EventType.POSSIBLE_MATCH)
        return stored_events.told_elsewhere(self.session, person_id, row.url, self.source.id, told)

    def keep_version(self, row: models.Observation, item: Item | None) -> None:
        """Keep this version of a matched item as evidence, with how it was fetched."""
        raw = item.raw if item is not None and item.raw else row.text.encode("utf-8")
        self.keep(row, raw, **self.meta)

    def is_matched(self, row: models.Observation) -> bool:
        """Whether someone was matched in this stored item (above the weak band)."""
        if row.id in self.fresh:
            return False
        return stored_matches.above_weak(self.session, row.id)

    def keep(self, row: models.Observation, raw: bytes, **meta: Any) -> None:
        """Keep `raw` as evidence of `row`, once per poll however many people it names."""
        digest = hashlib.sha256(raw).hexdigest()
        if (row.id, digest) in self.kept:
            return
        self.kept.add((row.id, digest))
        keep_evidence(self.session, row, raw, self.now, fresh=row.id in self.fresh, **meta)

    def upsert_match(
        self,
        row: models.Observation,
        person_id: str,
        score: float,
        band: str,
        explanation: dict[str, Any],
    ) -> bool:
        """Store a match; True when this person was not matched in this observation before."""
        return self.store_match(row, person_id, score, band, explanation) is None

    def store_match(
        self,
        row: models.Observation,
        person_id: str,
        score: float,
        band: str,
        explanation: dict[str, Any],
    ) -> dict[str, Any] | None:
        """Store a match; None when the person is new to this observation, else the previous
        match's explanation (what the item said about them before)."""
        match = None
        if row.id not in self.fresh:
            match = stored_matches.of(self.session, row.id, person_id)
        if match is None:
            self.session.add(
                models.MatchRow(
                    observation_id=row.id,
                    person_id=person_id,
                    score=score,
                    band=band,
                    explanation=explanation,
                    content_hash=row.content_hash,
                    created_at=self.now,
                    updated_at=self.now,
                )
            )
            return None
        previous = dict(match.explanation or {})
        match.score, match.band, match.explanation = score, band, explanation
        match.content_hash, match.updated_at = row.content_hash, self.now
        return previous

    def add_event(
        self,
        *,
        key: str,
        person_id: str,
        observation: models.Observation | None,
        event_type: str,
        severity: str,
        evidence: str = "",
        details: dict[str, Any] | None = None,
        baseline: bool | None = None,
    ) -> models.Event | None:
        """Create an event unless one with this key exists (a replayed poll creates nothing).

        - ids are assigned when the session next flushes (queue_alerts does, before it needs them).
        """
        fresh = observation is not None and observation.id in self.fresh
        if key[:255] in self.event_keys:
            return None
        if not fresh and stored_events.key_taken(self.session, key[:255]):
            return None
        event = models.Event(
            key=key[:255],
            person_id=person_id,
            observation_id=observation.id if observation else None,
            source_id=self.source.id,
            type=event_type,
            severity=severity,
            title=one_line(observation.title if observation else "", limit=500),
            url=observation.url if observation else None,
            evidence=evidence,
            details=details or {},
            baseline=self.baseline if baseline is None else baseline,
            cycle_id=self.cycle_id,
            detected_at=self.now,
        )
        self.session.add(event)
        self.events.append(event)
        self.event_keys.add(event.key)
        return event


def record_mentions(recorder: Recorder, collected: Collected) -> Counts:
    """Feed entries and listing rows: store them all, match the new and changed ones' text."""
    counts = Counts()
    before: dict[str, tuple[str, str]] = {}
    stored = upsert_observations(
        recorder.session,
        recorder.source,
        collected.items,
        recorder.now,
        before=before,
        split=recorder.split,
    )
    recorder.fresh.update(row.id for row, change, _ in stored if change == NEW)
    recorder.meta = dict(collected.response)
    with recorder.session.no_autoflush:
        for row, change, item in stored:
            setattr(counts, change, getattr(counts, change) + 1)
            if change == CHANGED and recorder.is_matched(row):
                recorder.keep_version(row, item)  # every version of a matched item is evidence
            if change != SAME:
                recorder.match_text(row, item, rewritten=rewritten(before.get(row.key), row))
    return counts


def byline_matches(index: MatchIndex, byline: str) -> list[TextMatch]:
    """The watched people a byline names: each author's name matched as a name field
    (`matching.byline`: "By ...", several authors, e-mail addresses left out)."""
    return match_byline(index, byline)


def explain(explanation: dict[str, Any]) -> str:
    """One readable line from a match explanation (the full data stays in details.match)."""
    if "summary" in explanation:
        return str(explanation["summary"])
    parts = []
    if explanation.get("variant"):
        parts.append(f"matched the watchlist form {explanation['variant']!r}")
    if explanation.get("provenance"):
        parts.append(f"({explanation['provenance']})")
    if explanation.get("score") is not None:
        parts.append(f"score {float(explanation['score']):.2f}")
    if explanation.get("band"):
        parts.append(f"band {explanation['band']}")
    return " ".join(parts)
