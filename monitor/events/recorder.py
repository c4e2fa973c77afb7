"""Recording what one poll collected, inside the poll's transaction: observations, matches, events.

Rules:
- an item is new (first time its key is seen), changed (its content hash differs) or unchanged;
  only new and changed items are matched;
- a person matched in an item is told once per item: a changed article that still names them is
  no new event, a changed article that newly names someone is;
- matches below the alert threshold are kept (for the digest's "possible matches") and, when in
  the review band, raise a low-severity event for a human to decide;
- the raw bytes of every item that produced an event are kept as evidence, with their SHA-256.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.events.observations import (
    NEW,
    SAME,
    Counts,
    keep_evidence,
    upsert_observations,
)
from monitor.items import Item
from monitor.matching.byline import match_byline
from monitor.store import models
from monitor.text.lines import one_line

if TYPE_CHECKING:
    from monitor.config.watchlist import Watchlist
    from monitor.items import Collected
    from monitor.matching import MatchIndex, TextMatch

SEVERITY_BELOW = {"high": "medium", "medium": "low", "low": "low"}


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

    def record(
        self, collected: Collected, record_items: Callable[[Recorder, Collected], Counts]
    ) -> Counts:
        """Record one poll's items the way their source type does (nothing after a 304)."""
        if collected.not_modified:
            return Counts()
        return record_items(self, collected)

    def match_text(self, row: models.Observation, item: Item | None) -> None:
        """Match an item's title and text, and its byline as a name field; one event per newly
        named person (the better of a text mention and a byline match)."""
        title = one_line(row.title, limit=500)
        text = f"{title}\n{row.text}" if row.text else title
        best: dict[str, TextMatch] = {}
        byline = (row.data or {}).get("byline")
        bylines = match_byline(self.index, byline) if isinstance(byline, str) else []
        for found in [*self.index.match_text(text), *bylines]:
            if found.person_id not in best or found.score > best[found.person_id].score:
                best[found.person_id] = found
        for found in best.values():
            self._mention(row, item, found)

    def _mention(self, row: models.Observation, item: Item | None, found: TextMatch) -> None:
        is_new = self.upsert_match(
            row, found.person_id, found.score, found.band, found.explanation.to_dict()
        )
        if not is_new or not (found.is_alert or found.band == "review"):
            return
        severity = (
            found.context.severity if found.is_alert else SEVERITY_BELOW[found.context.severity]
        )
        event_type = "court_item" if row.kind == "court" else "news_mention"
        if not found.is_alert:
            event_type = "possible_match"
        sentence = found.evidence
        start = sentence.find(found.surface)
        details = {
            "sentence": sentence,
            "spans": [[start, start + len(found.surface)]] if start >= 0 else [],
            "context_labels": list(found.context.labels),
            "band": found.band,
            "score": round(found.score, 3),
            "explanation": explain(found.explanation.to_dict()),
            "match": found.explanation.to_dict(),
        }
        self.add_event(
            key=f"{event_type}:{found.person_id}:{row.id}",
            person_id=found.person_id,
            observation=row,
            event_type=event_type,
            severity=severity,
            evidence=sentence,
            details=details,
        )
        raw = item.raw if item is not None and item.raw else row.text.encode("utf-8")
        self.keep(row, raw)

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
        match = None
        if row.id not in self.fresh:
            match = self.session.scalar(
                select(models.Match).where(
                    models.Match.observation_id == row.id, models.Match.person_id == person_id
                )
            )
        if match is None:
            self.session.add(
                models.Match(
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
            return True
        match.score, match.band, match.explanation = score, band, explanation
        match.content_hash, match.updated_at = row.content_hash, self.now
        return False

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
        if not fresh and self.session.scalar(
            select(models.Event.id).where(models.Event.key == key[:255])
        ):
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
    stored = upsert_observations(recorder.session, recorder.source, collected.items, recorder.now)
    recorder.fresh.update(row.id for row, change, _ in stored if change == NEW)
    with recorder.session.no_autoflush:
        for row, change, item in stored:
            setattr(counts, change, getattr(counts, change) + 1)
            if change != SAME:
                recorder.match_text(row, item)
    return counts


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
