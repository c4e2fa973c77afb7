"""SIGKILL at random points, 50 times, while the sources change: nothing is lost, nothing is doubled
except the one email whose SMTP conversation was cut after the server accepted it.

Real processes (`monitor poll` and `monitor run` through tests/servers/faults_launcher.py), a real
feed server, the INTERPOL simulator and a real SMTP server that can hang a conversation; SQLite,
the embedded default. The scenario (tests/servers/faults_crash.py) runs once for the module, about
two minutes; each test checks one promise in what it left. What must exist is derived from what
the sources published (the world's ledger), never from the code under test.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.servers.faults_crash import (
    LANDED_BY_PLAN,
    NOT_KILLED,
    RECORDING,
    CrashOutcome,
    event_ref,
    plain_body,
    play_crashes,
)
from tests.servers.faults_world import followers

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
CYCLES = 50


@pytest.fixture(scope="module")
def crashes(tmp_path_factory: pytest.TempPathFactory) -> CrashOutcome:
    return play_crashes(tmp_path_factory.mktemp("crashes"), cycles=CYCLES, seed=8)


def mentions(outcome: CrashOutcome) -> dict[tuple[str, str], set[str]]:
    """(recipient, published reference) -> the Message-IDs of the alerts that told of it."""
    found: dict[tuple[str, str], set[str]] = {}
    refs = [p.ref for p in outcome.world.ledger]
    for message in outcome.emails:
        if str(message["Subject"]).startswith("[DIGEST]"):
            continue
        body = plain_body(message)
        for ref in refs:
            if ref in body:
                found.setdefault((str(message["To"]), ref), set()).add(str(message["Message-ID"]))
    return found


def test_every_cycle_ended_with_a_kill_and_a_restart(crashes: CrashOutcome) -> None:
    last = {k.cycle: k for k in crashes.kills}  # a cycle's last process
    assert sorted(last) == list(range(1, CYCLES + 1))
    assert [k for k in last.values() if not k.killed] == []
    assert crashes.recovery_codes == ["finished with exit code 0"] * 2


def test_the_kills_landed_in_fetch_recording_delivery_and_smtp(crashes: CrashOutcome) -> None:
    landed = Counter(k.landed for k in crashes.kills)
    assert landed[LANDED_BY_PLAN["fetch-feed"]] + landed[LANDED_BY_PLAN["fetch-interpol"]] >= 2
    assert landed[RECORDING] >= 2
    assert landed[LANDED_BY_PLAN["after-event"]] >= 2
    assert landed[LANDED_BY_PLAN["smtp-data"]] + landed[LANDED_BY_PLAN["smtp-quit"]] >= 2
    assert landed[LANDED_BY_PLAN["smtp-mail"]] + landed[LANDED_BY_PLAN["smtp-rcpt"]] >= 1
    assert landed[NOT_KILLED] <= 5  # a process that finished first: the cycle started another
    assert {k.mode for k in crashes.kills} == {"poll", "run"}


def test_every_published_arrest_and_notice_is_exactly_one_event(crashes: CrashOutcome) -> None:
    expected = Counter((p.person_id, p.event_type, p.ref) for p in crashes.world.expected)
    stored = Counter((e.person_id, e.type, event_ref(e)) for e in crashes.events if not e.baseline)
    assert len(expected) >= CYCLES  # each cycle published at least one
    assert stored == expected


def test_what_the_first_scan_found_is_recorded_once_and_never_emailed(
    crashes: CrashOutcome,
) -> None:
    expected = Counter((p.person_id, p.event_type, p.ref) for p in crashes.world.expected_baseline)
    stored = Counter((e.person_id, e.type, event_ref(e)) for e in crashes.events if e.baseline)
    assert stored == expected
    told = mentions(crashes)
    assert [key for key in told if key[1] in {p.ref for p in crashes.world.expected_baseline}] == []


def test_every_follower_is_alerted_about_every_event_in_exactly_one_email(
    crashes: CrashOutcome,
) -> None:
    told = mentions(crashes)
    wanted = {
        (address, p.ref) for p in crashes.world.expected for address in followers(p.person_id)
    }
    assert {key for key in wanted if key not in told} == set(), "alerts lost"
    assert {key: ids for key, ids in told.items() if len(ids) > 1} == {}, "told twice"
    assert set(told) == wanted  # and nobody was told about someone they do not follow


def test_the_only_second_copies_are_of_emails_the_server_accepted_before_a_kill(
    crashes: CrashOutcome,
) -> None:
    extra, unexplained = crashes.duplicates()
    assert unexplained == []
    # Each conversation the test server held open after accepting DATA was sent again.
    copies = Counter(str(m["Message-ID"]) for m in crashes.emails)
    cut = Counter(crashes.cut_after_accepting)
    assert all(copies[mid] >= 1 + n for mid, n in cut.items())
    assert sum(cut.values()) >= 2 and sum(extra.values()) >= sum(cut.values())


def test_no_half_written_state_is_left_behind(crashes: CrashOutcome) -> None:
    assert {d.status for d in crashes.deliveries} == {"sent"}
    linked = Counter(delivery for delivery, _ in crashes.delivery_events)
    assert all(linked[d.id] >= 1 for d in crashes.deliveries), "a delivery without events"
    alerted = {event for _, event in crashes.delivery_events}
    silent = [e.id for e in crashes.events if not e.baseline and e.id not in alerted]
    assert silent == [], "an event without its delivery"
    pairs = Counter(
        (event, next(d.advocate_id for d in crashes.deliveries if d.id == delivery))
        for delivery, event in crashes.delivery_events
    )
    assert max(pairs.values()) == 1, "an event queued twice for one advocate"
    assert crashes.leases_left == []
