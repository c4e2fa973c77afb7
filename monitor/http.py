"""The one HTTP client every source uses: polite, bounded, and honest about failures.

Rules:
- timeouts on connect, read, write and pool wait, and a `deadline` for each whole response (from
  the request to the last byte: a server that drips, never finishes its headers or redirects in
  circles is cut off, and that is not retried); TLS certificates are always verified;
- at most `per_host` requests in flight per host, `max_connections` in all;
- a body is streamed and abandoned past `max_bytes` (ResponseTooLarge), whatever the server
  announces; a compressed body counts by its decompressed size; a body compressed twice
  (`Content-Encoding: gzip, gzip`, a compression bomb) is refused unread;
- at most `max_redirects` redirects;
- conditional GET: the caller's ETag / Last-Modified become If-None-Match / If-Modified-Since,
  and a 304 comes back as a Response with `not_modified` True and an empty body;
- transient failures (timeouts, connection errors, a body cut short, 429 and 5xx by default) are
  retried a bounded number of times with exponential backoff and jitter; `Retry-After` on 429
  and 503 is honoured, and a wait longer than `retry_after_max` is not attempted;
- anything else raises FetchError (or a subclass) saying whether it is permanent; the error
  carries the URL without its query string, which could hold a watched name.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from monitor.config.settings import DEFAULT_USER_AGENT
from monitor.exc import FetchError, ResponseTooLarge

if TYPE_CHECKING:
    from monitor.config.settings import Settings

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class HttpPolicy:
    """Limits of the shared client (one per process)."""

    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    deadline: float = 60.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    per_host: int = 4
    max_connections: int = 32


@dataclass(frozen=True)
class RetryPolicy:
    """When one fetch is retried: `attempts` includes the first try."""

    attempts: int = 3
    backoff: float = 1.0
    backoff_max: float = 60.0
    retry_after_max: float = 300.0
    statuses: frozenset[int] = frozenset({408, 425, 429, 500, 502, 503, 504})
    honour_retry_after: frozenset[int] = frozenset({429, 503})

    def delay(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        """Backoff before try `attempt + 1`: base * 2^(attempt-1), capped, with jitter in [50%, 100%]."""
        ceiling = min(self.backoff_max, self.backoff * 2.0 ** (attempt - 1))
        return ceiling * (0.5 + rand() / 2)


@dataclass(frozen=True)
class Response:
    """One final HTTP answer, kept as evidence: status, headers (lower-case names), body bytes."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str
    retrieved_at: datetime
    elapsed: float
    attempts: int = 1
    sha256: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sha256", hashlib.sha256(self.body).hexdigest())

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    def json(self) -> Any:
        return json.loads(self.body)

    def evidence_meta(self, charset: str | None = None) -> dict[str, Any]:
        """How this answer was fetched, as evidence keeps it beside the bytes."""
        return {
            "url": self.url,
            "status": self.status,
            "headers": dict(self.headers),
            "media_type": self.headers.get("content-type"),
            "charset": charset or None,
        }


def make_client(policy: HttpPolicy | None = None) -> httpx.AsyncClient:
    """The httpx client with the policy's timeouts, limits, redirects and User-Agent."""
    policy = policy or HttpPolicy()
    timeout = httpx.Timeout(
        connect=policy.connect_timeout,
        read=policy.read_timeout,
        write=policy.read_timeout,
        pool=policy.read_timeout,
    )
    return httpx.AsyncClient(
        timeout=timeout,
        limits=httpx.Limits(max_connections=policy.max_connections),
        follow_redirects=True,
        max_redirects=policy.max_redirects,
        headers={"User-Agent": policy.user_agent},
        verify=True,
    )


