"""Collecting INTERPOL notices: a fast path most cycles, a full sweep when due, then details.

Rules:
- the first poll of a source is a full sweep, and so is every poll once `sweep_interval` has
  passed since the last one (or `monitor poll --full`); other polls take the fast path: the newest
  notices and one query per nationality of the watched people;
- no watched name or birth date is ever sent, unless the source says `targeted: true`;
- details (warrants, charges, sex, photo) are fetched for notices that may concern a watched
  person, for notice ids listed in watchlist.yaml, and on each full sweep again for notices already
  matched, to see changes; at most MAX_DETAILS per poll, the most important first;
- on every full sweep whose list was healthy (complete or not), each watched notice (matched to a
  person, or listed under one in watchlist.yaml) that no list showed gets its detail URL checked:
  only INTERPOL's 404 is evidence of absence, and it is kept; what could not be checked is said
  (monitor.interpol.lifecycle holds the rule);
- a stored notice a fully read partition must contain but did not list is absent from the sweep;
- a notice missing from a complete sweep whose detail still answers 200 means the sweep was not
  complete after all: the poll is marked incomplete, so nothing is removed;
- a 403 burst marks the source blocked; what was collected before it is still recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from monitor.config.watchlist import InterpolSource, Source
from monitor.exc import BlockedError, FetchError, ParseError
from monitor.interpol.client import DetailResult, InterpolClient, InterpolOptions
from monitor.interpol.lifecycle import (
    SENTINELS,
    CycleObservation,
    NoticeFields,
    NoticeState,
    checks_due,
)
from monitor.interpol.parse import TYPES, NoticeType, notice_key
from monitor.interpol.record import entity_of, fields_of, record_of
from monitor.interpol.sweep import SweepResult, fast_path, full_sweep, must_contain
from monitor.items import Collected, Inputs, Item
from monitor.store import Session, matches, models, observations, runs, sessionmaker
from monitor.store.states import ObservationKind

MAX_DETAILS = 200
# A first sweep that saw this share of the public list ends the first-scan period: later
# publications are news. (An empty first sweep would turn old notices into "new" alerts.)
BASELINE_COVERAGE = 0.9


@dataclass
class Known:
    """What the store knows of this source's notices before the poll."""

    rows: dict[str, models.Observation] = field(default_factory=dict)  # by key
    matched: set[str] = field(default_factory=set)  # keys matched to a watched person
    previous_total: dict[str, int] = field(default_factory=dict)  # by notice type


def due_full(row: models.Source, config: InterpolSource, now: datetime, forced: bool) -> bool:
    return forced or row.last_full_at is None or now - row.last_full_at >= config.sweep_interval


async def collect(
    inputs: Inputs[Known], row: models.Source, config: Source, full: bool
) -> Collected:
    assert isinstance(config, InterpolSource)
    sweeping = due_full(row, config, inputs.now, full)
    client = InterpolClient(
        inputs.http, InterpolOptions(base_url=config.base_url, rate=config.rate)
    )
    known = inputs.known
    collected = Collected(full=sweeping)
    for notice_type in (t for name in config.notice_types for t in TYPES[name]):
        result = await _enumerate(inputs, client, config, known, notice_type, sweeping)
        collected.items.extend(result.items.values())
        collected.complete &= result.coverage.complete
        collected.coverage[notice_type] = asdict(result.coverage)
        collected.warnings.extend(result.coverage.reasons if sweeping else ())
        collected.absent |= _absent(known, result, inputs.now.date())
    collected.healthy = sweeping and all(c["healthy"] for c in collected.coverage.values())
    if not collected.items:
        _fail_if_unread(collected, client)
    collected.baseline_ready = sweeping and _coverage_ratio(collected) >= BASELINE_COVERAGE
    await _details(inputs, client, config, known, collected)
    await _check_unlisted(inputs, client, known, collected)
    _note_unchecked(known, collected)
    collected.requests = client.counter.total
    collected.blocked = client.blocked
    if client.blocked:
        collected.warnings.append("INTERPOL answered with a burst of 403s: blocked, not empty")
    return collected


def _fail_if_unread(collected: Collected, client: InterpolClient) -> None:
    """A poll that could not read a single list is a failing source, never an empty list."""
    unread = [t for t, c in collected.coverage.items() if c.get("reported_total") is None]
    if not unread:
        return  # the lists were read and are empty: true, if unlikely
    reasons = "; ".join(
        dict.fromkeys(r for c in collected.coverage.values() for r in c.get("reasons", ()))
    )
    error = BlockedError if client.blocked else FetchError
    raise error(f"INTERPOL's lists could not be read ({', '.join(unread)}): {reasons}")


