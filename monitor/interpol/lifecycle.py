"""What happened to each notice between two cycles: published, changed, no longer public, reappeared.

The one home of INTERPOL's withdrawal rule and its constants. Pure rules over plain dataclasses;
the caller loads the previous states, runs the checks this module asks for, and stores the result.

Rules:
- a notice seen for the first time is `published` (`first_scan` when it is the source's first
  sweep, so the alert can say "found at first scan");
- a known notice whose material fields (names, birth date, nationalities, charges, issuing
  countries, photo) differ is `changed`, with the before and after of those fields only;
  a field not read in this cycle (charges are in details, not in lists) is never a change;
- a watched notice missing from a full sweep's list is checked directly (its detail URL), but only
  while the list is healthy: no 403 burst, a total not fallen by more than MAX_DROP, every sentinel
  present. This holds whether or not the sweep as a whole was complete;
- it is `no_longer_public` when its detail answered INTERPOL's 404 on two such checks at least
  `confirm_after` apart (WITHDRAWAL_CONFIRM_AFTER by default, a source option); it may mean
  deletion or only restriction, never "deleted";
- only a 404 is evidence: a 403, 429, 5xx, timeout or cut body is no answer, and neither starts nor
  resets the confirmation; a detail answering 200, or the notice listed again, resets it;
- a notice is absent from a sweep when that sweep was complete, or when a partition that was fully
  enumerated and must contain it (its nationality, its name's prefix...) did not list it; absences
  are counted, never a reason on their own;
- a notice announced as no longer public and seen again is `reappeared`;
- a watched notice with no evidence either way (listed, or a detail answer) for UNCHECKED_LIMIT is
  a problem `monitor status` reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from monitor.items import Item

# Two 404s at least this far apart confirm a withdrawal (a source's `withdrawal_confirm_after`).
WITHDRAWAL_CONFIRM_AFTER = timedelta(hours=6)
# A watched notice without evidence either way for this long makes `monitor status` exit 1.
UNCHECKED_LIMIT = timedelta(days=2)
# A root total this share below the last complete sweep's means the list is not healthy.
MAX_DROP = 0.1
# Notices known to be public that every full sweep must list (a shrinking list shows there).
SENTINELS = 5

TransitionKind = Literal["published", "changed", "no_longer_public", "reappeared"]
MATERIAL = (
    "name",
    "forename",
    "birth_date",
    "nationalities",
    "charges",
    "issuing_countries",
    "photo",
)


@dataclass(frozen=True)
class NoticeFields:
    """The material fields of one version of a notice; None means "not read in this cycle"."""

    name: str | None = None
    forename: str | None = None
    birth_date: str | None = None
    nationalities: tuple[str, ...] | None = None
    charges: tuple[str, ...] | None = None
    issuing_countries: tuple[str, ...] | None = None
    photo: str | None = None

    @classmethod
    def from_item(cls, item: Item, *, photo: str | None = None) -> NoticeFields:
        """From a parsed list item (names, birth date, nationalities) or detail (plus warrants).

        - `photo` is whatever identifies the current photo (its SHA-256, or its picture id).
        """
        data = item.data
        warrants = data.get("arrest_warrants")
        has_warrants = isinstance(warrants, list) and "arrest_warrants" in data
        return cls(
            name=data.get("name"),
            forename=data.get("forename"),
            birth_date=data.get("birth_date"),
            nationalities=tuple(data.get("nationalities") or ()),
            charges=_charges(warrants) if has_warrants else None,
            issuing_countries=_countries(warrants) if has_warrants else None,
            photo=photo,
        )

    def merged(self, newer: NoticeFields) -> NoticeFields:
        """`newer` where it knows a field, else what was known before."""
        values = {
            name: getattr(newer, name) for name in MATERIAL if getattr(newer, name) is not None
        }
        return replace(self, **values)

    def as_dict(self) -> dict[str, Any]:
        return {name: _plain(getattr(self, name)) for name in MATERIAL}


@dataclass(frozen=True)
class NoticeState:
    """What is remembered of a known notice between cycles."""

    entity_id: str
    fields: NoticeFields
    public: bool = True
    absences: int = 0
    # When its detail first answered 404 in the current run of 404s (None: no such run).
    missing_since: datetime | None = None


@dataclass(frozen=True)
class CycleObservation:
    """What one cycle saw.

    - `complete`: the sweep's coverage said complete (a fast path never is);
    - `seen`: every notice listed (or fetched) in this cycle, with the fields read;
    - `not_found` / `found`: notices whose detail answered INTERPOL's 404 / a 200 in this cycle;
    - `absent`: notices shown absent by a fully enumerated partition (beyond a complete sweep);
    - `healthy`: the list was read without a 403 burst, fall of the total or missing sentinel;
    - `now`: when the checks ran; `first_sweep`: the source's first sweep ever.
    """

    complete: bool
    seen: Mapping[str, NoticeFields]
    not_found: frozenset[str] = frozenset()
    found: frozenset[str] = frozenset()
    absent: frozenset[str] = frozenset()
    healthy: bool = False
    now: datetime | None = None
    first_sweep: bool = False


@dataclass(frozen=True)
class Transition:
    """One event-worthy change of one notice; `before`/`after` hold only the changed fields."""

    kind: TransitionKind
    entity_id: str
    before: Mapping[str, Any] = field(default_factory=dict)
    after: Mapping[str, Any] = field(default_factory=dict)
    first_scan: bool = False


@dataclass(frozen=True)
class CycleOutcome:
    """The transitions of a cycle and the states to remember for the next one."""

    transitions: tuple[Transition, ...]
    states: Mapping[str, NoticeState]


def checks_due(
    known: Mapping[str, NoticeState], observation: CycleObservation, watched: Iterable[str]
) -> frozenset[str]:
    """Watched notices whose detail must be asked in this cycle: public, known, not listed now.

    - only while the list is healthy (else no answer could count, so none is asked);
    - every such cycle, so the second check can come `confirm_after` after the first.
    """
    if not observation.healthy:
        return frozenset()
    return frozenset(
        entity_id
        for entity_id in watched
        if (state := known.get(entity_id)) is not None
        and state.public
        and entity_id not in observation.seen
    )


def apply_cycle(
    known: Mapping[str, NoticeState],
    observation: CycleObservation,
    *,
    confirm_after: timedelta = WITHDRAWAL_CONFIRM_AFTER,
) -> CycleOutcome:
    """The transitions from `known` given what this cycle observed (see the module rules)."""
    if confirm_after < timedelta(0):
        raise ValueError("confirm_after cannot be negative")
    transitions: list[Transition] = []
    states = dict(known)
    for entity_id, fields in observation.seen.items():
        state, found = _seen(known.get(entity_id), entity_id, fields, observation.first_sweep)
        states[entity_id] = state
        transitions.extend(found)
    for entity_id in _unlisted(known, observation):
        state, found = _missing(known[entity_id], observation, confirm_after)
        states[entity_id] = state
        transitions.extend(found)
    return CycleOutcome(tuple(transitions), states)


def is_absent(entity_id: str, observation: CycleObservation) -> bool:
    """Absent from this sweep: unlisted by a complete sweep or by a partition that must list it."""
    if entity_id in observation.seen:
        return False
    return observation.complete or entity_id in observation.absent


def unchecked_for(last_evidence: datetime | None, now: datetime) -> timedelta | None:
    """How long a watched notice has gone without evidence, when that exceeds UNCHECKED_LIMIT."""
    if last_evidence is None or now - last_evidence <= UNCHECKED_LIMIT:
        return None
    return now - last_evidence


def _seen(
    previous: NoticeState | None, entity_id: str, fields: NoticeFields, first_sweep: bool
) -> tuple[NoticeState, list[Transition]]:
    if previous is None:
        state = NoticeState(entity_id, fields)
        return state, [
            Transition("published", entity_id, after=fields.as_dict(), first_scan=first_sweep)
        ]
    found = []
    if not previous.public:
        found.append(Transition("reappeared", entity_id, after=fields.as_dict()))
    before, after = changed_fields(previous.fields, fields)
    if before:
        found.append(Transition("changed", entity_id, before=before, after=after))
    return NoticeState(entity_id, previous.fields.merged(fields)), found


def _unlisted(known: Mapping[str, NoticeState], observation: CycleObservation) -> list[str]:
    return [
        entity_id
        for entity_id, state in known.items()
        if state.public and entity_id not in observation.seen
    ]


def _missing(
    state: NoticeState, observation: CycleObservation, confirm_after: timedelta
) -> tuple[NoticeState, list[Transition]]:
    entity_id = state.entity_id
    state = replace(state, absences=state.absences + is_absent(entity_id, observation))
    if entity_id in observation.found:  # still public: the list only left it out
        return replace(state, missing_since=None), []
    now = observation.now
    if entity_id not in observation.not_found or not observation.healthy or now is None:
        return state, []  # no evidence either way: wait, never guess
    if state.missing_since is None or now < state.missing_since:
        return replace(state, missing_since=now), []
    if now - state.missing_since < confirm_after:
        return state, []
    gone = replace(state, public=False, missing_since=None)
    return gone, [Transition("no_longer_public", entity_id, before=state.fields.as_dict())]


def changed_fields(old: NoticeFields, new: NoticeFields) -> tuple[dict[str, Any], dict[str, Any]]:
    """(before, after) of the material fields known on both sides whose values differ.

    - names compare without case or spacing differences; lists compare as sets of normalised
      values, so a reordering of warrants or nationalities is not a change.
    """
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name in MATERIAL:
        was, now = getattr(old, name), getattr(new, name)
        if was is None or now is None or _comparable(was) == _comparable(now):
            continue
        before[name], after[name] = _plain(was), _plain(now)
    return before, after


def _comparable(value: str | tuple[str, ...]) -> str | frozenset[str]:
    if isinstance(value, str):
        return _squash(value)
    return frozenset(_squash(part) for part in value)


def _squash(text: str) -> str:
    return " ".join(text.split()).casefold()


def _plain(value: str | tuple[str, ...] | None) -> str | list[str] | None:
    return list(value) if isinstance(value, tuple) else value


def _charges(warrants: Any) -> tuple[str, ...]:
    charges = []
    for warrant in warrants:
        if isinstance(warrant, dict) and warrant.get("charge"):
            charges.append(str(warrant["charge"]))
    return tuple(charges)


def _countries(warrants: Any) -> tuple[str, ...]:
    countries = []
    for warrant in warrants:
        if isinstance(warrant, dict) and warrant.get("issuing_country"):
            countries.append(str(warrant["issuing_country"]))
    return tuple(dict.fromkeys(countries))
