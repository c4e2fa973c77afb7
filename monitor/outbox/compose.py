"""Composing the email of a delivery row (an alert or a digest) from the stored events.

Rules:
- the Message-ID derives from the delivery key, so a retried send is recognisably the same email;
- the alerts about one person to one advocate form one thread (In-Reply-To, References).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.exc import DeliveryError
from monitor.outbox import views
from monitor.outbox.digest import Period, digest_context
from monitor.outbox.templates import make_message
from monitor.outbox.transports import Transport
from monitor.store import models


class Links(Protocol):
    """The web app's links in emails (monitor.web.signing.EmailLinks), when the app is set up."""

    def sign_in(self, link_id: int) -> str: ...

    def verdict(self, advocate_id: str, event_id: int) -> dict[str, str]: ...

    def person(self, person_id: str) -> str: ...


@dataclass(frozen=True)
class Mailing:
    """What the delivery step needs besides the database."""

    transport: Transport
    sender: str
    templates_dir: Path
    tz: Any
    names_in_subjects: bool = True
    links: Links | None = None  # None: no MONITOR_SECRET_KEY, so emails carry no web links


def message_id(key: str, sender: str) -> str:
    domain = parseaddr(sender)[1].rpartition("@")[2] or "redwatch.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def thread_root(advocate_id: str, person_id: str, sender: str) -> str:
    return message_id(f"thread:{advocate_id}:{person_id}", sender)


def build_message(session: Session, mailing: Mailing, delivery_id: int) -> EmailMessage:
    """The email of a delivery row: an alert or a digest, rendered from the stored events."""
    delivery = session.get_one(models.Delivery, delivery_id)
    advocate = session.get_one(models.Advocate, delivery.advocate_id)
    if delivery.kind == "digest":
        return _digest_message(session, mailing, delivery, advocate)
    if delivery.kind == "login":
        return _sign_in_message(session, mailing, delivery, advocate)
    events = list(
        session.scalars(
            select(models.Event)
            .join(models.DeliveryEvent, models.DeliveryEvent.event_id == models.Event.id)
            .where(models.DeliveryEvent.delivery_id == delivery.id)
        )
    )
    event_views = views.most_severe_first([_view(session, e, mailing) for e in events])
    add_verdict_links(event_views, mailing, advocate.id)
    context = {
        "advocate": advocate.spec,
        "events": event_views,
        "lead": event_views[0],
        "generated_at": views.local_time(delivery.created_at, mailing.tz),
    }
    return make_message(
        "alert",
        context,
        templates_dir=mailing.templates_dir,
        sender=mailing.sender,
        recipient=str(advocate.spec["email"]),
        headers=_alert_headers(session, delivery, mailing.sender),
    )


def _digest_message(
    session: Session, mailing: Mailing, delivery: models.Delivery, advocate: models.Advocate
) -> EmailMessage:
    assert delivery.period_start is not None and delivery.period_end is not None
    period = Period(delivery.period_start, delivery.period_end)
    context = digest_context(
        session, advocate, period, mailing.tz, show_names=mailing.names_in_subjects
    )
    for section in context["people"]:
        add_verdict_links(section["possible"], mailing, advocate.id)
    headers = {
        "Message-ID": message_id(delivery.key, mailing.sender),
        "Date": format_datetime(delivery.created_at),
    }
    return make_message(
        "digest",
        context,
        templates_dir=mailing.templates_dir,
        sender=mailing.sender,
        recipient=str(advocate.spec["email"]),
        headers=headers,
    )


# --- the web app's links (issue 17) ---------------------------------------------------------------
def add_verdict_links(
    event_views: Iterable[dict[str, Any]], mailing: Mailing, advocate_id: str
) -> None:
    """Give each possible match its one-click "Yes, this is them" / "Not this person" links."""
    if mailing.links is None:
        return
    for view in event_views:
        if view["type"] == "possible_match" and view["id"] is not None:
            view["verdict_links"] = mailing.links.verdict(advocate_id, int(view["id"]))


def _sign_in_message(
    session: Session, mailing: Mailing, delivery: models.Delivery, advocate: models.Advocate
) -> EmailMessage:
    link = session.scalar(
        select(models.SignInLink).where(models.SignInLink.delivery_id == delivery.id)
    )
    if link is None or mailing.links is None:
        raise DeliveryError("a sign-in email needs MONITOR_SECRET_KEY", permanent=True)
    context = {
        "advocate": advocate.spec,
        "link": mailing.links.sign_in(link.id),
        "valid_until": views.local_time(link.expires_at, mailing.tz),
        "generated_at": views.local_time(delivery.created_at, mailing.tz),
    }
    headers = {
        "Message-ID": message_id(delivery.key, mailing.sender),
        "Date": format_datetime(delivery.created_at),
    }
    return make_message(
        "login",
        context,
        templates_dir=mailing.templates_dir,
        sender=mailing.sender,
        recipient=str(advocate.spec["email"]),
        headers=headers,
    )


# --- end of the web app's links ---------------------------------------------------------------------
def _view(session: Session, event: models.Event, mailing: Mailing) -> dict[str, Any]:
    person = session.get(models.Person, event.person_id)
    name = str(person.spec.get("name", event.person_id)) if person else event.person_id
    return views.event_view(event, name, mailing.tz, show_name=mailing.names_in_subjects)


def _alert_headers(session: Session, delivery: models.Delivery, sender: str) -> dict[str, str]:
    headers = {
        "Message-ID": message_id(delivery.key, sender),
        "Date": format_datetime(delivery.created_at),
    }
    if delivery.person_id:
        root = thread_root(delivery.advocate_id, delivery.person_id, sender)
        previous = _previous_alert(session, delivery, sender)
        headers["In-Reply-To"] = previous or root
        headers["References"] = f"{root} {previous}" if previous else root
    return headers


def _previous_alert(session: Session, delivery: models.Delivery, sender: str) -> str | None:
    D = models.Delivery
    key = session.scalar(
        select(D.key)
        .where(
            D.advocate_id == delivery.advocate_id,
            D.person_id == delivery.person_id,
            D.kind == "alert",
            D.id < delivery.id,
        )
        .order_by(D.id.desc())
        .limit(1)
    )
    return message_id(key, sender) if key else None