def _coverage_ratio(collected: Collected) -> float:
    """The smallest share of the announced notices collected, over the notice types swept."""
    ratios = [
        c["collected"] / c["reported_total"] if c.get("reported_total") else 0.0
        for c in collected.coverage.values()
    ]
    return min(ratios, default=0.0)


def known(factory: sessionmaker[Session], row: models.Source) -> Known:
    """The snapshot an INTERPOL poll starts from (read by the poll before it collects)."""
    return _known(factory, row.id)


def _known(factory: sessionmaker[Session], source_id: str) -> Known:
    with factory() as session:
        rows = observations.of_kind(session, source_id, ObservationKind.NOTICE)
        known = Known(rows={r.key: r for r in rows})
        known.matched = matches.keys_above_weak(session, source_id)
        known.previous_total = _previous_totals(session, source_id)
    return known


def _previous_totals(session: Session, source_id: str) -> dict[str, int]:
    run = runs.last_complete_sweep(session, source_id)
    coverage = run.coverage if run is not None else {}
    return {
        t: int(c["reported_total"])
        for t, c in coverage.items()
        if isinstance(c, dict) and c.get("reported_total")
    }


async def _enumerate(
    inputs: Inputs[Known],
    client: InterpolClient,
    config: InterpolSource,
    known: Known,
    notice_type: NoticeType,
    sweeping: bool,
) -> SweepResult:
    if sweeping:
        prior = [
            Item(key=k, title="", data=r.data)
            for k, r in known.rows.items()
            if k.startswith(f"interpol:{notice_type}:")
        ]
        return await full_sweep(
            client,
            notice_type,
            prior=prior,
            sentinels=_sentinels(known, notice_type),
            previous_total=known.previous_total.get(notice_type),
        )
    people = inputs.people
    nationalities = sorted({code for person in people for code in person.nationalities})
    surnames = [person.name.split()[-1] for person in people] if config.targeted else []
    return await fast_path(
        client,
        notice_type,
        nationalities=nationalities,
        targeted_surnames=surnames,
        targeted=config.targeted,
    )


def _sentinels(known: Known, notice_type: NoticeType) -> list[str]:
    """A few notices that were public at the last sweep, oldest first seen (the most stable).

    - never a watched notice: its own absence is what the sentinels must judge the list for.
    """
    prefix = f"interpol:{notice_type}:"
    rows = sorted(
        (
            r
            for k, r in known.rows.items()
            if k.startswith(prefix) and r.present and k not in known.matched
        ),
        key=lambda r: r.first_seen_at,
    )
    return [entity_of(r.key) for r in rows[:SENTINELS]]


def _detail_wanted(
    inputs: Inputs[Known], known: Known, collected: Collected
) -> list[tuple[NoticeType, str]]:
    """Notices whose detail this poll fetches, most important first, at most MAX_DETAILS."""
    listed = [
        (t, eid) for p in inputs.people for eid in p.interpol_notice_ids for t in _types(collected)
    ]
    matched, candidates = [], []
    for item in collected.items:
        pair = (item.data["notice_type"], str(item.data["entity_id"]))
        if item.key in known.matched and collected.full:
            matched.append(pair)
        elif _needs_detail(inputs, known, item):
            candidates.append(pair)
    ordered = list(dict.fromkeys([*listed, *matched, *candidates]))
    return ordered[:MAX_DETAILS]


def _types(collected: Collected) -> list[NoticeType]:
    return [t for t in ("red", "yellow", "un_persons") if t in collected.coverage]


def _needs_detail(inputs: Inputs[Known], known: Known, item: Item) -> bool:
    """A notice that may concern a watched person, new or changed since its detail was read."""
    stored = known.rows.get(item.key)
    if (
        stored is not None
        and "arrest_warrants" in stored.data
        and fields_of(stored.data).merged(fields_of(item.data)) == fields_of(stored.data)
    ):
        return False
    return inputs.may_concern(record_of(item.data))


async def _details(
    inputs: Inputs[Known],
    client: InterpolClient,
    config: InterpolSource,
    known: Known,
    collected: Collected,
) -> None:
    items = {item.key: item for item in collected.items}
    for notice_type, entity_id in _detail_wanted(inputs, known, collected):
        key = notice_key(notice_type, entity_id)
        listed = items.get(key)
        try:
            result = await client.detail(
                notice_type, entity_id, url=listed.data.get("detail_url") if listed else None
            )
        except (FetchError, ParseError):
            continue  # the list fields are still matched; the detail is tried again next time
        if client.blocked:
            break
        if result.not_found:
            if listed is None and key in known.rows:
                collected.gone[entity_id] = result.response
            continue
        detail = await _with_photo(client, notice_type, entity_id, result, collected)
        items[key] = detail
        collected.evidence.setdefault(key, []).append(result.response)
    collected.items = list(items.values())


