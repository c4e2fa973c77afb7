"""Collecting an HTML listing page (court decisions, hearing lists) and a person's case page.

Rules:
- a listing whose item selector yields no item at its first poll fails it (`monitor poll` exits
  1), whatever its container did, with a hint and the selector's FILE:LINE:COLUMN in
  watchlist.yaml: the admin who just added it learns the selector finds nothing (a typo, a page
  built by JavaScript) instead of "ok, 0 items" and a source that is never watched; a list that
  is truly empty today passes once it lists something;
- a listing that found items before and none now is a health warning ("layout changed?") and an
  incomplete poll, never "every item removed", whether or not its container is still there;
- a case page is one item whose text is the followed part of the page; a selector that matches
  nothing fails the poll (LayoutChanged), so an emptied page never reads as a deleted case.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from monitor.config import yamlpos
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
        where = await asyncio.to_thread(
            setting_position, inputs.watchlist_file, row.id, "item_selector"
        )
        raise FoundNothing(where + first_poll_found_nothing(row.id, config.item_selector, result))
    if not result.items and not result.matched_nothing:
        warnings.append(emptied(config.item_selector, row.items_seen))
    return Collected(
        items=result.items,
        full=True,
        complete=bool(result.items),
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


class FoundNothing(ParseError):
    """A new listing source's item selector found no item: the admin must look at it.

    Not permanent: a list that is empty today, or a page that was mid-update, passes later.
    """

    permanent = False


def first_poll_found_nothing(source_id: str, item_selector: str, result: PageResult) -> str:
    """What to tell the admin when a new listing source finds no item at all."""
    where = (
        "nothing on the page matches it"
        if result.matched_nothing
        else "its list is on the page but holds nothing it matches"
    )
    return (
        f"source {source_id!r}: item selector {item_selector!r} found no item at this source's "
        f"first poll ({where}): check the selector; the page may be built by JavaScript "
        "(redwatch reads the HTML as the server sends it: compare with the browser's "
        "view-source); a list that is empty today passes once it lists something"
    )


def emptied(item_selector: str, items_before: int) -> str:
    """The warning for a listing that read before and now lists nothing (its container is there)."""
    before = f"{items_before} at the last poll" if items_before else "items before"
    return (
        f"item selector {item_selector!r} found no item (it found {before}; layout changed?): "
        "nothing was marked removed"
    )


def setting_position(path: Path | None, source_id: str, setting: str) -> str:
    """`FILE:LINE:COLUMN: ` of a source's setting in watchlist.yaml, or "" if it cannot be told
    (no file, a file that changed since it was loaded, a source not written there)."""
    if path is None:
        return ""
    try:
        doc = yamlpos.load(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, yamlpos.YamlProblems):
        return ""
    sources = doc.data.get("sources") if isinstance(doc.data, dict) else None
    for index, source in enumerate(sources if isinstance(sources, list) else []):
        if isinstance(source, dict) and source.get("id") == source_id and setting in source:
            line, column = doc.position(("sources", index, setting))
            return f"{path}:{line}:{column}: "
    return ""


def _watch_key(config: WatchSource) -> str:
    key = f"watch:{config.person_id}:{canonical_url(config.url)}"
    # observations.key holds 512 characters; case-page URLs with long queries exist.
    return key if len(key) <= 512 else f"watch:{config.person_id}:sha256:{content_hash(key)}"
