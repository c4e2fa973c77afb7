"""Who is asking: sessions, sign-in links, one-click verdict links, CSRF, rate limits, the audit log.

Rules:
- a sign-in link is a database row named by a signed id: it works once (a conditional UPDATE, so
  two clicks or two instances cannot both use it) and for SIGN_IN_VALID after it was asked for;
- at most SIGN_INS_PER_HOUR sign-in emails per advocate per hour, counted in the database;
- at most LOGIN_REQUESTS_PER_HOUR requests to the sign-in pages per client address per hour,
  counted in the database too (shared by every instance, kept across restarts), the address kept
  only as a keyed hash;
- a sign-in link remembers the local path the advocate asked for (`paths.local_path`), and signing
  in lands there;
- a session is a random id in a signed, HttpOnly cookie; the database keeps its SHA-256, so a
  copy of the database signs nobody in; it ends after SESSION_IDLE without use, SESSION_MAX after
  sign-in, at sign-out, or when the advocate leaves the watchlist;
- a one-click verdict link works once: its SHA-256 is recorded when it is used;
- a CSRF token is the signed value of a random cookie: a form posted from elsewhere has no token
  and a token copied from elsewhere has no cookie;
- every sign-in, person page viewed, evidence download and verdict is an audit row.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from monitor.store import IntegrityError, Session, login_hits, models, people, sign_ins
from monitor.store.states import DeliveryKind
from monitor.web.paths import local_path
from monitor.web.signing import (
    CSRF_VALID,
    SESSION_IDLE,
    SESSION_MAX,
    SIGN_IN_VALID,
    BadLink,
    Signer,
    token_hash,
)

SIGN_INS_PER_HOUR = 5
LOGIN_REQUESTS_PER_HOUR = 30
LOGIN_PERIOD = timedelta(hours=1)
TOUCH_EVERY = timedelta(minutes=1)  # a session's last use is written at most once a minute


@dataclass(frozen=True)
class Viewer:
    """The advocate behind a request, as the pages need them."""

    advocate_id: str
    name: str
    admin: bool


def viewer_of(advocate: models.Advocate) -> Viewer:
    spec = advocate.spec
    return Viewer(advocate.id, str(spec.get("name", advocate.id)), spec.get("role") == "admin")


def active_advocate(session: Session, advocate_id: str) -> models.Advocate | None:
    advocate = session.get(models.Advocate, advocate_id)
    return advocate if advocate is not None and advocate.archived_at is None else None


def advocate_by_email(session: Session, email: str) -> models.Advocate | None:
    """The advocate whose watchlist address is `email` (compared without case)."""
    wanted = email.strip().lower()
    if not wanted or len(wanted) > 320:
        return None
    rows = people.current_advocates(session)
    return next((a for a in rows if str(a.spec.get("email", "")).lower() == wanted), None)


# sign-in links ------------------------------------------------------------------------------------
def queue_sign_in(
    session: Session, advocate: models.Advocate, now: datetime, next_path: str | None = None
) -> bool:
    """Queue a sign-in email (an outbox delivery) unless the hourly limit is reached; the link
    remembers `next_path` if it is a local path (anything else is dropped)."""
    recent = sign_ins.count_since(session, advocate.id, now - timedelta(hours=1))
    if recent >= SIGN_INS_PER_HOUR:
        return False
    delivery = models.Delivery(
        key=f"login:{advocate.id}:{secrets.token_hex(16)}",
        advocate_id=advocate.id,
        kind=DeliveryKind.LOGIN,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(delivery)
    session.flush()
    session.add(
        models.SignInLink(
            advocate_id=advocate.id,
            delivery_id=delivery.id,
            created_at=now,
            expires_at=now + SIGN_IN_VALID,
            next_path=local_path(next_path),
        )
    )
    return True


def sign_in_link_usable(session: Session, link_id: int, now: datetime) -> bool:
    link = session.get(models.SignInLink, link_id)
    return link is not None and link.used_at is None and link.expires_at > now


@dataclass(frozen=True)
class SignedIn:
    """Who a used sign-in link signed in, and the local path they asked for before (or "/")."""

    advocate_id: str
    next_path: str


def redeem_sign_in(session: Session, link_id: int, now: datetime) -> SignedIn | None:
    """Use a sign-in link; None when it is used, expired or unknown, or its advocate is gone."""
    if not sign_ins.use(session, link_id, now):
        return None
    advocate_id, next_path = sign_ins.owner_and_path(session, link_id)
    if active_advocate(session, advocate_id) is None:
        return None
    return SignedIn(advocate_id, local_path(next_path) or "/")


# sessions -----------------------------------------------------------------------------------------
def start_session(session: Session, signer: Signer, advocate_id: str, now: datetime) -> str:
    """A new session for the advocate; returns the cookie's value."""
    raw = secrets.token_urlsafe(32)
    session.add(
        models.WebSession(
            id=token_hash(raw), advocate_id=advocate_id, created_at=now, last_seen_at=now
        )
    )
    return signer.dump("session", raw)


