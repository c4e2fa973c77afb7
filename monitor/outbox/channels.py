"""Channels besides email, through Apprise: Signal, Matrix, Telegram, webhooks and the rest.

Rules:
- an advocate's `notify:` targets are Apprise URLs; a secret in one is written `${ENV_NAME}` and
  read from the environment (or `ENV_NAME_FILE`) when the message is sent, never stored: the
  database keeps only the channel's id, a hash of the URL as written with its placeholders;
- a message on a channel names nobody unless the target says `names: true`: it says what
  happened and links to the page that holds the details ({MONITOR_PUBLIC_URL}/events/<id>, or
  the person's page when names are allowed); webhooks (json://, form://, xml://) get JSON with
  ids and types under the same rule;
- when a digest is sent, each target also gets a short note that it is ready (counts of events,
  people and sources not checked; names only with `names: true`) linking to the web app;
- `check_targets` validates every URL with Apprise for `monitor check`, with the position of
  the URL in watchlist.yaml, and never prints a secret;
- a refused or unreachable channel is a temporary failure (retried with the outbox's backoff);
  a target that is missing from the watchlist or whose secret is not set is permanent, said
  without the secret; Apprise's own log lines stay out of the service's log (they may quote the
  message), and the error recorded has every secret value masked.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor.config.settings import secret_from_environment
from monitor.config.watchlist import SECRET_PLACEHOLDER
from monitor.config.yamlpos import Document, Problem
from monitor.exc import DeliveryError
from monitor.outbox.i18n import Translator
from monitor.store.states import DeliveryKind

EMAIL = "email"
WEBHOOK_SCHEMES = frozenset({"json", "jsons", "form", "forms", "xml", "xmls"})
SEND_TIMEOUT = 30.0
MAX_TEXT = 600


@dataclass(frozen=True)
class Target:
    """One notify target of one advocate, as the watchlist writes it (placeholders unresolved)."""

    url: str
    names: bool = False

    @property
    def scheme(self) -> str:
        return self.url.split("://", 1)[0].lower()

    @property
    def channel(self) -> str:
        """The id of the channel in delivery rows: 'signal:3f2a9c01b7' (no secret in it)."""
        return f"{self.scheme}:{hashlib.sha256(self.url.encode()).hexdigest()[:10]}"

    @property
    def webhook(self) -> bool:
        return self.scheme in WEBHOOK_SCHEMES


def targets(advocate: Mapping[str, Any]) -> list[Target]:
    """The notify targets of an advocate's spec (a watchlist model dump)."""
    found = []
    for raw in advocate.get("notify") or []:
        entry = {"url": raw} if isinstance(raw, str) else raw
        found.append(Target(url=str(entry["url"]), names=bool(entry.get("names", False))))
    return found


def target_for(advocate: Mapping[str, Any], channel: str) -> Target | None:
    return next((t for t in targets(advocate) if t.channel == channel), None)


def label(channel: str) -> str:
    """What `monitor status` and the digest call a channel: its scheme (`signal`, `json`)."""
    return channel.split(":", 1)[0]


def resolve(url: str, lookup: Callable[[str], str | None] = secret_from_environment) -> str:
    """The URL with every `${NAME}` replaced by its secret; DeliveryError names a missing one."""
    missing = [name for name in SECRET_PLACEHOLDER.findall(url) if lookup(name) is None]
    if missing:
        raise DeliveryError(
            f"the environment variable {missing[0]} (or {missing[0]}_FILE) is not set",
            permanent=True,
        )
    return SECRET_PLACEHOLDER.sub(lambda found: str(lookup(found.group(1))), url)


def secrets_of(
    url: str, lookup: Callable[[str], str | None] = secret_from_environment
) -> list[str]:
    return [value for name in SECRET_PLACEHOLDER.findall(url) if (value := lookup(name))]


