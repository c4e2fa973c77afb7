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

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from monitor import logs
from monitor.store import models
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
        P = models.Person
        stamp = tuple(
            session.execute(
                select(func.count(), func.count(P.archived_at), func.max(P.updated_at))
            ).one()
        )
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
    for row in session.scalars(select(models.Person)):
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


def awaiting_verdict() -> ColumnElement[bool]:
    """A possible-match event with no verdict on its pair given since."""
    E, D = models.Event, models.Decision
    decided = exists().where(
        D.person_id == E.person_id,
        D.observation_id == E.observation_id,
        D.decided_at >= E.detected_at,
    )
    return and_(E.type == "possible_match", E.observation_id.is_not(None), ~decided)


# / ------------------------------------------------------------------------------------------------
def last_events(session: Session, person_ids: Sequence[str]) -> dict[str, models.Event]:
    """Each person's newest event (the (person, detected_at) index answers each maximum)."""
    E = models.Event
    newest = (
        select(E.person_id, func.max(E.detected_at).label("at"))
        .where(E.person_id.in_(person_ids))
        .group_by(E.person_id)
        .subquery()
    )
    query = select(E).join(
        newest, and_(E.person_id == newest.c.person_id, E.detected_at == newest.c.at)
    )
    found: dict[str, models.Event] = {}
    for event in session.scalars(query):
        if event.person_id not in found or event.id > found[event.person_id].id:
            found[event.person_id] = event
    return found


def open_matches(session: Session, person_ids: Sequence[str]) -> dict[str, int]:
    E = models.Event
    query = (
        select(E.person_id, func.count())
        .where(E.person_id.in_(person_ids), awaiting_verdict())
        .group_by(E.person_id)
    )
    return {person_id: int(count) for person_id, count in session.execute(query).all()}


@dataclass(frozen=True)
class NoticeState:
    person_id: str
    observation_id: int
    notice_id: str
    present: bool
    since: datetime


def notice_states(session: Session, person_ids: Sequence[str]) -> list[NoticeState]:
    """The notices strongly matched (or confirmed) to these people, listed now or not, since when."""
    Obs, M, D, E = models.Observation, models.Match, models.Decision, models.Event
    confirmed = exists().where(
        D.person_id == M.person_id, D.observation_id == M.observation_id, D.verdict == "confirmed"
    )
    rows = session.execute(
        select(M.person_id, Obs.id, Obs.key, Obs.present, Obs.first_seen_at, Obs.last_changed_at)
        .join(Obs, M.observation_id == Obs.id)
        .where(
            M.person_id.in_(person_ids), Obs.kind == "notice", or_(M.band == "strong", confirmed)
        )
        .order_by(Obs.key)
    ).all()
    listed_since = {
        (p, o): at
        for p, o, at in session.execute(
            select(E.person_id, E.observation_id, func.max(E.detected_at))
            .where(E.person_id.in_(person_ids), E.type.in_(NOTICE_PRESENCE))
            .group_by(E.person_id, E.observation_id)
        ).all()
    }
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
    E = models.Event
    query = select(E).where(E.person_id == person_id).order_by(E.detected_at.desc(), E.id.desc())
    return list(session.scalars(query))


def decisions_of(session: Session, person_id: str) -> dict[int, models.Decision]:
    D = models.Decision
    return {d.observation_id: d for d in session.scalars(select(D).where(D.person_id == person_id))}


def matched_notices(
    session: Session, person_id: str
) -> list[tuple[models.Observation, models.Match]]:
    Obs, M = models.Observation, models.Match
    query = (
        select(Obs, M)
        .join(M, M.observation_id == Obs.id)
        .where(M.person_id == person_id, Obs.kind == "notice")
        .order_by(Obs.key)
    )
    return [(obs, match) for obs, match in session.execute(query).all()]


def versions(session: Session, observation_ids: Iterable[int]) -> dict[int, list[models.Evidence]]:
    """Every stored version (raw bytes as fetched) of these records, oldest first, without bodies."""
    Ev = models.Evidence
    grouped: dict[int, list[models.Evidence]] = {}
    query = (
        select(Ev)
        .where(Ev.observation_id.in_(list(observation_ids)))
        .order_by(Ev.retrieved_at, Ev.id)
    )
    for row in session.scalars(query):
        if row.observation_id is not None:
            grouped.setdefault(row.observation_id, []).append(row)
    return grouped


# /review ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Review:
    event: models.Event
    observation: models.Observation | None
    match: models.Match | None


def reviews(
    session: Session, viewer: Viewer, visible: Sequence[str], page: int
) -> tuple[list[Review], int]:
    """Possible matches awaiting a verdict, oldest first, and how many there are (at most COUNT_CAP)."""
    E, Obs, M = models.Event, models.Observation, models.Match
    where = [awaiting_verdict()]
    if not viewer.admin:
        where.append(E.person_id.in_(visible))
    counted = select(E.id).where(*where).limit(COUNT_CAP).subquery()
    total = session.scalar(select(func.count()).select_from(counted)) or 0
    query = (
        select(E, Obs, M)
        .outerjoin(Obs, Obs.id == E.observation_id)
        .outerjoin(M, and_(M.observation_id == E.observation_id, M.person_id == E.person_id))
        .where(*where)
        .order_by(E.detected_at, E.id)
        .offset(page * REVIEW_PAGE)
        .limit(REVIEW_PAGE)
    )
    return [Review(e, o, m) for e, o, m in session.execute(query).all()], int(total)


def review_of(session: Session, event_id: int) -> Review | None:
    event = session.get(models.Event, event_id)
    if event is None:
        return None
    observation = (
        session.get(models.Observation, event.observation_id) if event.observation_id else None
    )
    match = session.scalar(
        select(models.Match).where(
            models.Match.observation_id == event.observation_id,
            models.Match.person_id == event.person_id,
        )
    )
    return Review(event, observation, match)


def decision_for(session: Session, event: models.Event) -> models.Decision | None:
    D = models.Decision
    return session.scalar(
        select(D).where(D.person_id == event.person_id, D.observation_id == event.observation_id)
    )


# /sources, /audit ---------------------------------------------------------------------------------
def sources_with_sweeps(session: Session) -> list[tuple[models.Source, models.SourceRun | None]]:
    """Each live source and its last full run (an INTERPOL sweep's coverage)."""
    S, R = models.Source, models.SourceRun
    sources = list(session.scalars(select(S).where(S.archived_at.is_(None)).order_by(S.id)))
    ranked = (
        select(
            R.id,
            func.row_number()
            .over(partition_by=R.source_id, order_by=R.started_at.desc())
            .label("n"),
        )
        .where(R.full.is_(True), R.finished_at.is_not(None))
        .subquery()
    )
    last = {
        r.source_id: r
        for r in session.scalars(select(R).join(ranked, ranked.c.id == R.id).where(ranked.c.n == 1))
    }
    return [(s, last.get(s.id)) for s in sources]


def audit_entries(session: Session) -> list[models.AuditEntry]:
    A = models.AuditEntry
    return list(session.scalars(select(A).order_by(A.at.desc(), A.id.desc()).limit(AUDIT_PAGE)))
