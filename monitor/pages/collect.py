"""Collecting an HTML listing page (court decisions, hearing lists) and a person's case page.

Rules:
- a listing whose selector suddenly matches nothing is a health warning ("layout changed?") and
  an incomplete poll, never "all items removed";
- a listing whose selector matches nothing at its first poll (nor its container) fails it,
  with a hint: the admin who just added it learns the selector finds nothing (a typo, a page
  built by JavaScript) instead of "ok, 0 items" and a source that is never watched; when the
  container is there but empty (a list with nothing today, or a typo in the last part), the
  first poll is degraded with the same hint;
- a case page is one item whose text is the followed part of the page; a selector that matches
  nothing fails the poll (LayoutChanged), so an emptied page never reads as a deleted case.
"""

from __future__ import annotations

import asyncio

from monitor.config.watchlist import PageSource, Source, WatchSource
from monitor.exc import ParseError
from monitor.items import Collected, Inputs, Item, content_hash
from monitor.pages.parse import PageResult, extract_watched, parse_listing
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
    warnings = list(result.warnings)
    if not result.items and row.last_success_at is None:
        hint = first_poll_found_nothing(config.item_selector, result)
        if result.matched_nothing:
            raise ParseError(hint)
        warnings.append(hint)
    return Collected(
        items=result.items,
        full=True,
        complete=not result.matched_nothing,
        requests=1,
        warnings=warnings,
        etag=response.etag,
        last_modified=response.last_modified,
        response=response.evidence_meta(result.encoding),
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


def first_poll_found_nothing(item_selector: str, result: PageResult) -> str:
    """What to tell the admin when a new listing source finds no item at all."""
    where = (
        "nothing on the page matches it"
        if result.matched_nothing
        else "its list is on the page but holds nothing it matches"
    )
    return (
        f"item selector {item_selector!r} found no item at this source's first poll ({where}): "
        "check the selector; the page may be built by JavaScript (redwatch reads the HTML as "
        "the server sends it: compare with the browser's view-source)"
    )


def _watch_key(config: WatchSource) -> str:
    key = f"watch:{config.person_id}:{canonical_url(config.url)}"
    # observations.key holds 512 characters; case-page URLs with long queries exist.
    return key if len(key) <= 512 else f"watch:{config.person_id}:sha256:{content_hash(key)}"
