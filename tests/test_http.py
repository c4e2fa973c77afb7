"""monitor.http against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import shutil
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from monitor.exc import FetchError, ResponseTooLarge
from monitor.http import (
    DEFAULT_USER_AGENT,
    HttpClient,
    HttpPolicy,
    RetryPolicy,
    open_client,
    retry_after,
)
from tests.servers.http_server import HttpTestServer, RecordedRequest, Reply

FAST = RetryPolicy(attempts=3, backoff=0.01, backoff_max=0.05)


@pytest.fixture
def server() -> Iterator[HttpTestServer]:
    with HttpTestServer() as running:
        yield running


def client(**policy: object) -> HttpClient:
    return HttpClient(HttpPolicy(**policy), FAST)  # type: ignore[arg-type]


async def test_it_returns_status_headers_body_and_its_hash(server: HttpTestServer) -> None:
    server.route("/feed.xml", Reply.raw(b"<rss/>", content_type="application/rss+xml"))
    async with client() as http:
        response = await http.fetch(server.url("/feed.xml"))
    assert response.status == 200
    assert response.body == b"<rss/>"
    assert response.headers["content-type"] == "application/rss+xml"
    assert response.sha256 == hashlib.sha256(b"<rss/>").hexdigest()
    assert response.url == server.url("/feed.xml")
    assert abs(response.retrieved_at - datetime.now(UTC)) < timedelta(minutes=1)


async def test_it_sends_a_descriptive_user_agent(server: HttpTestServer) -> None:
    server.route("/", Reply.text("ok"))
    async with client() as http:
        await http.fetch(server.url("/"))
    assert server.requests[0].headers["user-agent"] == DEFAULT_USER_AGENT
    assert "redwatch" in DEFAULT_USER_AGENT


async def test_the_shared_client_takes_its_user_agent_from_the_settings(
    server: HttpTestServer,
) -> None:
    from monitor.config.settings import Settings

    server.route("/", Reply.text("ok"))
    async with open_client(Settings(user_agent="redwatch-test/9 (ops@example.org)")) as http:
        await http.fetch(server.url("/"))
    assert server.requests[0].headers["user-agent"] == "redwatch-test/9 (ops@example.org)"


async def test_a_matching_etag_comes_back_as_not_modified(server: HttpTestServer) -> None:
    server.route("/feed", Reply.raw(b"<rss>v1</rss>", etag='"v1"'))
    async with client() as http:
        first = await http.fetch(server.url("/feed"))
        again = await http.fetch(server.url("/feed"), etag=first.etag)
    assert first.status == 200
    assert first.etag == '"v1"'
    assert again.not_modified
    assert again.body == b""
    assert server.requests[1].headers["if-none-match"] == '"v1"'


async def test_a_matching_last_modified_comes_back_as_not_modified(server: HttpTestServer) -> None:
    stamp = "Wed, 21 Oct 2015 07:28:00 GMT"
    server.route("/page", Reply.text("hello", last_modified=stamp))
    async with client() as http:
        first = await http.fetch(server.url("/page"))
        again = await http.fetch(server.url("/page"), last_modified=first.last_modified)
    assert first.last_modified == stamp
    assert again.not_modified
    assert server.requests[1].headers["if-modified-since"] == stamp


async def test_a_stale_etag_gets_the_new_body(server: HttpTestServer) -> None:
    server.route("/feed", Reply.raw(b"<rss>v2</rss>", etag='"v2"'))
    async with client() as http:
        response = await http.fetch(server.url("/feed"), etag='"v1"')
    assert response.status == 200
    assert response.body == b"<rss>v2</rss>"


class Waits:
    """Records every wait the client asks for, without waiting (the client's `sleep`)."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


async def test_it_waits_as_long_as_retry_after_asks_on_429(server: HttpTestServer) -> None:
    server.route(
        "/busy", Reply.text("slow down", status=429, headers={"Retry-After": "7"}), Reply.text("ok")
    )
    waits = Waits()
    async with HttpClient(HttpPolicy(), FAST, sleep=waits) as http:
        response = await http.fetch(server.url("/busy"))
    assert response.body == b"ok"
    assert len(server.requests) == 2
    assert waits.seconds == [7.0]  # not the (much shorter) backoff of the retry policy


async def test_it_honours_retry_after_given_as_an_http_date_on_503(server: HttpTestServer) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    server.route(
        "/down",
        Reply.text("maintenance", status=503, headers={"Retry-After": when}),
        Reply.text("ok"),
    )
    waits = Waits()
    async with HttpClient(HttpPolicy(), FAST, sleep=waits) as http:
        response = await http.fetch(server.url("/down"))
    assert response.body == b"ok"
    [waited] = waits.seconds
    assert 28 <= waited <= 30  # until that date (an HTTP date has one-second resolution)


async def test_it_gives_up_at_once_when_retry_after_is_too_long(server: HttpTestServer) -> None:
    server.route(
        "/busy", Reply.text("come back tomorrow", status=429, headers={"Retry-After": "86400"})
    )
    async with HttpClient(HttpPolicy(), RetryPolicy(attempts=3, retry_after_max=60)) as http:
        with pytest.raises(FetchError) as caught:
            await http.fetch(server.url("/busy"))
    assert server.count("/busy") == 1
    assert caught.value.status == 429
    assert not caught.value.permanent
    assert "86400" in str(caught.value)


async def test_it_retries_a_500_a_bounded_number_of_times(server: HttpTestServer) -> None:
    server.route("/broken", Reply.text("oops", status=500))
    async with client() as http:
        with pytest.raises(FetchError) as caught:
            await http.fetch(server.url("/broken"))
    assert server.count("/broken") == FAST.attempts
    assert caught.value.status == 500
    assert not caught.value.permanent


async def test_it_recovers_when_a_5xx_is_followed_by_success(server: HttpTestServer) -> None:
    server.route("/flaky", Reply.text("bad gateway", status=502), Reply.text("ok"))
    async with client() as http:
        response = await http.fetch(server.url("/flaky"))
    assert response.body == b"ok"
    assert response.attempts == 2


async def test_a_404_is_permanent_and_not_retried(server: HttpTestServer) -> None:
    async with client() as http:
        with pytest.raises(FetchError) as caught:
            await http.fetch(server.url("/missing"))
    assert server.count("/missing") == 1
    assert caught.value.status == 404
    assert caught.value.permanent


async def test_an_accepted_404_is_returned_as_evidence(server: HttpTestServer) -> None:
    server.route("/gone", Reply.json({"status": 404}, status=404))
    async with client() as http:
        response = await http.fetch(server.url("/gone"), accept=(404,))
    assert response.status == 404
    assert response.json() == {"status": 404}


async def test_a_server_slower_than_the_read_timeout_is_a_transient_error(
    server: HttpTestServer,
) -> None:
    server.route("/slow", Reply.text("late", delay=5))
    async with client(read_timeout=0.2) as http:
        with pytest.raises(FetchError) as caught:
            await http.fetch(server.url("/slow"))
    assert "timed out" in str(caught.value)
    assert not caught.value.permanent
    assert server.count("/slow") == FAST.attempts


async def test_a_body_cut_short_is_retried(server: HttpTestServer) -> None:
    server.route(
        "/cut",
        Reply.json({"total": 1, "items": list(range(50))}, truncate_to=10),
        Reply.text("whole"),
    )
    async with client() as http:
        response = await http.fetch(server.url("/cut"))
    assert response.body == b"whole"
    assert server.count("/cut") == 2


async def test_a_body_always_cut_short_fails_as_transient(server: HttpTestServer) -> None:
    server.route("/cut", Reply.text("x" * 1000, truncate_to=100))
    async with client() as http:
        with pytest.raises(FetchError) as caught:
            await http.fetch(server.url("/cut"))
    assert "before the response was complete" in str(caught.value)
    assert not caught.value.permanent


@pytest.mark.parametrize("announce_length", [True, False])
async def test_a_50_mb_body_is_refused_not_read(
    server: HttpTestServer, announce_length: bool
) -> None:
    server.route("/huge", Reply.huge(50 * 1024 * 1024, announce_length=announce_length))
    async with client(max_bytes=1024 * 1024) as http:
        with pytest.raises(ResponseTooLarge) as caught:
            await http.fetch(server.url("/huge"))
    assert caught.value.permanent
    assert server.count("/huge") == 1


async def test_a_compressed_body_counts_by_its_unpacked_size(server: HttpTestServer) -> None:
    bomb = gzip.compress(b"0" * (5 * 1024 * 1024))
    server.route("/bomb", Reply.raw(bomb, headers={"Content-Encoding": "gzip"}))
    async with client(max_bytes=1024 * 1024) as http:
        with pytest.raises(ResponseTooLarge):
            await http.fetch(server.url("/bomb"))
    assert len(bomb) < 1024 * 1024  # what came over the wire was under the cap


async def test_a_compressed_body_under_the_cap_is_unpacked(server: HttpTestServer) -> None:
    server.route(
        "/gz", Reply.raw(gzip.compress(b"hello" * 100), headers={"Content-Encoding": "gzip"})
    )
    async with client() as http:
        response = await http.fetch(server.url("/gz"))
    assert response.body == b"hello" * 100


async def test_it_follows_a_few_redirects_to_the_final_url(server: HttpTestServer) -> None:
    server.route("/old", Reply(status=301, headers={"Location": "/older"}))
    server.route("/older", Reply(status=302, headers={"Location": "/new"}))
    server.route("/new", Reply.text("here"))
    async with client() as http:
        response = await http.fetch(server.url("/old"))
    assert response.body == b"here"
    assert response.url == server.url("/new")


async def test_a_redirect_loop_is_a_permanent_error(server: HttpTestServer) -> None:
    server.route("/a", Reply(status=302, headers={"Location": "/b"}))
    server.route("/b", Reply(status=302, headers={"Location": "/a"}))
    async with client(max_redirects=3) as http:
        with pytest.raises(FetchError) as caught:
            await http.fetch(server.url("/a"))
    assert "too many redirects" in str(caught.value)
    assert caught.value.permanent
    assert server.count() == 4  # the first request and three redirects


async def test_at_most_per_host_requests_are_in_flight(server: HttpTestServer) -> None:
    lock, state = threading.Lock(), {"now": 0, "peak": 0}

    def slow(request: RecordedRequest) -> Reply:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.1)
        with lock:
            state["now"] -= 1
        return Reply.text("ok")

    server.route_prefix("/slow/", slow)
    async with client(per_host=2) as http:
        await asyncio.gather(*(http.fetch(server.url(f"/slow/{n}")) for n in range(8)))
    assert state["peak"] == 2
    assert server.count() == 8


