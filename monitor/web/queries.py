"""What the pages read from the store, and who may see which person.

Rules:
- need-to-know: an advocate sees the people whose `advocates` name them, and those people's events
  and evidence; an admin sees everyone; anything else is "not found", like what does not exist;
- the people's names and followers are held in memory and reloaded when the people table changes
  (its row count, archived count or newest update, looked at every RECHECK_SECONDS), so a page
  never parses 10,000 specs;
- a possible match awaits a verdict until a verdict on its (person, record) pair is given at or
  after the event; the newest verdict of a pair is the one shown;
- every query reads a bounded number of rows (pages of PAGE_SIZE).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor import logs
from monitor.store import (
    Session,
    audit,
    decisions,
    matches,
    models,
    observations,
    people,
    runs,
    sources,
)
from monitor.store import events as stored_events
from monitor.web.auth import Viewer

PAGE_SIZE = 50
RECHECK_SECONDS = 2.0  # a watchlist edit shows in the app within this time
REVIEW_PAGE = 20
COUNT_CAP = 1000  # "1,000 or more" awaiting: counting further costs time and says nothing more
AUDIT_PAGE = 300
NOTICE_PRESENCE = ("notice_published", "notice_reappeared")


@dataclass(frozen=True)
class PersonCard:
    id: str
    name: str
    spec: dict[str, Any]
    advocates: frozenset[str]
    archived: bool


def may_see(viewer: Viewer, person: PersonCard) -> bool:
    return viewer.admin or viewer.advocate_id in person.advocates


class Directory:
    """The watched people by id, reloaded when the people table changes."""

    def __init__(self, recheck_every: float = RECHECK_SECONDS) -> None:
        self._stamp: tuple[Any, ...] | None = None
        self._people: dict[str, PersonCard] = {}
        self._listed: list[PersonCard] = []  # on the watchlist now, by name
        self._by_advocate: dict[str, list[PersonCard]] = {}
        self._lock = threading.Lock()
        self._checked = -float("inf")
        self._recheck = recheck_every

    def people(self, session: Session) -> dict[str, PersonCard]:
        if time.monotonic() - self._checked < self._recheck:
            return self._people
        stamp = people.stamp(session)
        with self._lock:
            if stamp != self._stamp:
                self._people, self._listed, self._by_advocate = _index(_load_people(session))
                self._stamp = stamp
            self._checked = time.monotonic()
            return self._people

    def visible(self, session: Session, viewer: Viewer) -> list[PersonCard]:
        """The viewer's people on the watchlist now, by name."""
        self.people(session)
        return self._listed if viewer.admin else self._by_advocate.get(viewer.advocate_id, [])

    def get(self, session: Session, viewer: Viewer, person_id: str) -> PersonCard | None:
        """The person if the viewer may see them (archived people keep their history)."""
        card = self.people(session).get(person_id)
        return card if card is not None and may_see(viewer, card) else None


def _index(
    people: dict[str, PersonCard],
) -> tuple[dict[str, PersonCard], list[PersonCard], dict[str, list[PersonCard]]]:
    """People by id; those on the watchlist now, by name; the same for each advocate."""
    listed = sorted(
        (p for p in people.values() if not p.archived), key=lambda p: (p.name.casefold(), p.id)
    )
    by_advocate: dict[str, list[PersonCard]] = {}
    for card in listed:
        for advocate_id in card.advocates:
            by_advocate.setdefault(advocate_id, []).append(card)
    return people, listed, by_advocate


def _load_people(session: Session) -> dict[str, PersonCard]:
    cards = {}
    for row in people.everyone(session):
        spec = row.spec or {}
        cards[row.id] = PersonCard(
            id=row.id,
            name=str(spec.get("name", row.id)),
            spec=spec,
            advocates=frozenset(spec.get("advocates", [])),
            archived=row.archived_at is not None,
        )
    logs.protect(w for c in cards.values() for w in (c.id, c.name, *c.spec.get("aliases", [])))
    return cards


