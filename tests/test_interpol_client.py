"""monitor.interpol.client against the local INTERPOL simulator (a real server on 127.0.0.1)."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import AsyncIterator, Iterator

import pytest

from monitor.exc import BlockedError, FetchError
from monitor.http import HttpClient, HttpPolicy, RetryPolicy
from monitor.interpol.client import InterpolClient, InterpolOptions
from tests.servers.http_server import HttpTestServer, Reply
from tests.servers.interpol_sim import InterpolSim

QUICK = {"rate": 0.0, "backoff": 0.01, "backoff_max": 0.05}


class FakeClock:
    """A monotonic clock that only moves when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def sim() -> InterpolSim:
    return InterpolSim.from_fixtures()


@pytest.fixture
def server(sim: InterpolSim) -> Iterator[HttpTestServer]:
    sim.reset_faults()
    with sim.serve() as running:
        yield running
    sim.reset_faults()


@pytest.fixture
async def http() -> AsyncIterator[HttpClient]:
    async with HttpClient(HttpPolicy(read_timeout=0.5), RetryPolicy(backoff=0.01)) as client:
        yield client


def interpol(http: HttpClient, server: HttpTestServer, **options: object) -> InterpolClient:
    return InterpolClient(http, InterpolOptions(base_url=server.base_url, **{**QUICK, **options}))  # type: ignore[arg-type]


async def test_requests_look_like_the_public_website(
    http: HttpClient, server: HttpTestServer
) -> None:
    client = interpol(http, server, user_agent="Mozilla/5.0 (test browser)")
    await client.list("red", {"page": "1", "resultPerPage": "20"})
    headers = server.requests[0].headers
    assert headers["user-agent"] == "Mozilla/5.0 (test browser)"
    assert headers["origin"] == "https://www.interpol.int"
    assert headers["referer"] == "https://www.interpol.int/"
    assert headers["sec-fetch-mode"] == "cors"
    assert headers["sec-fetch-site"] == "same-site"
    assert headers["sec-fetch-dest"] == "empty"


async def test_a_list_reports_the_true_total_past_the_cap(
    http: HttpClient, server: HttpTestServer
) -> None:
    page = await interpol(http, server).list("red", {"page": "1", "resultPerPage": "160"})
    assert page.total == 6934
    assert len(page.items) == 160


