"""Cycles against the simulator: sweep -> details -> lifecycle, as the issue's "done when" asks.

The matching engine is not involved here: the notice on the watched person is followed by id.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import pytest

from monitor.exc import MonitorError
from monitor.http import HttpClient, HttpPolicy, RetryPolicy
from monitor.interpol.client import InterpolClient, InterpolOptions
from monitor.interpol.lifecycle import (
    CycleObservation,
    NoticeFields,
    NoticeState,
    Transition,
    apply_cycle,
    checks_due,
)
from monitor.interpol.sweep import SweepResult, fast_path, full_sweep
from tests.servers.http_server import HttpTestServer
from tests.servers.interpol_sim import SNAPSHOT_DATE, InterpolSim, red_item

WATCHED = "2023/99999"


pytestmark = pytest.mark.slow  # full sweeps of 6,934 notices over HTTP


@dataclass
class Source:
    """What the poller would remember between cycles."""

    client: InterpolClient
    states: dict[str, NoticeState] = field(default_factory=dict)
    last_total: int | None = None
    sentinels: list[str] = field(default_factory=list)
    now: datetime = datetime(2026, 11, 24, 8, 0)

    async def cycle(self, *, fast: bool = False) -> list[Transition]:
        if fast:
            result = await fast_path(self.client, "red", nationalities=["KZ"])
        else:
            result = await full_sweep(
                self.client,
                "red",
                today=SNAPSHOT_DATE,
                sentinels=self.sentinels,
                previous_total=self.last_total,
            )
        observation = CycleObservation(
            complete=result.coverage.complete,
            seen=await self._fields(result),
            healthy=result.coverage.healthy,
            now=self.now,
            first_sweep=not self.states,
        )
        answers = {}
        for eid in checks_due(self.states, observation, [WATCHED]):
            with contextlib.suppress(MonitorError):  # no answer: no evidence either way
                answers[eid] = (await self.client.detail("red", eid)).not_found
        outcome = apply_cycle(
            self.states,
            replace(
                observation,
                not_found=frozenset(e for e, gone in answers.items() if gone),
                found=frozenset(e for e, gone in answers.items() if not gone),
            ),
        )
        self.states = dict(outcome.states)
        if result.coverage.complete:
            self.last_total = result.coverage.reported_total
            ids = sorted(result.items)
            self.sentinels = ids[:: max(1, len(ids) // 5)][:5]
        return list(outcome.transitions)

    async def _fields(self, result: SweepResult) -> dict[str, NoticeFields]:
        seen = {eid: NoticeFields.from_item(item) for eid, item in result.items.items()}
        if WATCHED in seen:  # a candidate match: its detail is read every cycle
            detail = await self.client.detail("red", WATCHED)
            assert detail.item is not None
            seen[WATCHED] = NoticeFields.from_item(detail.item)
        return seen


@pytest.fixture
def sim() -> InterpolSim:
    return InterpolSim.from_fixtures(yellow=False)


@pytest.fixture
def server(sim: InterpolSim) -> Iterator[HttpTestServer]:
    with sim.serve() as running:
        yield running


@pytest.fixture
async def source(server: HttpTestServer) -> AsyncIterator[Source]:
    async with HttpClient(
        HttpPolicy(read_timeout=1.0), RetryPolicy(attempts=2, backoff=0.01)
    ) as http:
        options = InterpolOptions(base_url=server.base_url, rate=0, attempts=2, backoff=0.01)
        yield Source(InterpolClient(http, options))


def kinds(transitions: list[Transition]) -> Counter[tuple[str, str]]:
    return Counter((t.kind, t.entity_id) for t in transitions)


async def test_a_watched_notice_is_published_changed_and_leaves_only_on_confirmation(
    source: Source, sim: InterpolSim
) -> None:
    # 1. The first sweep records everything as found at first scan.
    first = await source.cycle()
    assert len(first) == 6934
    assert all(t.kind == "published" and t.first_scan for t in first)

    # 2. A new notice on a watched person: the fast path publishes it once.
    sim.add(
        red_item(WATCHED, "ABLIAZOV", "MUKHTAR", "1963/05/16", ["KZ"]),
        sex="M",
        warrants=[("KZ", "Embezzlement\r\nof funds")],
    )
    published = await source.cycle(fast=True)
    assert kinds(published) == {("published", WATCHED): 1}
    assert not published[0].first_scan
    assert published[0].after["charges"] == ["Embezzlement\nof funds"]
    assert await source.cycle() == [], "a full sweep after the fast path repeats nothing"

    # 3. A changed charge: one change with its before and after.
    warrant = {"issuing_country_id": "KZ", "charge": "Organisation of a criminal group"}
    sim.change(WATCHED, arrest_warrants=[{**warrant, "charge_translation": None}])
    changed = await source.cycle()
    assert kinds(changed) == {("changed", WATCHED): 1}
    assert changed[0].before == {"charges": ["Embezzlement\nof funds"]}
    assert changed[0].after == {"charges": ["Organisation of a criminal group"]}

    # 4. Removed: its detail's first 404 starts the confirmation, and announces nothing.
    sim.remove(WATCHED)
    assert await source.cycle() == []
    assert source.states[WATCHED].missing_since == source.now
    assert source.states[WATCHED].absences == 1

    # 5. Cycles that are blocked, failing, half empty, short, or whose detail answers 5xx, in the
    #    middle of the confirmation and past its six hours: they delay it, never fake it.
    faults: dict[str, Callable[[], None]] = {
        "403 burst": lambda: sim.block(1000, after=40),
        "5xx": lambda: sim.fail(1000, 503, after=25),
        "half the list hidden": lambda: sim.hide(sorted(sim.public_ids())[::2]),
        "5xx on the detail URL": lambda: sim.fail(1000, 503, endpoints=["detail"]),
    }
    for name, inject in faults.items():
        source.now += timedelta(hours=2)
        inject()
        try:
            assert await source.cycle() == [], name
        finally:
            sim.reset_faults()
        assert source.states[WATCHED].public, name

    # 6. A second 404, six hours or more after the first, while the list is healthy: no longer
    #    public, once, although the sweep itself may not be complete.
    source.now += timedelta(hours=1)
    gone = await source.cycle()
    assert kinds(gone) == {("no_longer_public", WATCHED): 1}
    assert not source.states[WATCHED].public
    source.now += timedelta(hours=7)
    assert await source.cycle() == []