def mask(text: str, secrets: Sequence[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


# --- what a channel message says ---------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """The words of one channel message."""

    title: str
    body: str


def compose(
    target: Target,
    key: str,
    views: Sequence[Mapping[str, Any]],
    public_url: str | None,
    tr: Translator,
) -> Notice:
    """The channel message of an alert: `views` already in urgency order (present.event_view)."""
    lead = views[0]
    link = details_link(public_url, lead, names=target.names)
    if target.webhook:
        return Notice("redwatch", webhook_json(key, views, link, names=target.names))
    title = f"redwatch: {lead['tag']}"
    return Notice(title, _text(lead, len(views) - 1, link, target.names, tr))


def details_link(public_url: str | None, lead: Mapping[str, Any], *, names: bool) -> str | None:
    """Where the details are: the event's page, or the person's page when names are allowed
    (person ids often spell names)."""
    if not public_url:
        return None
    if names:
        return f"{public_url}/people/{lead['person_id']}"
    return f"{public_url}/events/{lead['id']}"


def _text(lead: Mapping[str, Any], more: int, link: str | None, names: bool, tr: Translator) -> str:
    who = lead["person_name"] if names else tr.gettext("a person you follow")
    lines = [tr.gettext("%(headline)s (%(who)s).") % {"who": who, "headline": lead["headline"]}]
    if more:
        lines.append(
            tr.ngettext("And %(num)d more event.", "And %(num)d more events.", more) % {"num": more}
        )
    lines.append(_details(link, tr))
    return "\n".join(lines)[:MAX_TEXT]


def _details(link: str | None, tr: Translator) -> str:
    if link:
        return tr.gettext("Details: %(link)s") % {"link": link}
    return tr.gettext("Details are in the email redwatch sent you.")


def webhook_json(
    key: str, views: Sequence[Mapping[str, Any]], link: str | None, *, names: bool
) -> str:
    """Ids and types only (and the person's id and name with `names: true`)."""
    events = []
    for view in views:
        event: dict[str, Any] = {
            "id": view["id"],
            "type": view["type"],
            "kind": view["kind"],
            "severity": view["severity"],
        }
        if names:
            event.update(person_id=view["person_id"], person_name=view["person_name"])
        events.append(event)
    document = {
        "delivery": hashlib.sha256(key.encode()).hexdigest()[:32],
        "kind": DeliveryKind.ALERT,
        "events": events,
        "details": link,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class DigestSummary:
    """What a channel may say of a digest: counts, and the names only a `names: true` target sees."""

    frequency: str  # "weekly" or "daily"
    start: datetime
    end: datetime
    events: int
    people: int  # the people the period's events concern (all followed people when none)
    unchecked_sources: int  # sources not checked in full in the period: the digest says which
    named: tuple[tuple[str, str, int], ...] = ()  # (person id, name, events), most urgent first


def compose_digest(
    target: Target, key: str, summary: DigestSummary, public_url: str | None, tr: Translator
) -> Notice:
    """The short channel message that says an advocate's digest is ready (no name by default)."""
    link = f"{public_url}/" if public_url else None
    if target.webhook:
        return Notice("redwatch", digest_json(key, summary, link, names=target.names))
    lines = [_digest_ready(summary, tr)]
    if summary.unchecked_sources:
        lines.append(
            tr.ngettext(
                "%(num)d source could not be checked in full: the digest says which.",
                "%(num)d sources could not be checked in full: the digest says which.",
                summary.unchecked_sources,
            )
            % {"num": summary.unchecked_sources}
        )
    if target.names and summary.named:
        named = ", ".join(f"{name} ({count})" for _, name, count in summary.named)
        lines.append(tr.gettext("People: %(names)s.") % {"names": named})
    lines.append(_details(link, tr))
    return Notice("redwatch", "\n".join(lines)[:MAX_TEXT])


def _digest_ready(summary: DigestSummary, tr: Translator) -> str:
    people = tr.ngettext(
        "%(num)d person you follow", "%(num)d people you follow", summary.people
    ) % {"num": summary.people}
    if not summary.events:
        sentence = (
            tr.gettext("Your daily digest is ready: no new events for %(people)s.")
            if summary.frequency == "daily"
            else tr.gettext("Your weekly digest is ready: no new events for %(people)s.")
        )
        return sentence % {"people": people}
    events = tr.ngettext("%(num)d new event", "%(num)d new events", summary.events) % {
        "num": summary.events
    }
    sentence = (
        tr.gettext("Your daily digest is ready: %(events)s for %(people)s.")
        if summary.frequency == "daily"
        else tr.gettext("Your weekly digest is ready: %(events)s for %(people)s.")
    )
    return sentence % {"events": events, "people": people}


def digest_json(key: str, summary: DigestSummary, link: str | None, *, names: bool) -> str:
    """Counts only (and each person's id, name and event count with `names: true`)."""
    document: dict[str, Any] = {
        "delivery": hashlib.sha256(key.encode()).hexdigest()[:32],
        "kind": DeliveryKind.DIGEST,
        "frequency": summary.frequency,
        "period": {
            "start": summary.start.isoformat(timespec="minutes"),
            "end": summary.end.isoformat(timespec="minutes"),
        },
        "event_count": summary.events,
        "people_count": summary.people,
        "unchecked_sources": summary.unchecked_sources,
        "details": link,
    }
    if names:
        document["people"] = [
            {"person_id": pid, "person_name": name, "events": count}
            for pid, name, count in summary.named
        ]
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


# --- sending -----------------------------------------------------------------------------------


async def send(target: Target, notice: Notice) -> None:
    """Hand one message to Apprise; DeliveryError (secrets masked) when the service refused it."""
    import apprise

    _keep_apprise_quiet()
    url = resolve(target.url)
    hidden = secrets_of(target.url)
    sender = apprise.Apprise()
    if not sender.add(url):
        raise DeliveryError(f"{target.scheme}:// URL refused by Apprise", permanent=True)
    result = await sender.async_notify(body=notice.body, title=notice.title, timeout=SEND_TIMEOUT)
    if not result:
        raise DeliveryError(mask(_reason(target, result), [*hidden, url]))


def _reason(target: Target, result: Any) -> str:
    lines = [entry.message for entry in result.logs() if entry.level in ("WARNING", "ERROR")]
    said = "; ".join(lines[-2:]) or str(getattr(result.status, "name", "FAILURE")).lower()
    return f"{target.scheme}:// not delivered: {said}"[:2000]


def _keep_apprise_quiet() -> None:
    """Apprise logs what services answer, which may quote the message: not in our log."""
    logger = logging.getLogger("apprise")
    logger.propagate = False
    logger.disabled = True


# --- monitor check -----------------------------------------------------------------------------


def check_targets(doc: Document, advocates: Sequence[Mapping[str, Any]]) -> Iterator[Problem]:
    """Every notify URL Apprise cannot use, at its position in watchlist.yaml; no secret shown."""
    for index, advocate in enumerate(advocates):
        for position, target in enumerate(targets(advocate)):
            problem = url_problem(target.url)
            if problem:
                raw = (doc.data.get("advocates") or [])[index]["notify"][position]
                path: tuple[int | str, ...] = ("advocates", index, "notify", position)
                at = doc.position((*path, "url") if isinstance(raw, dict) else path)
                yield Problem(*at, problem)


def url_problem(url: str) -> str | None:
    """Why Apprise cannot use `url` (secrets resolved from the environment), or None."""
    import apprise
    from apprise.apprise import N_MGR  # Apprise's registry of services (a singleton)

    _keep_apprise_quiet()
    try:
        resolved = resolve(url)
    except DeliveryError as exc:
        return f"notify URL: {exc}"
    scheme = url.split("://", 1)[0].lower()
    if scheme not in N_MGR:
        return f"notify URL: Apprise knows no service {scheme}:// (e.g. signal://, matrix://, tgram://, json://)"
    if apprise.Apprise.instantiate(resolved) is None:
        return (
            f"notify URL: Apprise cannot use this {scheme}:// URL (a part is missing or malformed)"
        )
    return None
