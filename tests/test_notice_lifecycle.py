"""monitor.interpol.lifecycle: pure rules, plain data in and out."""

from __future__ import annotations

import json

import pytest

from monitor.interpol.lifecycle import (
    CycleObservation,
    NoticeFields,
    NoticeState,
    apply_cycle,
    changed_fields,
    detail_checks_due,
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
def test_one_complete_sweep_without_the_notice_is_not_enough() -> None:
    outcome = apply_cycle(known(a=NoticeState(ID, BEFORE)), complete(not_found={ID}))
    assert outcome.transitions == ()
    assert outcome.states[ID].absences == 1
    assert outcome.states[ID].public


def test_two_complete_absences_and_a_404_make_it_no_longer_public() -> None:
    state = NoticeState(ID, BEFORE, absences=1)
    outcome = apply_cycle(known(a=state), complete(not_found={ID}))
    (transition,) = outcome.transitions
    assert transition.kind == "no_longer_public"
    assert transition.before["charges"] == ["Participation in an illegal armed formation"]
    assert not outcome.states[ID].public


def test_two_complete_absences_without_a_404_announce_nothing() -> None:
    outcome = apply_cycle(known(a=NoticeState(ID, BEFORE, absences=1)), complete())
    assert outcome.transitions == ()
    assert outcome.states[ID].public
    assert outcome.states[ID].absences == 2


def test_an_incomplete_sweep_never_removes_nor_counts_an_absence() -> None:
    state = NoticeState(ID, BEFORE, absences=1)
    outcome = apply_cycle(known(a=state), incomplete(not_found={ID}))
    assert outcome.transitions == ()
    assert outcome.states[ID] == state


def test_an_incomplete_sweep_between_two_complete_ones_does_not_reset_the_count() -> None:
    states = apply_cycle(known(a=NoticeState(ID, BEFORE)), complete()).states
    states = apply_cycle(states, incomplete()).states
    outcome = apply_cycle(states, complete(not_found={ID}))
    assert [t.kind for t in outcome.transitions] == ["no_longer_public"]


def test_being_seen_again_resets_the_absence_count() -> None:
    states = apply_cycle(known(a=NoticeState(ID, BEFORE)), complete()).states
    states = apply_cycle(states, complete({ID: BEFORE})).states
    outcome = apply_cycle(states, complete(not_found={ID}))
    assert outcome.transitions == ()
    assert outcome.states[ID].absences == 1


def test_the_number_of_absences_is_configurable() -> None:
    state = NoticeState(ID, BEFORE, absences=1)
    assert (
        apply_cycle(known(a=state), complete(not_found={ID}), required_absences=3).transitions == ()
    )
    state = NoticeState(ID, BEFORE, absences=2)
    outcome = apply_cycle(known(a=state), complete(not_found={ID}), required_absences=3)
    assert [t.kind for t in outcome.transitions] == ["no_longer_public"]


def test_a_notice_no_longer_public_is_announced_once() -> None:
    gone = apply_cycle(
        known(a=NoticeState(ID, BEFORE, absences=1)), complete(not_found={ID})
    ).states
    assert apply_cycle(gone, complete(not_found={ID})).transitions == ()


def test_a_notice_seen_again_after_leaving_reappears() -> None:
    gone = NoticeState(ID, BEFORE, public=False, absences=2)
    outcome = apply_cycle(known(a=gone), incomplete({ID: BEFORE}))
    assert [t.kind for t in outcome.transitions] == ["reappeared"]
    assert outcome.states[ID].public
    assert outcome.states[ID].absences == 0


def test_detail_checks_are_due_only_for_notices_about_to_qualify() -> None:
    states = known(
        a=NoticeState("2019/1", BEFORE, absences=1),
        b=NoticeState("2019/2", BEFORE, absences=0),
        c=NoticeState("2019/3", BEFORE, absences=5, public=False),
        d=NoticeState("2019/4", BEFORE, absences=3),
    )
    observation = complete({"2019/4": BEFORE})
    assert detail_checks_due(states, observation) == {"2019/1"}
    assert detail_checks_due(states, incomplete()) == frozenset()


def test_required_absences_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        apply_cycle({}, complete(), required_absences=0)
