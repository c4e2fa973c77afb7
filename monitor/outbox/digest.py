"""Digests: per advocate and period, everything that happened to the people they follow.

Rules:
- a weekly digest covers up to Monday 08:00 and a daily one up to 08:00, in the advocate's
  `timezone:` (MONITOR_TIMEZONE when they have none);
  a period starts where the advocate's previous digest ended;
- one delivery row per (advocate, local date of the period's end) for the email, and one per
  `notify:` target saying the digest is ready: a job that fires twice, two instances, or a
  clock that jumps at a DST change still queue exactly one digest per period and channel;
- after downtime only the most recent period is queued (it covers everything since the last one);
- a new advocate's first digest is the first one scheduled after they were added (a new
  installation does not greet everyone with a digest of the week before it existed);
- an empty period still sends a short digest that says which sources were checked: silence is
  never ambiguous;
- it is written in the advocate's language, each person's events the most urgent first (newest
  first within a kind), and its health part names the sources that fail and the messages to the
  advocate that could not be delivered, on any channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from monitor.exc import ConfigError
from monitor.outbox import channels, present
from monitor.outbox.i18n import Translator, day, translator, when
from monitor.outbox.templates import render
from monitor.store import Session, deliveries, matches, models, people, sources
from monitor.store import events as stored_events
from monitor.store.health import Day, iso_day, source_problem
from monitor.store.states import DeliveryKind, DeliveryStatus
from monitor.store.withdrawals import withdrawal_health
from monitor.text.lines import one_line

ENGLISH = translator("en")
DIGEST_TIME = time(8, 0)
PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}


def last_scheduled(now: datetime, tz: tzinfo, frequency: str) -> datetime:
    """The most recent scheduled digest time at or before `now` (aware, in `tz`)."""
    local = now.astimezone(tz)
    day = local.date()
    if frequency == "weekly":
        day -= timedelta(days=day.weekday())
    candidate = _at(day, tz)
    if candidate > local:
        candidate = _at(day - PERIODS[frequency], tz)
    return candidate


def _at(day: Any, tz: tzinfo) -> datetime:
    # A wall-clock time made aware in `tz`; fold=0 picks the first of an ambiguous hour.
    return datetime.combine(day, DIGEST_TIME, tzinfo=tz)


def period_key(advocate_id: str, end: datetime) -> str:
    return f"digest:{advocate_id}:{end.date().isoformat()}"


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime


def due_period(
    session: Session, advocate: models.Advocate, now: datetime, tz: tzinfo
) -> Period | None:
    """The period an advocate's digest is due for at `now`, or None (not due, already queued, or off)."""
    frequency = str(advocate.spec.get("digest", "weekly"))
    if frequency not in PERIODS or advocate.archived_at is not None:
        return None
    end = last_scheduled(now, present.advocate_tz(advocate.spec, tz), frequency)
    if end <= advocate.created_at:
        return None  # the first digest is the first one scheduled after the advocate was added
    if deliveries.by_key(session, period_key(advocate.id, end)) is not None:
        return None
    start = previous_end(session, advocate.id) or end - PERIODS[frequency]
    return Period(start=start, end=end) if start < end else None


def previous_end(session: Session, advocate_id: str) -> datetime | None:
    last = deliveries.last_digest(session, advocate_id)
    return last.period_end if last is not None else None


def queue_due_digests(session: Session, now: datetime, tz: tzinfo) -> list[models.Delivery]:
    """Create the delivery row of every digest that is due (the unique key stops duplicates)."""
    queued = []
    for advocate in people.advocates(session):
        period = due_period(session, advocate, now, tz)
        if period is not None:
            queued.append(queue_digest(session, advocate.id, period, now))
    return queued


def queue_digest(
    session: Session, advocate_id: str, period: Period, now: datetime, key: str | None = None
) -> models.Delivery:
    """The digest's email row (returned), and one row per `notify:` target saying it is ready.

    - the email's key is `key` (the period's key by default); a target's is `<key>:<channel>`,
      so the unique key keeps each channel to one message per period, whatever crashes;
    - every row is due at once and goes through the same outbox (claim, send, retry, record).
    """
    key = key or period_key(advocate_id, period.end)
    delivery = _digest_row(session, key, advocate_id, channels.EMAIL, period, now)
    advocate = session.get(models.Advocate, advocate_id)
    for target in channels.targets(advocate.spec if advocate else {}):
        _digest_row(session, f"{key}:{target.channel}", advocate_id, target.channel, period, now)
    session.flush()
    return delivery