async def test_errors_never_carry_the_query_string(server: HttpTestServer) -> None:
    server.route("/search", Reply.text("no", status=400))
    async with client() as http:
        with pytest.raises(FetchError) as caught:
            await http.fetch(
                server.url("/search"), params={"name": "ABLYAZOV", "forename": "MUKHTAR"}
            )
    assert "ABLYAZOV" not in str(caught.value)
    assert "ABLYAZOV" not in (caught.value.url or "")
    assert caught.value.url == server.url("/search")
    assert server.requests[0].query == {"name": "ABLYAZOV", "forename": "MUKHTAR"}


async def test_a_refused_connection_is_transient() -> None:
    with HttpTestServer() as stopped:
        url = stopped.url("/")
    async with client() as http:
        with pytest.raises(FetchError) as caught:
            await http.fetch(url)
    assert not caught.value.permanent


async def test_a_certificate_that_does_not_verify_is_refused(tmp_path: Path) -> None:
    context = _self_signed_context(tmp_path)
    with HttpTestServer(tls=context) as server:
        server.route("/", Reply.text("secret"))
        async with client() as http:
            with pytest.raises(FetchError) as caught:
                await http.fetch(server.url("/"))
    assert "certificate" in str(caught.value)
    assert caught.value.permanent


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
    assert retry_after("120", now) == 120
    assert retry_after("Mon, 01 Jan 2024 12:00:30 GMT", now) == 30
    assert retry_after("Mon, 01 Jan 2024 11:00:00 GMT", now) == 0  # already past: no wait
    assert retry_after("soon", now) is None
    assert retry_after(None, now) is None