class HttpClient:
    """The shared client: `fetch()` with per-host limits, size cap, conditional GET and retries."""

    def __init__(
        self,
        policy: HttpPolicy | None = None,
        retry: RetryPolicy | None = None,
        *,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.policy = policy or HttpPolicy()
        self.retry = retry or RetryPolicy()
        # Every wait (backoff, Retry-After, rate limits) goes through `sleep`, so it can be observed.
        self.sleep = sleep
        self._client = make_client(self.policy)
        self._hosts: dict[str, asyncio.Semaphore] = {}

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: Collection[int] = (),
        retry: RetryPolicy | None = None,
    ) -> Response:
        """GET `url`; a Response for 2xx, 304 and the `accept`ed statuses, else FetchError.

        - `etag` / `last_modified` are the validators of the last version the caller has;
        - `accept` lets a caller keep a status as evidence (a 404 of a removed notice);
        - `retry` overrides the client's retry policy for this call (e.g. to retry 403s).
        """
        policy = retry or self.retry
        request_headers = {**(headers or {}), **_validators(etag, last_modified)}
        for attempt in range(1, policy.attempts + 1):
            last = attempt == policy.attempts
            try:
                response = await self._once(url, params, request_headers, attempt)
            except _Transient as exc:
                if last:
                    raise FetchError(str(exc), url=_safe(url), permanent=False) from None
                await self.sleep(policy.delay(attempt))
                continue
            if _accepted(response.status, accept):
                return response
            if last or response.status not in policy.statuses:
                raise _status_error(response, policy)
            await self.sleep(_wait(response, policy, attempt))
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _once(
        self, url: str, params: Mapping[str, str] | None, headers: Mapping[str, str], attempt: int
    ) -> Response:
        deadline = self.policy.deadline
        try:
            async with asyncio.timeout(deadline):
                return await self._answer(url, params, headers, attempt)
        except TimeoutError:
            raise FetchError(
                f"no complete response within {deadline:g} s (MONITOR_HTTP_DEADLINE): "
                "the server is too slow or never finishes",
                url=_safe(url),
                permanent=False,
            ) from None

    async def _answer(
        self, url: str, params: Mapping[str, str] | None, headers: Mapping[str, str], attempt: int
    ) -> Response:
        async with self._host(url):
            started, when = time.monotonic(), datetime.now(UTC)
            try:
                async with self._client.stream("GET", url, params=params, headers=headers) as reply:
                    body = await self._read(reply, url)
                    return Response(
                        status=reply.status_code,
                        headers=dict(reply.headers.items()),
                        body=body,
                        url=str(reply.url),
                        retrieved_at=when,
                        elapsed=time.monotonic() - started,
                        attempts=attempt,
                    )
            except httpx.TooManyRedirects:
                raise FetchError("too many redirects", url=_safe(url), permanent=True) from None
            except (httpx.UnsupportedProtocol, httpx.InvalidURL):
                raise FetchError("not a fetchable URL", url=_safe(url), permanent=True) from None
            except httpx.DecodingError:
                raise FetchError(
                    "body could not be decoded", url=_safe(url), permanent=True
                ) from None
            except httpx.ConnectError as exc:
                if _certificate_failure(exc):
                    raise FetchError(
                        "TLS certificate verification failed", url=_safe(url), permanent=True
                    ) from None
                raise _Transient(_transport_message(exc)) from None
            except httpx.TimeoutException as exc:
                raise _Transient(f"timed out ({type(exc).__name__})") from None
            except httpx.TransportError as exc:
                raise _Transient(_transport_message(exc)) from None

    async def _read(self, reply: httpx.Response, url: str) -> bytes:
        cap = self.policy.max_bytes
        announced = reply.headers.get("content-length", "")
        if announced.isdigit() and int(announced) > cap:
            raise ResponseTooLarge(
                f"response too large: {int(announced):,} bytes announced, the limit is {cap:,}",
                url=_safe(url),
                permanent=True,
            )
        codings = reply.headers.get_list("content-encoding", split_commas=True)
        if len([c for c in codings if c.strip().lower() != "identity"]) > 1:
            # httpx inflates each layer of "gzip, gzip" in one go: 2 KB can become gigabytes
            # in memory before a single byte is counted. No real server stacks encodings.
            raise FetchError(
                f"refused a body compressed twice (Content-Encoding: {', '.join(codings)[:100]})",
                url=_safe(url),
                permanent=True,
            )
        chunks, size = [], 0
        async for chunk in reply.aiter_bytes():
            size += len(chunk)
            if size > cap:
                raise ResponseTooLarge(
                    f"response too large: it went past the limit of {cap:,} bytes",
                    url=_safe(url),
                    permanent=True,
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def _host(self, url: str) -> asyncio.Semaphore:
        host = urlsplit(url).netloc.lower()
        if host not in self._hosts:
            self._hosts[host] = asyncio.Semaphore(self.policy.per_host)
        return self._hosts[host]


@asynccontextmanager
async def open_client(settings: Settings | None = None) -> AsyncIterator[HttpClient]:
    """The process's shared HttpClient, with the User-Agent from the settings; closed on exit."""
    if settings is None:
        client = HttpClient()
    else:
        policy = HttpPolicy(
            user_agent=settings.user_agent,
            connect_timeout=min(settings.http_timeout, 10.0),
            read_timeout=settings.http_timeout,
            deadline=settings.http_deadline,
            max_bytes=settings.http_max_bytes,
        )
        client = HttpClient(policy, RetryPolicy(attempts=settings.http_attempts))
    try:
        yield client
    finally:
        await client.aclose()


class _Transient(Exception):
    """A failure worth another try (timeout, connection reset, body cut short)."""


def _validators(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _accepted(status: int, accept: Collection[int]) -> bool:
    return 200 <= status < 300 or status == 304 or status in accept


def _wait(response: Response, policy: RetryPolicy, attempt: int) -> float:
    """Seconds to wait before the next try: the server's Retry-After if it gave one, else backoff."""
    asked = (
        retry_after(response.headers.get("retry-after"))
        if response.status in policy.honour_retry_after
        else None
    )
    if asked is None:
        return policy.delay(attempt)
    if asked > policy.retry_after_max:
        raise FetchError(
            f"HTTP {response.status}: asked to wait {asked:.0f} s, over {policy.retry_after_max:.0f} s",
            url=_safe(response.url),
            status=response.status,
            permanent=False,
        )
    return asked


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """`Retry-After` in seconds: delta-seconds or an HTTP date; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # "²" is a digit to isdigit(), not to float()
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _status_error(response: Response, policy: RetryPolicy) -> FetchError:
    status = response.status
    permanent = status not in policy.statuses and status < 500
    return FetchError(f"HTTP {status}", url=_safe(response.url), status=status, permanent=permanent)


def _certificate_failure(exc: BaseException) -> bool:
    """Whether a connection failed on certificate verification (not worth retrying)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(
            seen
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _transport_message(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.RemoteProtocolError):
        return "connection closed before the response was complete"
    if isinstance(exc, httpx.ConnectError):
        return "could not connect (refused, unreachable or TLS failure)"
    return f"transport error ({type(exc).__name__})"


def _safe(url: str) -> str:
    """The URL without query string or fragment (they could hold a watched name)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
