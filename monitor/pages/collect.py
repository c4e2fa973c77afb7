"""Collecting an HTML listing page (court decisions, hearing lists) and a person's case page.

Rules:
- a listing whose selector suddenly matches nothing is a health warning ("layout changed?") and
  an incomplete poll, never "all items removed";
- a case page is one item whose text is the followed part of the page; a selector that matches
  nothing fails the poll (LayoutChanged), so an emptied page never reads as a deleted case.
"""

from __future__ import annotations

import asyncio

from monitor.config.watchlist import PageSource, Source, WatchSource
from monitor.items import Collected, Inputs, Item, content_hash
from monitor.pages.parse import extract_watched, parse_listing
from monitor.store import models
from monitor.text.urls import canonical_url


async def collect(
    inputs: Inputs[None], row: models.Source, config: Source, full: bool
) -> Collected:
    assert isinstance(config, PageSource)
    response = await inputs.http.fetch(config.url, etag=row.etag, last_modified=row.last_modified)
    if response.not_modified:
        return Collected(
            not_modified=True, requests=1, etag=row.etag, last_modified=row.last_modified
        )
    result = await asyncio.to_thread(
        parse_listing,
        response.body,
        url=response.url,
        headers=response.headers,
        item_selector=config.item_selector,
        link_selector=config.link_selector,
        title_selector=config.title_selector,
    )
    return Collected(
        items=result.items,
        full=True,
        complete=not result.matched_nothing,
        requests=1,
        warnings=result.warnings,
        etag=response.etag,
        last_modified=response.last_modified,
    )


async def collect_watch(
    inputs: Inputs[None], row: models.Source, config: Source, full: bool
) -> Collected:
    assert isinstance(config, WatchSource)
    response = await inputs.http.fetch(config.url, etag=row.etag, last_modified=row.last_modified)
    if response.not_modified:
        return Collected(
            not_modified=True, requests=1, etag=row.etag, last_modified=row.last_modified
        )
    text = await asyncio.to_thread(
        extract_watched,
        response.body,
        url=response.url,
        headers=response.headers,
        selector=config.selector,
    )
    item = Item(
        key=_watch_key(config),
        title=f"Case page {canonical_url(config.url)}",
        text=text,
        url=config.url,
        raw=response.body,
    )
    return Collected(
        items=[item], requests=1, etag=response.etag, last_modified=response.last_modified
    )


def _watch_key(config: WatchSource) -> str:
    key = f"watch:{config.person_id}:{canonical_url(config.url)}"
    # observations.key holds 512 characters; case-page URLs with long queries exist.
    return key if len(key) <= 512 else f"watch:{config.person_id}:sha256:{content_hash(key)}"
