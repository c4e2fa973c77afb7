"""Collecting an RSS/Atom feed: conditional GET, parse, and optionally the articles' full text.

Rules:
- a 304 costs nothing downstream: no parsing, no matching;
- a feed that cannot be read at all (BROKEN or REFUSED) fails the poll: it is never "empty";
- a feed read leniently (PARTIAL) is recorded but flagged incomplete;
- with `full_text`, the article page of each NEW entry whose text is short is fetched (a bounded
  number per poll) and its main text replaces the summary.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from sqlalchemy import select

from monitor.config.watchlist import FeedSource
from monitor.exc import FetchError, ParseError
from monitor.feeds.parse import parse_feed
from monitor.items import Item
from monitor.pages.parse import extract_article_text
from monitor.poll import Collected, source_config
from monitor.service.runtime import Runtime
from monitor.store import models

SHORT_TEXT = 600
MAX_ARTICLES_PER_POLL = 20


async def collect(runtime: Runtime, row: models.Source, full: bool) -> Collected:
    config = source_config(row)
    assert isinstance(config, FeedSource)
    response = await runtime.http.fetch(config.url, etag=row.etag, last_modified=row.last_modified)
    if response.not_modified:
        return Collected(
            not_modified=True, requests=1, etag=row.etag, last_modified=row.last_modified
        )
    result = await asyncio.to_thread(
        parse_feed, response.body, url=response.url, headers=response.headers
    )
    if result.broken:
        raise ParseError(
            f"the feed could not be read: {'; '.join(result.warnings) or 'no entries'}"
        )
    items, requests = result.items, 1
    if config.full_text:
        items, requests = await _with_full_text(runtime, row.id, items)
    return Collected(
        items=items,
        full=True,
        complete=result.complete,
        requests=requests,
        warnings=result.warnings,
        etag=response.etag,
        last_modified=response.last_modified,
    )


async def _with_full_text(
    runtime: Runtime, row_id: str, items: list[Item]
) -> tuple[list[Item], int]:
    known = _known_keys(runtime, row_id, [k for item in items for k in (item.key, *item.aliases)])
    fetched, result = 0, []
    for item in items:
        if (
            item.key in known
            or not known.isdisjoint(item.aliases)
            or not item.url
            or len(item.text) >= SHORT_TEXT
            or fetched >= MAX_ARTICLES_PER_POLL
        ):
            result.append(item)
            continue
        fetched += 1
        result.append(await _article(runtime, item))
    return result, 1 + fetched


async def _article(runtime: Runtime, item: Item) -> Item:
    assert item.url is not None
    try:
        page = await runtime.http.fetch(item.url)
    except FetchError:
        return item  # the summary is still worth matching; the article may load next time
    text = extract_article_text(page.body, url=page.url, headers=page.headers)
    return replace(item, text=text) if len(text) > len(item.text) else item


def _known_keys(runtime: Runtime, source_id: str, keys: list[str]) -> set[str]:
    Obs = models.Observation
    with runtime.factory() as session:
        query = select(Obs.key).where(Obs.source_id == source_id, Obs.key.in_(keys))
        return set(session.scalars(query))
