"""monitor.interpol.lifecycle: pure rules, plain data in and out."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta

import pytest

from monitor.interpol.lifecycle import (
    CycleObservation,
    NoticeFields,
    NoticeState,
    apply_cycle,
    changed_fields,
    checks_due,
    is_absent,
    unchecked_for,
)
from monitor.interpol.parse import parse_detail, parse_list_item
from tests.paths import FIXTURES

ID = "2019/114539"
BEFORE = NoticeFields(
    name="OVRATIANOS",
    forename="NOIMA",
    birth_date="1982-12-02",
    nationalities=("RU",),
    charges=("Participation in an illegal armed formation",),
    issuing_countries=("RU",),
    photo="61610153",
)


def known(**states: NoticeState) -> dict[str, NoticeState]:
    return {state.entity_id: state for state in states.values()}


def complete(
    seen: dict[str, NoticeFields] | None = None, not_found: set[str] | None = None
) -> CycleObservation:
    return CycleObservation(complete=True, seen=seen or {}, not_found=frozenset(not_found or ()))


def incomplete(
    seen: dict[str, NoticeFields] | None = None, not_found: set[str] | None = None
) -> CycleObservation:
    return CycleObservation(complete=False, seen=seen or {}, not_found=frozenset(not_found or ()))


# Published and changed --------------------------------------------------------------------------
def test_a_notice_seen_for_the_first_time_is_published() -> None:
    outcome = apply_cycle({}, complete({ID: BEFORE}))
    (transition,) = outcome.transitions
    assert transition.kind == "published"
    assert transition.entity_id == ID
    assert not transition.first_scan
    assert outcome.states[ID].public


def test_on_the_first_sweep_it_is_found_at_first_scan() -> None:
    observation = CycleObservation(complete=True, seen={ID: BEFORE}, first_sweep=True)
    (transition,) = apply_cycle({}, observation).transitions
    assert transition.first_scan


def test_a_notice_seen_by_an_incomplete_fast_path_is_still_published() -> None:
    (transition,) = apply_cycle({}, incomplete({ID: BEFORE})).transitions
    assert transition.kind == "published"


def test_a_changed_charge_gives_one_change_with_before_and_after() -> None:
    after = NoticeFields(**{**BEFORE.__dict__, "charges": ("Terrorism",)})
    outcome = apply_cycle(known(a=NoticeState(ID, BEFORE)), complete({ID: after}))
    (transition,) = outcome.transitions
    assert transition.kind == "changed"
    assert transition.before == {"charges": ["Participation in an illegal armed formation"]}
    assert transition.after == {"charges": ["Terrorism"]}
    assert outcome.states[ID].fields.charges == ("Terrorism",)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "OVRATIANOV"),
        ("forename", "NOIM"),
        ("birth_date", "1982"),
        ("nationalities", ("RU", "KZ")),
        ("issuing_countries", ("KZ",)),
        ("photo", "99999999"),
    ],
)
def test_every_material_field_is_watched(field: str, value: object) -> None:
    after = NoticeFields(**{**BEFORE.__dict__, field: value})
    (transition,) = apply_cycle(known(a=NoticeState(ID, BEFORE)), complete({ID: after})).transitions
    assert transition.kind == "changed"
    assert set(transition.before) == {field}


def test_spacing_case_and_order_are_not_changes() -> None:
    after = NoticeFields(
        name="ovratianos ",
        forename="NOIMA",
        birth_date="1982-12-02",
        nationalities=("RU",),
        charges=("Participation  in an\nillegal armed formation",),
        issuing_countries=("RU",),
        photo="61610153",
    )
    assert apply_cycle(known(a=NoticeState(ID, BEFORE)), complete({ID: after})).transitions == ()


def test_fields_not_read_in_this_cycle_are_not_changes() -> None:
    list_only = NoticeFields(
        name="OVRATIANOS", forename="NOIMA", birth_date="1982-12-02", nationalities=("RU",)
    )
    outcome = apply_cycle(known(a=NoticeState(ID, BEFORE)), complete({ID: list_only}))
    assert outcome.transitions == ()
    assert outcome.states[ID].fields.charges == BEFORE.charges  # what a detail said is kept


def test_fields_come_from_parsed_list_items_and_details() -> None:
    body = (FIXTURES / "interpol" / "interpol_red_detail_sergiyshpak_2019-11.json").read_bytes()
    detail = NoticeFields.from_item(parse_detail(body, "red"), photo="61610153")
    item = parse_list_item(json.loads(body), "red")
    listed = NoticeFields.from_item(item)
    assert detail.charges == ("Participation in an  illegal armed formation",)
    assert detail.issuing_countries == ("RU",)
    assert listed.charges is None  # a list item says nothing about charges
    assert changed_fields(detail, listed) == ({}, {})


# No longer public -------------------------------------------------------------------------------
T0 = datetime(2026, 11, 24, 8, 0)
HOUR = timedelta(hours=1)


def check(
    at: datetime,
    *,
    not_found: set[str] | None = None,
    found: set[str] | None = None,
    healthy: bool = True,
    complete: bool = False,
    seen: dict[str, NoticeFields] | None = None,
    absent: set[str] | None = None,
) -> CycleObservation:
    """A full sweep at `at` (incomplete unless told) whose list was healthy (unless told)."""
    return CycleObservation(
        complete=complete,
        seen=seen or {},
        not_found=frozenset(not_found or ()),
        found=frozenset(found or ()),
        absent=frozenset(absent or ()),
        healthy=healthy,
        now=at,
    )


def run(*observations: CycleObservation, state: NoticeState | None = None) -> list[str]:
    """The transitions, cycle by cycle, of one notice through these observations."""
    states: Mapping[str, NoticeState] = known(a=state or NoticeState(ID, BEFORE))
    kinds = []
    for observation in observations:
        outcome = apply_cycle(states, observation)
        states = outcome.states
        kinds.append(",".join(t.kind for t in outcome.transitions) or "-")
    return kinds


def test_one_404_is_not_enough() -> None:
    outcome = apply_cycle(known(a=NoticeState(ID, BEFORE)), check(T0, not_found={ID}))
    assert outcome.transitions == ()
    assert outcome.states[ID].public and outcome.states[ID].missing_since == T0


def test_two_404s_six_hours_apart_make_it_no_longer_public_even_in_incomplete_sweeps() -> None:
    kinds = run(check(T0, not_found={ID}), check(T0 + 6 * HOUR, not_found={ID}))
    assert kinds == ["-", "no_longer_public"]


def test_two_404s_closer_than_the_confirmation_period_announce_nothing_yet() -> None:
    kinds = run(
        check(T0, not_found={ID}),
        check(T0 + 5 * HOUR, not_found={ID}),
        check(T0 + 6 * HOUR, not_found={ID}),
    )
    assert kinds == ["-", "-", "no_longer_public"]


def test_the_confirmation_period_is_an_option() -> None:
    states = apply_cycle(known(a=NoticeState(ID, BEFORE)), check(T0, not_found={ID})).states
    later = check(T0 + HOUR, not_found={ID})
    assert apply_cycle(states, later).transitions == ()
    outcome = apply_cycle(states, later, confirm_after=HOUR)
    assert [t.kind for t in outcome.transitions] == ["no_longer_public"]
    assert outcome.transitions[0].before["charges"] == [
        "Participation in an illegal armed formation"
    ]


def test_a_404_while_the_list_is_unhealthy_is_no_evidence() -> None:
    kinds = run(
        check(T0, not_found={ID}, healthy=False),
        check(T0 + 6 * HOUR, not_found={ID}),
        check(T0 + 7 * HOUR, not_found={ID}, healthy=False),
        check(T0 + 12 * HOUR, not_found={ID}),
    )
    assert kinds == ["-", "-", "-", "no_longer_public"]


def test_no_answer_between_two_404s_neither_starts_nor_resets_the_confirmation() -> None:
    kinds = run(
        check(T0, not_found={ID}), check(T0 + 3 * HOUR), check(T0 + 6 * HOUR, not_found={ID})
    )
    assert kinds == ["-", "-", "no_longer_public"]


def test_a_200_of_the_detail_resets_the_confirmation() -> None:
    kinds = run(
        check(T0, not_found={ID}),
        check(T0 + 3 * HOUR, found={ID}),
        check(T0 + 6 * HOUR, not_found={ID}),
        check(T0 + 12 * HOUR, not_found={ID}),
    )
    assert kinds == ["-", "-", "-", "no_longer_public"]


def test_being_listed_again_resets_the_confirmation() -> None:
    kinds = run(
        check(T0, not_found={ID}),
        check(T0 + 3 * HOUR, seen={ID: BEFORE}),
        check(T0 + 6 * HOUR, not_found={ID}),
    )
    assert kinds == ["-", "-", "-"]


def test_absences_count_complete_sweeps_and_fully_read_partitions_only() -> None:
    state = NoticeState(ID, BEFORE)
    for observation, expected in [
        (check(T0, complete=True), 1),
        (check(T0, absent={ID}), 1),
        (check(T0), 0),
    ]:
        assert apply_cycle(known(a=state), observation).states[ID].absences == expected
        assert is_absent(ID, observation) == bool(expected)


def test_a_notice_no_longer_public_is_announced_once() -> None:
    kinds = run(
        check(T0, not_found={ID}),
        check(T0 + 6 * HOUR, not_found={ID}),
        check(T0 + 12 * HOUR, not_found={ID}),
    )
    assert kinds == ["-", "no_longer_public", "-"]


def test_a_notice_seen_again_after_leaving_reappears() -> None:
    gone = NoticeState(ID, BEFORE, public=False, absences=2)
    outcome = apply_cycle(known(a=gone), incomplete({ID: BEFORE}))
    assert [t.kind for t in outcome.transitions] == ["reappeared"]
    assert outcome.states[ID].public
    assert outcome.states[ID].absences == 0


def test_checks_are_due_for_unlisted_public_watched_notices_while_the_list_is_healthy() -> None:
    states = known(
        a=NoticeState("2019/1", BEFORE),
        b=NoticeState("2019/2", BEFORE),
        c=NoticeState("2019/3", BEFORE, public=False),
        d=NoticeState("2019/4", BEFORE),
    )
    watched = ["2019/1", "2019/3", "2019/4", "2019/9"]
    observation = check(T0, seen={"2019/4": BEFORE})
    assert checks_due(states, observation, watched) == {"2019/1"}
    assert checks_due(states, check(T0, healthy=False), watched) == frozenset()


def test_a_notice_unchecked_for_more_than_two_days_is_reported() -> None:
    assert unchecked_for(T0, T0 + timedelta(days=2)) is None
    assert unchecked_for(T0, T0 + timedelta(days=2, hours=1)) == timedelta(days=2, hours=1)


def test_a_negative_confirmation_period_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        apply_cycle({}, complete(), confirm_after=-HOUR)