# / ------------------------------------------------------------------------------------------------
def last_events(session: Session, person_ids: Sequence[str]) -> dict[str, models.Event]:
    """Each person's newest event (the (person, detected_at) index answers each maximum)."""
    found: dict[str, models.Event] = {}
    for event in stored_events.at_last_detection(session, person_ids):
        if event.person_id not in found or event.id > found[event.person_id].id:
            found[event.person_id] = event
    return found


def open_matches(session: Session, person_ids: Sequence[str]) -> dict[str, int]:
    return stored_events.awaiting_by_person(session, person_ids)


@dataclass(frozen=True)
class NoticeState:
    person_id: str
    observation_id: int
    notice_id: str
    present: bool
    since: datetime


def notice_states(session: Session, person_ids: Sequence[str]) -> list[NoticeState]:
    """The notices strongly matched (or confirmed) to these people, listed now or not, since when."""
    rows = matches.strong_or_confirmed_notices(session, person_ids)
    listed_since = stored_events.last_detected(session, person_ids, NOTICE_PRESENCE)
    return [
        NoticeState(
            person_id=p,
            observation_id=o,
            notice_id=key.rsplit(":", 1)[-1],
            present=bool(present),
            since=listed_since.get((p, o), first_seen) if present else changed,
        )
        for p, o, key, present, first_seen, changed in rows
    ]


# /people/<id> -------------------------------------------------------------------------------------
def person_events(session: Session, person_id: str) -> list[models.Event]:
    """The person's events, newest first (store.events.listed gives them oldest first)."""
    return list(reversed(stored_events.listed(session, person_id)))


def decisions_of(session: Session, person_id: str) -> dict[int, models.Decision]:
    return {d.observation_id: d for d in decisions.listed(session, person_id).values()}


def matched_notices(
    session: Session, person_id: str
) -> list[tuple[models.Observation, models.MatchRow]]:
    return matches.notices_of(session, person_id)


def versions(session: Session, observation_ids: Iterable[int]) -> dict[int, list[models.Evidence]]:
    """Every stored version (raw bytes as fetched) of these records, oldest first, without bodies."""
    grouped: dict[int, list[models.Evidence]] = {}
    for row in observations.evidence_of_each(session, list(observation_ids)):
        if row.observation_id is not None:
            grouped.setdefault(row.observation_id, []).append(row)
    return grouped


# /review ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Review:
    event: models.Event
    observation: models.Observation | None
    match: models.MatchRow | None


def reviews(
    session: Session, viewer: Viewer, visible: Sequence[str], page: int
) -> tuple[list[Review], int]:
    """Possible matches awaiting a verdict, oldest first, and how many there are (at most COUNT_CAP)."""
    of = None if viewer.admin else visible
    total = stored_events.awaiting_count(session, of, COUNT_CAP)
    rows = stored_events.awaiting_page(session, of, page * REVIEW_PAGE, REVIEW_PAGE)
    return [Review(e, o, m) for e, o, m in rows], total


def review_of(session: Session, event_id: int) -> Review | None:
    event = session.get(models.Event, event_id)
    if event is None:
        return None
    observation = (
        session.get(models.Observation, event.observation_id) if event.observation_id else None
    )
    match = matches.of(session, event.observation_id, event.person_id)
    return Review(event, observation, match)


# /sources, /audit ---------------------------------------------------------------------------------
def sources_with_sweeps(session: Session) -> list[tuple[models.Source, models.SourceRun | None]]:
    """Each live source and its last full run (an INTERPOL sweep's coverage)."""
    live = sources.live(session)
    last = runs.last_finished_full(session)
    return [(s, last.get(s.id)) for s in live]


def audit_entries(session: Session) -> list[models.AuditEntry]:
    return audit.newest(session, AUDIT_PAGE)