async def test_requests_start_no_faster_than_the_rate(
    http: HttpClient, server: HttpTestServer
) -> None:
    from monitor.interpol.client import RateLimiter

    clock = FakeClock()
    limiter = RateLimiter(10.0, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(4):
        await limiter.wait()
        starts.append(clock.now)
    gaps = [round(later - earlier, 9) for earlier, later in itertools.pairwise(starts)]
    assert gaps == [0.1, 0.1, 0.1]  # 1/rate apart
    client = interpol(http, server, rate=10.0)
    await client.list("red", {"page": "1", "resultPerPage": "1"})
    assert server.count() == 1  # the client goes through such a limiter


async def test_a_403_burst_raises_blocked_and_stops_asking(
    http: HttpClient, server: HttpTestServer, sim: InterpolSim
) -> None:
    sim.block(50)
    client = interpol(http, server, block_after=3)
    with pytest.raises(BlockedError):
        await client.list("red", {"page": "1", "resultPerPage": "160"})
    with pytest.raises(BlockedError):
        await client.detail("red", "2019/114539")
    assert client.blocked
    assert server.count() == 3
    assert client.counter.forbidden == 3


async def test_a_single_403_is_retried_and_forgotten(
    http: HttpClient, server: HttpTestServer, sim: InterpolSim
) -> None:
    sim.block(1)
    client = interpol(http, server)
    page = await client.list("red", {"page": "1", "resultPerPage": "10"})
    assert len(page.items) == 10
    assert not client.blocked
    assert server.count() == 2


async def test_a_503_with_retry_after_is_waited_for_and_retried(
    http: HttpClient, server: HttpTestServer, sim: InterpolSim
) -> None:
    sim.fail(1, 503, retry_after="9")
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async with HttpClient(HttpPolicy(), RetryPolicy(attempts=3), sleep=sleep) as patient:
        page = await interpol(patient, server).list("red", {"page": "1", "resultPerPage": "10"})
    assert len(page.items) == 10
    assert server.count() == 2
    assert 9.0 in waits


async def test_persistent_5xx_is_a_transient_fetch_error_not_blocked(
    http: HttpClient, server: HttpTestServer, sim: InterpolSim
) -> None:
    sim.fail(100, 502)
    client = interpol(http, server, attempts=3)
    with pytest.raises(FetchError) as caught:
        await client.list("red", {"page": "1"})
    assert not isinstance(caught.value, BlockedError)
    assert not caught.value.permanent
    assert server.count() == 3


async def test_a_truncated_json_body_is_asked_again(
    http: HttpClient, server: HttpTestServer, sim: InterpolSim
) -> None:
    sim.truncate(1, endpoints=["list"])
    page = await interpol(http, server).list("red", {"page": "1", "resultPerPage": "5"})
    assert len(page.items) == 5
    assert server.count() == 2


async def test_a_timeout_is_retried(
    http: HttpClient, server: HttpTestServer, sim: InterpolSim
) -> None:
    sim.slow(1, seconds=10)
    page = await interpol(http, server).list("red", {"page": "1", "resultPerPage": "5"})
    assert len(page.items) == 5
    assert server.count() == 2


async def test_a_detail_is_parsed_with_its_warrants(
    http: HttpClient, server: HttpTestServer
) -> None:
    result = await interpol(http, server).detail("red", "2018/14264")
    assert result.status == 200
    assert result.item is not None
    assert result.item.data["arrest_warrants"][0]["issuing_country"] == "IQ"
    assert server.requests[0].path == "/notices/v1/red/2018-14264"
    assert result.response.sha256 == hashlib.sha256(result.response.body).hexdigest()


async def test_a_missing_notice_is_a_404_result_kept_as_evidence(
    http: HttpClient, server: HttpTestServer
) -> None:
    result = await interpol(http, server).detail("red", "2019/1")
    assert result.not_found
    assert result.item is None
    assert result.response.status == 404
    assert b"NotFoundError" in result.response.body


async def test_a_404_without_interpols_body_is_not_taken_as_absence(http: HttpClient) -> None:
    with HttpTestServer() as other:
        other.route(
            "/notices/v1/red/2019-114560",
            Reply.raw(b"<html>Not Found</html>", "text/html", status=404),
        )
        with pytest.raises(FetchError):
            await interpol(http, other).detail("red", "2019/114560")


async def test_detail_links_come_from_the_items_own_links(
    http: HttpClient, server: HttpTestServer
) -> None:
    client = interpol(http, server)
    page = await client.list("red", {"page": "1", "resultPerPage": "1"})
    (item,) = page.items
    await client.detail("red", item.data["entity_id"], url=item.data["detail_url"])
    assert server.requests[-1].path == "/notices/v1/red/" + item.data["entity_id"].replace("/", "-")


async def test_a_link_to_another_host_is_not_followed(
    http: HttpClient, server: HttpTestServer
) -> None:
    client = interpol(http, server)
    await client.detail("red", "2018/14264", url="https://evil.example/notices/v1/red/2018-14264")
    assert server.requests[-1].path == "/notices/v1/red/2018-14264"


async def test_pictures_are_listed_and_fetched_as_evidence(
    http: HttpClient, server: HttpTestServer
) -> None:
    client = interpol(http, server)
    pictures = await client.images("red", "2022/46614")
    assert pictures == ("62492882",)
    image = await client.image("red", "2022/46614", pictures[0])
    assert image.headers["content-type"] == "image/jpeg"
    assert image.body.startswith(b"\xff\xd8")
    assert client.counter.images == 1
    assert client.counter.image == 1


async def test_the_counter_counts_requests_by_endpoint(
    http: HttpClient, server: HttpTestServer
) -> None:
    client = interpol(http, server)
    await client.list("red", {"page": "1", "resultPerPage": "1"})
    await client.list("yellow", {"page": "1", "resultPerPage": "1"})
    await client.detail("red", "2018/14264")
    assert (client.counter.list, client.counter.detail, client.counter.total) == (2, 1, 3)
