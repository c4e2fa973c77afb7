"""Composing what a delivery row sends: an email (an alert or a digest) or a channel message,
from the stored events, in the advocate's language.

Rules:
- the Message-ID derives from the delivery key, so a retried send is recognisably the same email;
- the alerts about one person to one advocate form one thread (In-Reply-To, References);
- a channel message is composed by `channels.compose` from the same event views as the email.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any, Protocol

from monitor.exc import DeliveryError
from monitor.outbox import channels, present
from monitor.outbox.digest import Period, digest_context, digest_summary
from monitor.outbox.i18n import translator, when
from monitor.outbox.templates import make_message
from monitor.outbox.transports import Transport
from monitor.outbox.urgency import most_urgent_first
from monitor.store import Session, deliveries, models, sign_ins
from monitor.store import events as stored_events
from monitor.store.states import DeliveryKind


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
    public_url: str | None = None
    links: Links | None = None  # None: no MONITOR_SECRET_KEY, so emails carry no web links


@dataclass(frozen=True)
class Outgoing:
    """A rendered delivery: an email, or a message for one notify target."""

    ident: str
    subject: str
    email: EmailMessage | None = None
    target: channels.Target | None = None
    notice: channels.Notice | None = None

    async def send(self, mailing: Mailing) -> None:
        if self.email is not None:
            await mailing.transport.send(self.email)
        else:
            assert self.target is not None and self.notice is not None
            await channels.send(self.target, self.notice)


def build_outgoing(session: Session, mailing: Mailing, delivery_id: int) -> Outgoing:
    delivery = session.get_one(models.Delivery, delivery_id)
    if delivery.channel == channels.EMAIL:
        message = build_message(session, mailing, delivery_id)
        return Outgoing(str(message["Message-ID"]), str(message["Subject"]), email=message)
    advocate = session.get_one(models.Advocate, delivery.advocate_id)
    target = channels.target_for(advocate.spec, delivery.channel)
    if target is None:
        raise DeliveryError("this notify target is no longer in watchlist.yaml", permanent=True)
    tr = translator(present.advocate_language(advocate.spec))
    if delivery.kind == DeliveryKind.DIGEST:
        notice = _digest_notice(session, mailing, delivery, advocate, target)
    else:
        views = _alert_views(session, mailing, delivery, advocate, show_name=target.names)
        notice = channels.compose(target, delivery.key, views, mailing.public_url, tr)
    return Outgoing(
        message_id(delivery.key, mailing.sender), notice.title, target=target, notice=notice
    )


def message_id(key: str, sender: str) -> str:
    domain = parseaddr(sender)[1].rpartition("@")[2] or "redwatch.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def thread_root(advocate_id: str, person_id: str, sender: str) -> str:
    return message_id(f"thread:{advocate_id}:{person_id}", sender)


def build_message(session: Session, mailing: Mailing, delivery_id: int) -> EmailMessage:
    """The email of a delivery row: an alert or a digest, rendered from the stored events."""
    delivery = session.get_one(models.Delivery, delivery_id)
    advocate = session.get_one(models.Advocate, delivery.advocate_id)
    if delivery.kind == DeliveryKind.DIGEST:
        return _digest_message(session, mailing, delivery, advocate)
    if delivery.kind == DeliveryKind.LOGIN:
        return _sign_in_message(session, mailing, delivery, advocate)
    language = present.advocate_language(advocate.spec)
    tr = translator(language)
    views = _alert_views(session, mailing, delivery, advocate, show_name=mailing.names_in_subjects)
    add_verdict_links(views, mailing, advocate.id)
    zone = present.advocate_tz(advocate.spec, mailing.tz)
    context = present.alert_context(
        advocate.spec, views, when(delivery.created_at, zone, language), tr
    )
    return make_message(
        "alert",
        {**context, "language": language},
        templates_dir=mailing.templates_dir,
        sender=mailing.sender,
        recipient=str(advocate.spec["email"]),
        headers=_alert_headers(session, delivery, mailing.sender),
        language=language,
    )


def _alert_views(
    session: Session,
    mailing: Mailing,
    delivery: models.Delivery,
    advocate: models.Advocate,
    *,
    show_name: bool,
) -> list[dict[str, Any]]:
    """The delivery's events as views, the most urgent first, in the advocate's language."""
    language = present.advocate_language(advocate.spec)
    tr, zone = translator(language), present.advocate_tz(advocate.spec, mailing.tz)
    views = []
    for event in stored_events.of_delivery(session, delivery.id):
        person = session.get(models.PersonRow, event.person_id)
        spec = person.spec if person else {"name": event.person_id}
        views.append(present.event_view(event, spec, zone, tr, language, show_name=show_name))
    return most_urgent_first(views)


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
        language=context["language"],
    )


def _digest_notice(
    session: Session,
    mailing: Mailing,
    delivery: models.Delivery,
    advocate: models.Advocate,
    target: channels.Target,
) -> channels.Notice:
    """The channel note that the digest is ready, counted from the same context as the email."""
    assert delivery.period_start is not None and delivery.period_end is not None
    period = Period(delivery.period_start, delivery.period_end)
    context = digest_context(session, advocate, period, mailing.tz, show_names=target.names)
    summary = digest_summary(advocate, period, context)
    tr = translator(context["language"])
    return channels.compose_digest(target, delivery.key, summary, mailing.public_url, tr)


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
    link = sign_ins.of_delivery(session, delivery.id)
    if link is None or mailing.links is None:
        raise DeliveryError("a sign-in email needs MONITOR_SECRET_KEY", permanent=True)
    language = present.advocate_language(advocate.spec)
    zone = present.advocate_tz(advocate.spec, mailing.tz)
    context = {
        "advocate": advocate.spec,
        "language": language,
        "link": mailing.links.sign_in(link.id),
        "valid_until": when(link.expires_at, zone, language),
        "generated_at": when(delivery.created_at, zone, language),
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
        language=language,
    )


# --- end of the web app's links ---------------------------------------------------------------------
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
    key = deliveries.previous_alert_key(session, delivery, channels.EMAIL)
    return message_id(key, sender) if key else None