def _digest_row(
    session: Session, key: str, advocate_id: str, channel: str, period: Period, now: datetime
) -> models.Delivery:
    delivery = models.Delivery(
        key=key,
        advocate_id=advocate_id,
        kind=DeliveryKind.DIGEST,
        channel=channel,
        period_start=period.start,
        period_end=period.end,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(delivery)
    return delivery


def digest_context(
    session: Session,
    advocate: models.Advocate,
    period: Period,
    tz: tzinfo,
    *,
    show_names: bool = True,
) -> dict[str, Any]:
    """Everything the digest templates show, for one advocate and period, in their language."""
    language = present.advocate_language(advocate.spec)
    tr, tz = translator(language), present.advocate_tz(advocate.spec, tz)
    followed = followed_people(session, advocate.id)
    events = _events_by_person(session, [p.id for p in followed], period)
    statuses = _interpol_statuses(session, [p.id for p in followed])
    health = source_health(session, period, tr, _day_in(tz, language))
    watch = interpol_watch(health)
    weak = _weak_by_person(session, [p.id for p in followed], period, tz, tr, language)
    sections = [
        person_section(
            p, events.get(p.id, []), statuses.get(p.id, []), tz, tr, language, watch, weak.get(p.id)
        )
        for p in followed
    ]
    active = [s for s in sections if s["events"] or s["possible"] or s["weak"]]
    return {
        "advocate": advocate.spec,
        "language": language,
        "period": {
            "start": when(period.start, tz, language),
            "end": when(period.end, tz, language),
            "start_day": day(period.start, tz, language),
            "end_day": day(period.end, tz, language),
        },
        "people": sections,
        "active": sorted(active, key=lambda s: s["urgency"]),
        "quiet": [s for s in sections if not (s["events"] or s["possible"] or s["weak"])],
        "event_count": sum(len(s["events"]) for s in sections),
        "sources": health,
        "checked": [s for s in health if s["checked"]],
        "unchecked": [s for s in health if not s["checked"]],
        "problems": [s for s in health if s["problem"]],
        "degraded": [s for s in health if s["problem"] and s["checked"]],
        "interpol_watch": watch,
        "delivery_problems": delivery_problems(session, advocate.id, tr),
        "generated_at": when(period.end, tz, language),
        "show_names": show_names,
    }


def digest_summary(
    advocate: models.Advocate, period: Period, context: dict[str, Any]
) -> channels.DigestSummary:
    """What a channel may say of the digest whose `context` is given (see channels.DigestSummary)."""
    with_events = [s for s in context["active"] if s["events"]]
    return channels.DigestSummary(
        frequency=str(advocate.spec.get("digest", "weekly")),
        start=period.start,
        end=period.end,
        events=int(context["event_count"]),
        people=len(with_events) if with_events else len(context["people"]),
        unchecked_sources=len(context["unchecked"]) + len(context["degraded"]),
        named=tuple((s["id"], s["name"], len(s["events"])) for s in with_events),
    )


def followed_people(session: Session, advocate_id: str) -> list[models.PersonRow]:
    return [p for p in people.current(session) if advocate_id in p.spec.get("advocates", [])]


def person_section(
    person: models.PersonRow,
    events: Sequence[models.Event],
    notices: Sequence[tuple[str, bool]],
    tz: tzinfo,
    tr: Translator,
    language: str,
    watch: dict[str, Any] | None = None,
    weak: Sequence[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    name = str(person.spec.get("name", person.id))
    views = [present.event_view(e, person.spec, tz, tr, language) for e in events]
    timeline = present.digest_order(views, {e.id: e.detected_at for e in events})
    interpol = {**interpol_status(person, notices), **(watch or {"state": "checked"})}
    if interpol.get("since") is not None:
        interpol["since"] = day(interpol["since"], tz, language)
    return {
        "id": person.id,
        "name": name,
        "events": [v for v in timeline if v["type"] != "possible_match"],
        "possible": [v for v in timeline if v["type"] == "possible_match"],
        "weak": list(weak or []),
        "first_scan": [v for v in timeline if v["baseline"]],
        "interpol": interpol,
        "interpol_line": interpol_line(interpol, tr),
        "urgency": min((present.urgency_rank(v) for v in timeline), default=99),
    }


def interpol_line(status: dict[str, Any], tr: Translator) -> str:
    """What the digest says of a person's INTERPOL notices, as far as the lists were read."""
    if status.get("state") == "unwatched":
        return tr.gettext("not watched (no INTERPOL source)")
    if status.get("state") == "unread":
        return tr.gettext("not read yet (the INTERPOL source has never been read)")
    unread = int(status.get("unreachable") or 0)
    if status["listed"]:
        said = tr.gettext("listed on the public list (notice %(ids)s)") % {
            "ids": ", ".join(status["listed"])
        }
    elif unread:  # the list was read, but not all of it: an absence there proves nothing
        said = tr.ngettext(
            "not found on the public list, but %(num)d notice of it could not be read",
            "not found on the public list, but %(num)d notices of it could not be read",
            unread,
        ) % {"num": unread}
    else:
        said = tr.gettext("not on the public list")
    parts = [said]
    if status["no_longer_public"]:
        ids = ", ".join(status["no_longer_public"])
        parts.append(tr.gettext("no longer public: %(ids)s") % {"ids": ids})
    line = "; ".join(parts)
    if status.get("state") == "stale":
        line += tr.gettext(", as of %(day)s (not checked since)") % {"day": status["since"]}
    if status["known_ids"]:
        line += "; " + tr.gettext("known notices: %(ids)s") % {
            "ids": ", ".join(status["known_ids"])
        }
    return line


def interpol_watch(sources: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """What the digest may say about INTERPOL, from the INTERPOL sources' health.

    - `unwatched`: no INTERPOL source is configured, so nothing about the lists is known;
    - `unread`: a source is configured but has never been read successfully;
    - `stale`: it was read, but not in this period (`since`: the last successful read);
    - `checked`: read in this period: "not on the public list" means what it says, unless
      `unreachable` notices of the list could be reached by no query (the line says how many).
    """
    interpol = [s for s in sources if s["type"] == "interpol"]
    if not interpol:
        return {"state": "unwatched", "since": None}
    checked = [s for s in interpol if s["checked"]]
    if checked:
        unreachable = sum(int(s.get("unreachable") or 0) for s in checked)
        return {"state": "checked", "since": None, "unreachable": unreachable}
    read = [s["last_success"] for s in interpol if s["last_success"]]
    if not read:
        return {"state": "unread", "since": None}
    return {"state": "stale", "since": max(read)}


def _weak_by_person(
    session: Session,
    person_ids: list[str],
    period: Period,
    tz: tzinfo,
    tr: Translator,
    language: str,
) -> dict[str, list[dict[str, Any]]]:
    """Weak matches found in the period (below the review band: no event, worth a look)."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for match, observation in matches.weak_between(session, person_ids, period.start, period.end):
        grouped.setdefault(match.person_id, []).append(
            weak_view(match, observation, tz, tr, language)
        )
    return grouped


def weak_view(
    match: models.MatchRow,
    observation: models.Observation,
    tz: tzinfo,
    tr: Translator = ENGLISH,
    language: str = "en",
) -> dict[str, Any]:
    """A weak match as the digest and `monitor events --weak` show it."""
    explanation = match.explanation or {}
    why = [tr.gettext("score %(score)s") % {"score": f"{match.score:.2f}"}]
    if explanation.get("variant"):
        why.insert(
            0, tr.gettext("like the watchlist form %(form)r") % {"form": explanation["variant"]}
        )
    if explanation.get("field") == "byline":
        why.append(tr.gettext("in the byline"))
    return {
        "id": match.id,
        "person_id": match.person_id,
        "detected_at": when(match.created_at, tz, language),
        "title": one_line(observation.title, limit=200),
        "url": observation.url,
        "source_id": observation.source_id,
        "explanation": ", ".join(why),
    }


def _events_by_person(
    session: Session, person_ids: list[str], period: Period
) -> dict[str, list[models.Event]]:
    grouped: dict[str, list[models.Event]] = {}
    for event in stored_events.of_people_between(session, person_ids, period.start, period.end):
        grouped.setdefault(event.person_id, []).append(event)
    return grouped


def _interpol_statuses(
    session: Session, person_ids: list[str]
) -> dict[str, list[tuple[str, bool]]]:
    """(notice key, on the public list) of the notices strongly matched to each person."""
    grouped: dict[str, list[tuple[str, bool]]] = {}
    for person_id, key, listed in matches.strong_notices(session, person_ids):
        grouped.setdefault(person_id, []).append((key, bool(listed)))
    return grouped


def interpol_status(
    person: models.PersonRow, notices: Sequence[tuple[str, bool]]
) -> dict[str, Any]:
    """Notices matched to the person, and whether each is on the public list."""
    known = [str(n) for n in person.spec.get("interpol_notice_ids", [])]
    listed = [key.rsplit(":", 1)[-1] for key, present in notices if present]
    gone = [key.rsplit(":", 1)[-1] for key, present in notices if not present]
    return {"listed": listed, "no_longer_public": gone, "known_ids": known}


def source_health(
    session: Session, period: Period, tr: Translator = ENGLISH, write_day: Day = iso_day
) -> list[dict[str, Any]]:
    """Each enabled source: whether it was checked in the period, and what is wrong with it.

    - checked: a poll of it succeeded in the period (a configured source is not a check);
    - never read successfully: "not read yet", however many polls failed;
    - failing or not polled in the period: "not checked since DATE";
    - blocked or degraded: what its last poll could not see (benign notes never make a poll
      degraded: see `items.Note`);
    - dates written by `write_day` (the advocate's locale and time zone in a digest).
    """
    rows = [row for row in sources.live(session) if row.enabled]
    return [_health(session, row, period, tr, write_day) for row in rows]


def _health(
    session: Session, row: models.Source, period: Period, tr: Translator, write_day: Day
) -> dict[str, Any]:
    """A source's line in the digest's health section; INTERPOL's says what cannot be confirmed."""
    checked = row.last_success_at is not None and row.last_success_at >= period.start
    problem = source_problem(row, since=period.start, tr=tr, day=write_day)
    withdrawals = withdrawal_health(session, row, period.end)
    said = withdrawals.sentence(tr, write_day) if withdrawals is not None else None
    if said:
        problem = f"{problem}; {said}" if problem else said
    return {
        "id": row.id,
        "type": row.type,
        "checked": checked,
        "problem": problem,
        "unreachable": withdrawals.unreachable if withdrawals is not None else 0,
        "last_success": row.last_success_at,
        "last_success_at": row.last_success_at.isoformat(timespec="minutes")
        if row.last_success_at
        else None,
    }


def _day_in(tz: tzinfo, language: str) -> Day:
    return lambda moment: day(moment, tz, language)


def delivery_problems(session: Session, advocate_id: str, tr: Translator) -> list[str]:
    """The advocate's messages that failed for good or are still being retried, on any channel."""
    rows = deliveries.failed_or_retrying(session, advocate_id)
    return [_delivery_problem(row, tr) for row in rows]


def _delivery_problem(row: models.Delivery, tr: Translator) -> str:
    channel = row.channel_label or tr.gettext("email")
    values = {"channel": channel, "num": row.attempts, "error": row.last_error or ""}
    if row.status == DeliveryStatus.FAILED:
        return tr.gettext("%(channel)s: not delivered (%(error)s)") % values
    return (
        tr.ngettext(
            "%(channel)s: still being retried after %(num)d attempt (%(error)s)",
            "%(channel)s: still being retried after %(num)d attempts (%(error)s)",
            row.attempts,
        )
        % values
    )


def preview(
    session: Session, advocate_id: str, days: int, now: datetime, tz: tzinfo, templates_dir: Any
) -> str:
    """The text of an advocate's digest for the last `days` days, without queueing anything."""
    advocate = session.get(models.Advocate, advocate_id)
    if advocate is None:
        raise ConfigError(
            f"no advocate with id {advocate_id!r} in the database (run `monitor poll` once)"
        )
    context = digest_context(session, advocate, Period(now - timedelta(days=days), now), tz)
    subject, text, _ = render("digest", context, templates_dir, context["language"])
    return f"To: {advocate.spec.get('email')}\nSubject: {subject}\n\n{text}"