def test_backoff_doubles_with_jitter_and_stays_under_its_cap() -> None:
    policy = RetryPolicy(backoff=1.0, backoff_max=5.0)
    assert policy.delay(1, rand=lambda: 0.0) == 0.5
    assert policy.delay(1, rand=lambda: 1.0) == 1.0
    assert policy.delay(2, rand=lambda: 1.0) == 2.0
    assert policy.delay(3, rand=lambda: 0.0) == 2.0
    assert policy.delay(10, rand=lambda: 1.0) == 5.0


def _self_signed_context(tmp_path: Path) -> ssl.SSLContext:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a self-signed certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


# The whole-response deadline -----------------------------------------------------------------
@pytest.mark.parametrize(
    "reply",
    [Reply.raw(b"", drip=0.05), Reply.raw(b"", drip=0.05, endless_headers=True)],
    ids=["body-drips-forever", "headers-never-end"],
)
async def test_a_response_that_never_ends_is_cut_off_at_the_deadline_and_not_retried(
    server: HttpTestServer, reply: Reply
) -> None:
    server.route("/drip", reply)
    async with client(read_timeout=5.0, deadline=0.5) as http:
        with pytest.raises(FetchError) as caught:
            await http.fetch(server.url("/drip"))
    assert "MONITOR_HTTP_DEADLINE" in str(caught.value)
    assert caught.value.url == server.url("/drip")
    assert server.count("/drip") == 1  # a deadline is not a passing glitch: no second try


async def test_the_deadline_leaves_a_response_that_finishes_in_time_alone(
    server: HttpTestServer,
) -> None:
    server.route("/slow", Reply.text("late but whole", delay=0.2))
    async with client(deadline=5.0) as http:
        response = await http.fetch(server.url("/slow"))
    assert response.body == b"late but whole"


async def test_the_deadline_comes_from_monitor_http_deadline(tmp_path: Path) -> None:
    from monitor.config.settings import load_settings

    settings = load_settings({"MONITOR_HTTP_DEADLINE": "7.5"}, env_file=tmp_path / "no.env")
    async with open_client(settings) as http:
        assert http.policy.deadline == 7.5