async def _with_photo(
    client: InterpolClient,
    notice_type: NoticeType,
    entity_id: str,
    result: DetailResult,
    collected: Collected,
) -> Item:
    assert result.item is not None
    item = result.item
    try:
        pictures = await client.images(notice_type, entity_id)
        if not pictures:
            return item
        image = await client.image(notice_type, entity_id, pictures[0])
    except (FetchError, ParseError):
        return item
    collected.evidence.setdefault(item.key, []).append(image)
    return Item(
        key=item.key,
        title=item.title,
        text=item.text,
        url=item.url,
        data={**item.data, "photo": image.sha256},
        raw=item.raw,
    )


def _absent(known: Known, result: SweepResult, today: date) -> set[str]:
    """Stored public notices that a fully read partition of this sweep must list, yet did not."""
    prefix = f"interpol:{result.notice_type}:"
    return {
        entity_of(key)
        for key, row in known.rows.items()
        if key.startswith(prefix)
        and row.present
        and entity_of(key) not in result.items
        and any(must_contain(filters, row.data, today) for filters in result.enumerated)
    }


async def _check_unlisted(
    inputs: Inputs[Known], client: InterpolClient, known: Known, collected: Collected
) -> None:
    """Ask the detail URL of each watched notice no list showed; only a 404 confirms absence."""
    if not collected.full:
        return  # a fast path reads the newest notices only: nothing is missing from it
    rows = {entity_of(k): r for k, r in known.rows.items()}
    watched = {entity_of(k) for k in known.matched} | watched_ids(inputs.people)
    unlisted = {eid for eid in watched if eid in rows and rows[eid].present} - _listed(collected)
    if not collected.healthy:
        reason = _unhealthy_reason(collected)
        collected.unchecked.update(dict.fromkeys(unlisted - set(collected.gone), reason))
        return
    for entity_id in sorted(checks_due(_states(rows, watched), _listed_view(collected), watched)):
        await _check_one(client, rows[entity_id], entity_id, collected)


async def _check_one(
    client: InterpolClient, row: models.Observation, entity_id: str, collected: Collected
) -> None:
    if entity_id in collected.gone:
        return  # its detail already answered 404 in this poll
    notice_type: NoticeType = row.data.get("notice_type", "red")
    try:
        result = await client.detail(notice_type, entity_id, url=row.data.get("detail_url"))
    except (FetchError, ParseError) as exc:
        collected.unchecked[entity_id] = f"its detail gave no answer ({exc})"
        return  # neither present nor confirmed gone: wait for the next sweep
    if result.not_found:
        collected.gone[entity_id] = result.response
        return
    collected.found.add(entity_id)
    if collected.complete:
        collected.complete = False
        collected.warnings.append(
            f"notice {entity_id} is public but no list showed it: sweep incomplete"
        )


def _note_unchecked(known: Known, collected: Collected) -> None:
    """Keep, in each notice type's coverage, why watched notices could not be checked."""
    rows = {entity_of(k): r for k, r in known.rows.items()}
    for entity_id, reason in sorted(collected.unchecked.items()):
        notice_type = rows[entity_id].data.get("notice_type", "red") if entity_id in rows else "red"
        if notice_type in collected.coverage:
            collected.coverage[notice_type].setdefault("unchecked", {})[entity_id] = reason


def _listed(collected: Collected) -> set[str]:
    return {str(item.data["entity_id"]) for item in collected.items}


def _listed_view(collected: Collected) -> CycleObservation:
    seen: dict[str, NoticeFields] = {eid: NoticeFields() for eid in _listed(collected)}
    return CycleObservation(collected.complete, seen, healthy=collected.healthy)


def _states(rows: dict[str, models.Observation], watched: set[str]) -> dict[str, NoticeState]:
    return {
        eid: NoticeState(eid, fields_of(rows[eid].data), rows[eid].present, rows[eid].absent_sweeps)
        for eid in watched
        if eid in rows
    }


def _unhealthy_reason(collected: Collected) -> str:
    if any(c.get("blocked") for c in collected.coverage.values()):
        return "INTERPOL answered with a burst of 403s"
    reasons = [r for c in collected.coverage.values() for r in c.get("reasons", ())]
    listed = [r for r in reasons if r.startswith(("sentinel", "the total fell", "the root"))]
    return "; ".join(listed) or "the list could not be read as a whole"


def watched_ids(people: Iterable[Any]) -> set[str]:
    return {eid for person in people for eid in person.interpol_notice_ids}
