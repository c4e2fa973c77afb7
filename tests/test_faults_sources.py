"""Forty seeded runs against misbehaving sources: no false removal, no lost event.

Each run (tests/servers/faults_sources.py) polls two feeds and INTERPOL through cycles in which
each source draws a fault for the whole cycle: 500s, timeouts, connection resets, bodies cut
short, truncated XML and JSON, a 403 ban, empty but valid answers, an INTERPOL list that shrinks
by half; meanwhile the world publishes arrest reports and notices on watched people and, in some
runs, really takes a matched notice off the public list. The events the service recorded must
be exactly those the publications call for. A failing run is named by its seed; replay it with
`play_source_run(folder, seed)`. The full campaign (100 runs) is
`.venv/bin/python bench/bench_faults.py --runs 100`; the thresholds below scale with RUNS.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from tests.servers.faults_sources import (
    FEED_FAULTS,
    INTERPOL_FAULTS,
    SourceRun,
    play_source_run,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
RUNS = 40
# How often each kind must at least have been served or failed, per hundred runs.
PER_100 = RUNS / 100
LIFECYCLE = {"notice_no_longer_public", "notice_reappeared", "notice_changed"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[SourceRun]:
    folder = tmp_path_factory.mktemp("sources")
    played = []
    for seed in range(RUNS):
        (folder / str(seed)).mkdir()
        played.append(asyncio.run(play_source_run(folder / str(seed), seed)))
    return played


def test_no_run_announced_a_notice_as_gone_or_changed_when_it_was_not(
    runs: list[SourceRun],
) -> None:
    false = {
        run.seed: sorted(key for key in run.stored - run.expected if key[1] in LIFECYCLE)
        for run in runs
    }
    assert {seed: keys for seed, keys in false.items() if keys} == {}


def test_no_run_lost_an_event(runs: list[SourceRun]) -> None:
    lost = {run.seed: sorted(run.expected - run.stored) for run in runs}
    assert {seed: keys for seed, keys in lost.items() if keys} == {}


def test_no_run_recorded_anything_the_sources_did_not_publish(runs: list[SourceRun]) -> None:
    extra = {run.seed: sorted(run.stored - run.expected) for run in runs}
    assert {seed: keys for seed, keys in extra.items() if keys} == {}
    assert all(run.baseline_stored == run.baseline_expected for run in runs)


def test_real_removals_were_announced_despite_the_faults(runs: list[SourceRun]) -> None:
    removed = sum(run.removals for run in runs)
    announced = sum(
        n for run in runs for key, n in run.stored.items() if key[1] == "notice_no_longer_public"
    )
    assert removed >= 10 * PER_100 and announced == removed


def test_every_kind_of_fault_was_injected_and_served(runs: list[SourceRun]) -> None:
    episodes: Counter[str] = Counter()
    served: Counter[str] = Counter()
    for run in runs:
        episodes.update(run.episodes)
        served.update(run.served)
    assert {f"feed {kind}" for kind in FEED_FAULTS} <= set(episodes)
    for kind in INTERPOL_FAULTS:
        for path in ("full sweep", "fast path"):
            assert episodes[f"interpol {kind} ({path})"] >= 5 * PER_100, (kind, path)
    for kind in ("500", "timeout", "reset", "cut", "truncated", "ban", "empty"):
        assert served[f"feed {kind}"] >= 20 * PER_100, kind
    for kind in ("reset", "403", "truncated", "timeout"):
        assert served[f"interpol {kind}"] >= 20 * PER_100, kind
    assert sum(n for kind, n in served.items() if kind.startswith("interpol 50")) >= 20 * PER_100


def test_failures_were_recorded_as_failed_polls_not_as_empty_sources(
    runs: list[SourceRun],
) -> None:
    failed = [o for run in runs for o in run.outcomes if not o.ok]
    assert len(failed) >= 50 * PER_100 and all(o.error for o in failed)
    assert all(o.items == 0 and o.events == 0 for o in failed)


def test_a_run_is_reproducible_from_its_seed(runs: list[SourceRun], tmp_path: Path) -> None:
    again = asyncio.run(play_source_run(tmp_path, runs[7].seed))
    assert (again.expected, again.episodes) == (runs[7].expected, runs[7].episodes)
    assert again.stored == runs[7].stored
