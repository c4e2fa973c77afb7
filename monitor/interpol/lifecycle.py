"""What happened to each notice between two cycles: published, changed, no longer public, reappeared.

Pure rules over plain dataclasses; the caller loads the previous states and stores the new ones.

Rules:
- a notice seen for the first time is `published` (`first_scan` when it is the source's first
  sweep, so the alert can say "found at first scan");
- a known notice whose material fields (names, birth date, nationalities, charges, issuing
  countries, photo) differ is `changed`, with the before and after of those fields only;
  a field not read in this cycle (charges are in details, not in lists) is never a change;
- a known notice is `no_longer_public` only when it was absent from `required_absences`
  (default 2) consecutive COMPLETE sweeps AND its detail answered INTERPOL's 404 in this cycle;
  it may mean deletion or only restriction, never "deleted";
- an incomplete sweep removes nothing and never advances an absence counter; a notice it did
  see still counts as seen (publication and changes are positive evidence);
- a notice announced as no longer public and seen again is `reappeared`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from monitor.items import Item

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


@dataclass(frozen=True)
class CycleObservation:
    """What one cycle saw.

    - `complete`: the sweep's coverage said complete (a fast path never is);
    - `seen`: every notice listed (or fetched) in this cycle, with the fields read;
    - `not_found`: notices whose detail answered INTERPOL's 404 in this cycle;
    - `first_sweep`: the source's first sweep ever.
    """

    complete: bool
    seen: Mapping[str, NoticeFields]
    not_found: frozenset[str] = frozenset()
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


def detail_checks_due(
    known: Mapping[str, NoticeState], observation: CycleObservation, *, required_absences: int = 2
) -> frozenset[str]:
    """Notices whose detail must be fetched in this cycle: absent long enough to be announced.

    - only after a complete sweep; only public notices not seen now whose absence count,
      counting this sweep, reaches `required_absences`.
    """
    if not observation.complete:
        return frozenset()
    return frozenset(
        entity_id
        for entity_id, state in known.items()
        if state.public
        and entity_id not in observation.seen
        and state.absences + 1 >= required_absences
    )


def apply_cycle(
    known: Mapping[str, NoticeState], observation: CycleObservation, *, required_absences: int = 2
) -> CycleOutcome:
    """The transitions from `known` given what this cycle observed (see the module rules)."""
    if required_absences < 1:
        raise ValueError("required_absences must be at least 1")
    transitions: list[Transition] = []
    states = dict(known)
    for entity_id, fields in observation.seen.items():
        state, found = _seen(known.get(entity_id), entity_id, fields, observation.first_sweep)
        states[entity_id] = state
        transitions.extend(found)
    if observation.complete:
        for entity_id in _absent(known, observation):
            state, found = _missing(known[entity_id], observation, required_absences)
            states[entity_id] = state
            transitions.extend(found)
    return CycleOutcome(tuple(transitions), states)


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


def _absent(known: Mapping[str, NoticeState], observation: CycleObservation) -> Iterable[str]:
    return [
        entity_id
        for entity_id, state in known.items()
        if state.public and entity_id not in observation.seen
    ]


def _missing(
    state: NoticeState, observation: CycleObservation, required_absences: int
) -> tuple[NoticeState, list[Transition]]:
    absences = state.absences + 1
    if absences >= required_absences and state.entity_id in observation.not_found:
        gone = replace(state, public=False, absences=absences)
        return gone, [
            Transition("no_longer_public", state.entity_id, before=state.fields.as_dict())
        ]
    return replace(state, absences=absences), []


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
