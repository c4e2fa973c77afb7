"""The polite INTERPOL client: browser-like headers, a rate limit, retries, and blocking detection.

Rules:
- every request carries the headers of the public website's own calls (origin, referer,
  sec-fetch-*) and a configurable User-Agent: the API answers non-browser clients with 403;
- requests start at most `rate` per second (default 2);
- 429 and 5xx are retried by monitor.http (backoff with jitter, Retry-After honoured);
- a 403 is retried here with exponential backoff; `block_after` 403 answers in a row (across
  requests) raise BlockedError: the source is blocked, which is never the same as empty;
- a detail 404 is returned, not raised, with its response kept as evidence; only INTERPOL's
  own JSON 404 body counts as "not found";
- a 200 whose JSON is broken is asked once more, then raises ParseError;
- links come from `_links` when they point at the configured API; ids in URLs are `YYYY-NNNNN`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TypeVar
from urllib.parse import urlsplit

from monitor.exc import BlockedError, FetchError, ParseError
from monitor.http import HttpClient, Response, RetryPolicy, Sleep
from monitor.interpol.constants import BASE_URL
from monitor.interpol.parse import (
    TYPE_PATHS,
    ListPage,
    NoticeType,
    is_not_found_body,
    parse_detail,
    parse_images,
    parse_list,
    public_detail_url,
    url_id,
)
from monitor.items import Item

DEFAULT_BASE_URL = BASE_URL
BROWSER_USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
WEBSITE = "https://www.interpol.int"
T = TypeVar("T")


@dataclass(frozen=True)
class InterpolOptions:
    """The source's options (watchlist.yaml `base_url`, `rate`, `user_agent`) and retry limits."""

    base_url: str = DEFAULT_BASE_URL
    rate: float = 2.0
    user_agent: str = BROWSER_USER_AGENT
    attempts: int = 4
    backoff: float = 2.0
    backoff_max: float = 60.0
    retry_after_max: float = 300.0
    block_after: int = 3


@dataclass
class RequestCounter:
    """Requests sent, by endpoint, and what came back badly."""

    list: int = 0
    detail: int = 0
    images: int = 0
    image: int = 0
    forbidden: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.list + self.detail + self.images + self.image


@dataclass(frozen=True)
class DetailResult:
    """A detail lookup: 200 with the parsed notice, or a confirmed 404; `response` is evidence."""

    status: int
    item: Item | None
    response: Response

    @property
    def not_found(self) -> bool:
        return self.status == 404


