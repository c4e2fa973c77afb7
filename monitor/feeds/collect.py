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
import functools
from collections.abc import Callable, Sequence
from dataclasses import replace

from monitor.config.watchlist import FeedSource, Source
from monitor.exc import FetchError, ParseError
from monitor.feeds.parse import parse_feed
from monitor.items import Collected, Inputs, Item
from monitor.pages.parse import extract_article_text
from monitor.store import Session, models, observations, sessionmaker

SHORT_TEXT = 600
MAX_ARTICLES_PER_POLL = 20


KnownKeys = Callable[[Sequence[str]], set[str]]


async def collect(
    inputs: Inputs[KnownKeys], row: models.Source, config: Source, full: bool
) -> Collected:
    assert isinstance(config, FeedSource)
    response = await inputs.http.fetch(config.url, etag=row.etag, last_modified=row.last_modified)
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
        items, requests = await _with_full_text(inputs, items)
    return Collected(
        items=items,
        full=True,
        complete=result.complete,
        requests=requests,
        warnings=result.warnings,
        etag=response.etag,
        last_modified=response.last_modified,
        response=response.evidence_meta(result.encoding),
    )


async def _with_full_text(inputs: Inputs[KnownKeys], items: list[Item]) -> tuple[list[Item], int]:
    known = inputs.known([k for item in items for k in (item.key, *item.aliases, *item.twins)])
    fetched, result = 0, []
    for item in items:
        if (
            item.key in known
            or not known.isdisjoint((*item.aliases, *item.twins))
            or not item.url
            or len(item.text) >= SHORT_TEXT
            or fetched >= MAX_ARTICLES_PER_POLL
        ):
            result.append(item)
            continue
        fetched += 1
        result.append(await _article(inputs, item))
    return result, 1 + fetched


async def _article(inputs: Inputs[KnownKeys], item: Item) -> Item:
    assert item.url is not None
    try:
        page = await inputs.http.fetch(item.url)
    except FetchError:
        return item  # the summary is still worth matching; the article may load next time
    text = extract_article_text(page.body, url=page.url, headers=page.headers)
    return replace(item, text=text) if len(text) > len(item.text) else item


def known(factory: sessionmaker[Session], row: models.Source) -> KnownKeys:
    """The read-only lookup a feed poll gets: which of these item keys are stored already."""
    return functools.partial(_known_keys, factory, row.id)


def _known_keys(factory: sessionmaker[Session], source_id: str, keys: Sequence[str]) -> set[str]:
    with factory() as session:
        return observations.stored_keys(session, source_id, keys)