def session_viewer(session: Session, signer: Signer, cookie: str, now: datetime) -> Viewer | None:
    """The advocate of a live session cookie, or None (refreshing its last use)."""
    row = _live_session(session, signer, cookie, now)
    if row is None:
        return None
    advocate = active_advocate(session, row.advocate_id)
    if advocate is None:
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
    return viewer_of(advocate)


def _live_session(
    session: Session, signer: Signer, cookie: str, now: datetime
) -> models.WebSession | None:
    try:
        raw = signer.load("session", cookie, SESSION_MAX)
    except BadLink:
        return None
    row = session.get(models.WebSession, token_hash(str(raw)))
    if row is None or row.ended_at is not None:
        return None
    if now - row.created_at > SESSION_MAX or now - row.last_seen_at > SESSION_IDLE:
        return None
    return row


def end_session(session: Session, signer: Signer, cookie: str, now: datetime) -> None:
    row = _live_session(session, signer, cookie, now)
    if row is not None:
        row.ended_at = now


# one-click verdict links --------------------------------------------------------------------------
def link_used(session: Session, token: str) -> bool:
    return session.get(models.UsedLink, token_hash(token)) is not None


def use_link(session: Session, token: str, advocate_id: str, now: datetime) -> bool:
    """Mark a one-click link used; False when it already was (by another click or instance)."""
    try:
        with session.begin_nested():
            session.add(
                models.UsedLink(token_hash=token_hash(token), advocate_id=advocate_id, used_at=now)
            )
    except IntegrityError:
        return False
    return True


# CSRF ---------------------------------------------------------------------------------------------
def new_csrf_id() -> str:
    return secrets.token_urlsafe(24)


def csrf_token(signer: Signer, csrf_id: str) -> str:
    return signer.dump("csrf", csrf_id)


def csrf_ok(signer: Signer, token: str, csrf_id: str | None) -> bool:
    if not csrf_id or not token:
        return False
    try:
        return bool(secrets.compare_digest(str(signer.load("csrf", token, CSRF_VALID)), csrf_id))
    except BadLink:
        return False


# audit --------------------------------------------------------------------------------------------
def audit(
    session: Session,
    advocate_id: str,
    action: str,
    now: datetime,
    *,
    person_id: str | None = None,
    event_id: int | None = None,
    **details: Any,
) -> None:
    session.add(
        models.AuditEntry(
            at=now,
            advocate_id=advocate_id,
            action=action,
            person_id=person_id,
            event_id=event_id,
            details=details,
        )
    )


# rate limits --------------------------------------------------------------------------------------
def allow_login_request(session: Session, client: str, now: datetime) -> bool:
    """Count one request to the sign-in pages against its client's hourly limit.

    - `client` is the keyed hash of the client's address (`Signer.keyed_hash`), never the address;
    - the window slides: the requests of the last LOGIN_PERIOD count, in every instance and
      across restarts (the rows are in the database);
    - a refused request is not counted, so waiting an hour always helps;
    - rows older than LOGIN_PERIOD are deleted here, so the table holds one hour of requests;
    - two instances answering the same client at the same instant may both let the 30th request
      through: the limit is a brake on guessing and flooding, not an exact count.
    """
    since = now - LOGIN_PERIOD
    login_hits.forget_until(session, since)
    if login_hits.count_since(session, client, since) >= LOGIN_REQUESTS_PER_HOUR:
        return False
    session.add(models.LoginHit(client=client, at=now))
    return True
