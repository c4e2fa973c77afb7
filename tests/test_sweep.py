"""monitor.interpol.sweep against the local INTERPOL simulator (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from monitor.http import HttpClient, HttpPolicy, RetryPolicy
from monitor.interpol.client import InterpolClient, InterpolOptions
from monitor.interpol.sweep import SweepOptions, SweepResult, fast_path, full_sweep
from tests.paths import FIXTURES
from tests.servers.http_server import HttpTestServer
from tests.servers.interpol_sim import SNAPSHOT, SNAPSHOT_DATE, InterpolSim, add_awkward, red_item

pytestmark = pytest.mark.slow  # full sweeps of 6,934 notices over HTTP

KNOWN_FORMS = re.compile(r"^(\^[A-Z0-9'\- À-ÝŠŽŞĞİ]{1,3}|\^\.\{\d+\}\$)$")
ALLOWED_PARAMS = {
    "page",
    "resultPerPage",
    "name",
    "forename",
    "nationality",
    "sexId",
    "ageMin",
    "ageMax",
}


@pytest.fixture
def sim() -> InterpolSim:
    return InterpolSim.from_fixtures()


@pytest.fixture
def server(sim: InterpolSim) -> Iterator[HttpTestServer]:
    with sim.serve() as running:
        yield running


@pytest.fixture
async def client(server: HttpTestServer) -> AsyncIterator[InterpolClient]:
    async with HttpClient(
        HttpPolicy(read_timeout=1.0), RetryPolicy(attempts=2, backoff=0.01)
    ) as http:
        options = InterpolOptions(base_url=server.base_url, rate=0, attempts=2, backoff=0.01)
        yield InterpolClient(http, options)


def snapshot_items() -> list[dict[str, object]]:
    pages = json.loads((FIXTURES / "interpol" / SNAPSHOT).read_text(encoding="utf-8"))
    return list({item["entity_id"]: item for page in pages for item in page}.values())


async def sweep(client: InterpolClient, **kwargs: Any) -> SweepResult:
    return await full_sweep(client, "red", today=SNAPSHOT_DATE, **kwargs)


# Reaching everything -----------------------------------------------------------------------------
async def test_a_full_sweep_collects_all_6934_notices_within_400_requests(
    client: InterpolClient,
) -> None:
    result = await sweep(client)
    expected = {item["entity_id"] for item in snapshot_items()}
    assert set(result.items) == expected
    assert result.coverage.complete
    assert result.coverage.reported_total == 6934
    assert result.coverage.ratio == 1.0
    assert result.coverage.list_requests <= 400


async def test_notices_without_nationality_or_birth_date_are_collected(
    client: InterpolClient,
) -> None:
    items = snapshot_items()
    stateless = {i["entity_id"] for i in items if not i["nationalities"]}
    undated = {i["entity_id"] for i in items if not i["date_of_birth"]}
    assert (len(stateless), len(undated)) == (116, 4)
    result = await sweep(client)
    assert stateless <= set(result.items)
    assert undated <= set(result.items)


@pytest.mark.parametrize(
    ("name", "forename", "born", "nationalities"),
    [
        (None, "ELLIA", "1980/01/01", ["RU"]),  # no surname
        ("ARBONO", "-", "1980/01/01", ["RU"]),  # forename "-"
        ("'T HOOFT", "ANNA", "1980/01/01", ["NL"]),  # surname not starting with a letter
        ("1ST", "ANNA", None, None),  # a digit, no birth date, no nationality
        (None, None, "1980/01/01", ["RU"]),  # both names null
        ("ÖZTÜRK", "ALI", "1975", ["TR"]),  # an accented initial, year-only birth date
    ],
)
async def test_awkward_old_notices_are_still_reached(
    client: InterpolClient,
    sim: InterpolSim,
    name: str | None,
    forename: str | None,
    born: str | None,
    nationalities: list[str] | None,
) -> None:
    # Oldest of all: no newest-first page shows it, only a query that isolates it can.
    sim.add(red_item("2001/99999", name, forename, born, nationalities), sex="M", oldest=True)
    result = await sweep(client)
    assert "2001/99999" in result.items
    assert result.coverage.complete
    assert result.coverage.list_requests <= 400


async def test_a_notice_no_filter_can_isolate_makes_the_sweep_incomplete(
    client: InterpolClient, sim: InterpolSim
) -> None:
    sim.add(red_item("2001/99999", None, None, None, None), sex="M", oldest=True)
    result = await sweep(client)
    assert "2001/99999" not in result.items
    assert not result.coverage.complete
    assert result.coverage.unresolved >= 1
    assert any("could not be reached" in reason for reason in result.coverage.reasons)
    assert result.coverage.list_requests <= 122 + SweepOptions().residual_budget + 30


async def test_a_sweep_sends_only_known_query_forms(
    client: InterpolClient, server: HttpTestServer
) -> None:
    await sweep(client)
    for request in server.requests:
        assert set(request.query) <= ALLOWED_PARAMS
        for param in ("name", "forename"):
            if param in request.query:
                assert KNOWN_FORMS.match(request.query[param]), request.query[param]


async def test_an_earlier_sweep_as_prior_still_gives_a_complete_sweep(
    client: InterpolClient,
) -> None:
    first = await sweep(client)
    second = await sweep(client, prior=first.items.values())
    assert second.coverage.complete
    assert set(second.items) == set(first.items)


async def test_yellow_notices_go_through_the_same_code(
    client: InterpolClient, sim: InterpolSim
) -> None:
    result = await full_sweep(client, "yellow", today=SNAPSHOT_DATE)
    assert result.coverage.complete
    assert set(result.items) == sim.public_ids("yellow")
    assert all(item.key.startswith("interpol:yellow:") for item in result.items.values())


# Never complete when it is not -------------------------------------------------------------------
async def test_a_403_burst_mid_sweep_gives_a_blocked_incomplete_result(
    client: InterpolClient, sim: InterpolSim
) -> None:
    sim.block(100, after=30)
    result = await sweep(client)
    assert result.coverage.blocked
    assert not result.coverage.complete
    assert "blocked by the source (403 burst)" in result.coverage.reasons
    assert 0 < len(result.items) < 6934


async def test_one_passing_5xx_is_retried_and_the_sweep_stays_complete(
    client: InterpolClient, sim: InterpolSim
) -> None:
    sim.fail(1, 503, after=10)
    result = await sweep(client)
    assert result.coverage.complete
    assert len(result.items) == 6934


async def test_a_server_that_keeps_failing_stops_the_sweep_incomplete(
    client: InterpolClient, sim: InterpolSim
) -> None:
    sim.fail(1000, 500, after=20)
    result = await sweep(client)
    assert not result.coverage.complete
    assert not result.coverage.blocked
    assert any("failed in a row" in reason for reason in result.coverage.reasons)
    assert result.coverage.list_requests < 30


async def test_pages_shorter_than_announced_make_the_sweep_incomplete(
    client: InterpolClient, sim: InterpolSim
) -> None:
    sim.short_pages(5)
    result = await sweep(client)
    assert not result.coverage.complete
    assert result.coverage.short_pages > 0
    assert result.coverage.unresolved > 0


async def test_truncated_json_is_asked_again_and_the_sweep_stays_complete(
    client: InterpolClient, sim: InterpolSim
) -> None:
    sim.truncate(1, endpoints=["list"], after=5)
    result = await sweep(client)
    assert result.coverage.complete


async def test_a_list_that_silently_shrinks_is_caught_by_its_sentinels(
    client: InterpolClient, sim: InterpolSim
) -> None:
    first = await sweep(client)
    sentinels = sorted(first.items)[:5]
    sim.hide(
        sorted(first.items)[: len(first.items) // 2]
    )  # totals shrink too: nothing else shows it
    second = await sweep(client, sentinels=sentinels)
    assert not second.coverage.complete
    assert [check.detail_status for check in second.coverage.sentinels] == [200] * 5
    assert any("still public" in reason for reason in second.coverage.reasons)


async def test_a_total_that_collapses_makes_the_sweep_incomplete(
    client: InterpolClient, sim: InterpolSim
) -> None:
    sim.hide(sorted(sim.public_ids())[:2000])
    result = await sweep(client, previous_total=6934)
    assert not result.coverage.complete
    assert any("the total fell from 6934" in reason for reason in result.coverage.reasons)


async def test_a_sentinel_that_left_the_list_does_not_spoil_a_complete_sweep(
    client: InterpolClient, sim: InterpolSim
) -> None:
    sentinel = "2022/46614"
    sim.remove(sentinel)
    result = await sweep(client, sentinels=[sentinel], previous_total=6934)
    assert result.coverage.complete
    assert result.coverage.sentinels[0].detail_status == 404


async def test_the_request_budget_is_a_hard_limit(client: InterpolClient) -> None:
    result = await sweep(client, options=SweepOptions(max_requests=10))
    assert result.coverage.list_requests == 10
    assert not result.coverage.complete


# The fast path -----------------------------------------------------------------------------------
async def test_the_fast_path_sees_a_new_notice_for_a_handful_of_requests(
    client: InterpolClient, sim: InterpolSim, server: HttpTestServer
) -> None:
    sim.add(red_item("2023/99999", "ABLIAZOV", "MUKHTAR", "1963/05/16", ["KZ"]), sex="M")
    result = await fast_path(client, "red", nationalities=["KZ", "RU"])
    assert "2023/99999" in result.items
    assert result.coverage.list_requests == 3
    assert not result.coverage.complete
    assert [r.query.get("nationality") for r in server.requests] == [None, "KZ", "RU"]


async def test_the_fast_path_finds_an_old_notice_of_a_watched_nationality(
    client: InterpolClient, sim: InterpolSim
) -> None:
    sim.add(
        red_item("2010/99999", "AKHMETOVA", "ZHANARA", "1970/01/01", ["KZ"]), sex="F", oldest=True
    )
    result = await fast_path(client, "red", nationalities=["KZ"])
    assert "2010/99999" in result.items  # KZ has fewer than 160 notices: one page holds them all


async def test_the_fast_path_sends_no_name_unless_targeted(
    client: InterpolClient, server: HttpTestServer
) -> None:
    with pytest.raises(ValueError, match="targeted=True"):
        await fast_path(client, "red", nationalities=["KZ"], targeted_surnames=["Ablyazov"])
    await fast_path(client, "red", nationalities=["KZ"])
    assert all("name" not in r.query and "forename" not in r.query for r in server.requests)


async def test_a_targeted_fast_path_asks_a_short_prefix_of_each_surname(
    client: InterpolClient, sim: InterpolSim, server: HttpTestServer
) -> None:
    sim.add(
        red_item("2010/99998", "ABLIAZOV", "MUKHTAR", "1963/05/16", ["KZ"]), sex="M", oldest=True
    )
    result = await fast_path(client, "red", targeted_surnames=["Ablyazov"], targeted=True)
    assert server.requests[-1].query["name"] == "^ABL"
    assert "2010/99998" in result.items  # another spelling, same prefix


# Completeness from the count (issue 14) ---------------------------------------------------------
async def test_a_partition_whose_count_lies_does_not_spoil_a_sweep_whose_total_adds_up(
    client: InterpolClient, sim: InterpolSim
) -> None:
    sim.overcount("name", "^K", by=1)  # ^K announces one notice more than any query finds
    result = await sweep(client)
    assert set(result.items) == sim.public_ids()
    assert result.coverage.complete, result.coverage.reasons
    assert result.coverage.unresolved == 0 and result.coverage.healthy


async def test_twenty_awkward_notices_are_all_reached_and_the_second_sweep_costs_no_more(
    client: InterpolClient, sim: InterpolSim
) -> None:
    awkward = add_awkward(sim)
    first = await sweep(client)
    second = await sweep(client, prior=first.items.values())
    for result in (first, second):
        assert set(awkward) <= set(result.items)
        assert result.coverage.complete and result.coverage.ratio == 1.0
    assert first.coverage.list_requests <= 160  # issue 14: the bare list alone took 122
    assert second.coverage.list_requests <= first.coverage.list_requests


async def test_a_second_sweep_goes_straight_to_the_awkward_notices_the_first_one_found(
    client: InterpolClient, sim: InterpolSim
) -> None:
    awkward = add_awkward(sim)
    first = await sweep(client)
    second = await sweep(client, prior=first.items.values())
    assert set(awkward) <= set(second.items) and second.coverage.complete
    # one small query per awkward notice at most, instead of searching for them again
    assert second.coverage.residual_requests <= len(awkward)


async def test_the_partitions_kept_as_fully_read_were_read_whole(
    client: InterpolClient, sim: InterpolSim
) -> None:
    result = await sweep(client)
    assert len(result.enumerated) >= 44  # at least ceil(6934 / 160) queries read whole
    for filters in result.enumerated:
        listed = {n.entity_id for n in sim.query("red", filters)}
        assert len(listed) <= 160 and listed <= set(result.items), filters