class RateLimiter:
    """Spaces request starts at least 1/rate seconds apart (rate <= 0: no limit)."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.clock = clock
        self.sleep = sleep
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            now = self.clock()
            if self._next > now:
                await self.sleep(self._next - now)
            self._next = max(now, self._next) + self.interval


@dataclass
class _Forbidden:
    in_a_row: int = 0
    blocked: bool = False


class InterpolClient:
    """Lists, details, image lists and images of INTERPOL notices over the shared HttpClient."""

    def __init__(self, http: HttpClient, options: InterpolOptions | None = None) -> None:
        self.http = http
        self.options = options or InterpolOptions()
        self.counter = RequestCounter()
        self._limiter = RateLimiter(self.options.rate, sleep=http.sleep)
        self._forbidden = _Forbidden()
        self._retry = RetryPolicy(
            attempts=self.options.attempts,
            backoff=self.options.backoff,
            backoff_max=self.options.backoff_max,
            retry_after_max=self.options.retry_after_max,
        )
        self._base = self.options.base_url.rstrip("/")

    @property
    def blocked(self) -> bool:
        """True once a 403 burst was met; stays True for this client's life."""
        return self._forbidden.blocked

    def headers(self) -> dict[str, str]:
        """What the public website's own API calls send."""
        return {
            "User-Agent": self.options.user_agent,
            "Accept": "application/json, text/plain, */*",
            "Accept-Language": "en-US,en;q=0.9",
            "Origin": WEBSITE,
            "Referer": WEBSITE + "/",
            "Sec-Fetch-Dest": "empty",
            "Sec-Fetch-Mode": "cors",
            "Sec-Fetch-Site": "same-site",
        }

    # Endpoints --------------------------------------------------------------------------------
    async def list(self, notice_type: NoticeType, params: Mapping[str, str]) -> ListPage:
        """One list query (`page`, `resultPerPage` and filters as the API names them)."""
        self.counter.list += 1
        url = f"{self._base}/notices/v1/{TYPE_PATHS[notice_type]}"
        page = await self._parsed(url, params, lambda body: parse_list(body, notice_type))
        return replace(page, items=tuple(self._anchored(item) for item in page.items))

    async def detail(
        self, notice_type: NoticeType, entity_id: str, *, url: str | None = None
    ) -> DetailResult:
        """A notice's detail; 404 is a result (with the response as evidence), not an error.

        - `url`: the item's `_links.self` href, used when it points at the configured API.
        """
        self.counter.detail += 1
        target = self._own(url) or self.detail_url(notice_type, entity_id)
        for attempt in (1, 2):
            response = await self._get(target, None, accept=(404,))
            if response.status == 404:
                return self._not_found(response, target)
            try:
                item = self._anchored(parse_detail(response.body, notice_type))
                return DetailResult(200, item, response)
            except ParseError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def detail_status(self, notice_type: NoticeType, entity_id: str) -> int:
        """200 if the notice is public, 404 if INTERPOL says it is not (else FetchError)."""
        return (await self.detail(notice_type, entity_id)).status

    async def images(self, notice_type: NoticeType, entity_id: str) -> tuple[str, ...]:
        """The picture ids of a notice (an empty tuple when it has none)."""
        self.counter.images += 1
        url = f"{self.detail_url(notice_type, entity_id)}/images"
        return await self._parsed(url, None, parse_images)

    async def image(self, notice_type: NoticeType, entity_id: str, picture_id: str) -> Response:
        """One picture's bytes, as a Response (status, headers, SHA-256) for the evidence store."""
        self.counter.image += 1
        if not picture_id.isalnum():
            raise ParseError("not a picture id")
        return await self._get(
            f"{self.detail_url(notice_type, entity_id)}/images/{picture_id}", None
        )

    def detail_url(self, notice_type: NoticeType, entity_id: str) -> str:
        return f"{self._base}/notices/v1/{TYPE_PATHS[notice_type]}/{url_id(entity_id)}"

    # Plumbing ---------------------------------------------------------------------------------
    async def _parsed(
        self, url: str, params: Mapping[str, str] | None, parse: Callable[[bytes], T]
    ) -> T:
        for attempt in (1, 2):
            response = await self._get(url, params)
            try:
                return parse(response.body)
            except ParseError:
                if attempt == 2:
                    self.counter.failed += 1
                    raise
        raise AssertionError("unreachable")

    async def _get(
        self, url: str, params: Mapping[str, str] | None, *, accept: tuple[int, ...] = ()
    ) -> Response:
        """GET with the rate limit, the headers, retries, and 403-burst detection."""
        for attempt in range(1, self.options.attempts + 1):
            if self._forbidden.blocked:
                raise BlockedError(
                    "INTERPOL is blocking this client (403 burst)", url=url, status=403
                )
            await self._limiter.wait()
            try:
                response = await self.http.fetch(
                    url,
                    params=params,
                    headers=self.headers(),
                    accept=(403, *accept),
                    retry=self._retry,
                )
            except FetchError:
                self.counter.failed += 1
                raise
            if response.status != 403:
                self._forbidden.in_a_row = 0
                return response
            await self._after_forbidden(url, attempt)
        raise BlockedError("INTERPOL answered 403 to every attempt", url=url, status=403)

    async def _after_forbidden(self, url: str, attempt: int) -> None:
        self.counter.forbidden += 1
        self._forbidden.in_a_row += 1
        if self._forbidden.in_a_row >= self.options.block_after:
            self._forbidden.blocked = True
            raise BlockedError(
                f"INTERPOL answered 403 {self._forbidden.in_a_row} times in a row",
                url=url,
                status=403,
            )
        await self.http.sleep(self._retry.delay(attempt))

    def _not_found(self, response: Response, url: str) -> DetailResult:
        if not is_not_found_body(response.body):
            raise FetchError("HTTP 404 without INTERPOL's not-found body", url=url, status=404)
        return DetailResult(404, None, response)

    def _anchored(self, item: Item) -> Item:
        """The item with links to the configured API only: a `_links` href to another host
        (which alerts would show as the notice's link) becomes INTERPOL's own URL of the notice."""
        data = dict(item.data)
        for name in ("images_url", "thumbnail_url"):
            if data.get(name) and not self._own(data[name]):
                data[name] = None
        if not self._own(item.url):
            data["detail_url"] = public_detail_url(data["notice_type"], data["entity_id"])
        if data == item.data:
            return item
        return replace(item, url=data["detail_url"], data=data)

    def _own(self, url: str | None) -> str | None:
        """`url` if it points at the configured API (never follow a link to another host)."""
        if not url:
            return None
        mine, theirs = urlsplit(self._base), urlsplit(url)
        same = (mine.scheme, mine.netloc) == (theirs.scheme, theirs.netloc)
        return url if same and theirs.path.startswith("/notices/v1/") and not theirs.query else None
