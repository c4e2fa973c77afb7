"""The contract between collecting and recording: items with a stable key, what a collector is
given (`Inputs`) and what it hands back (`Collected`)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from monitor.config.watchlist import Person
    from monitor.http import HttpClient
    from monitor.matching import Record

K = TypeVar("K")


def content_hash(*parts: str) -> str:
    """SHA-256 over the parts that define an item's content (joined with a unit separator)."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Item:
    """One thing a source published: a notice, a feed entry, a listing row, a watched page.

    - `key` is stable across polls and unique across sources: the same article reached through
      two feeds has one key (`url:<canonical url>`, `guid:<feed guid>`, `interpol:red:2014/12345`).
    - `data` holds the structured fields a parser extracted (INTERPOL names, birth date...).
    - `raw` is the bytes this item came from, kept as evidence when the item produces an event.
    """

    key: str
    title: str
    text: str = ""
    url: str | None = None
    published_at: datetime | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    raw: bytes = b""

    @property
    def content_hash(self) -> str:
        return content_hash(
            self.title, self.text, json.dumps(self.data, sort_keys=True, default=str)
        )


@dataclass
class Collected:
    """What a collector brings back from the network, parsed.

    - `items` are all the items seen; `full` says they are the source's whole current list (a feed,
      a listing page, a complete INTERPOL sweep) and `complete` that the list is known to be
      complete, so an absence means something;
    - `not_modified`: the server answered 304; nothing to parse or match;
    - `gone`: item keys whose own URL answered 404 in this poll (evidence of absence), `found`
      those whose own URL answered 200 although no list showed them, `unchecked` those whose own
      URL could not be asked or gave no answer (why); `absent`: items a fully read part of the
      list showed absent; `healthy`: the list was read healthy, so a 404 may count;
    - `evidence`: raw responses to keep, by item key.
    """

    items: list[Item] = field(default_factory=list)
    full: bool = True
    complete: bool = True
    not_modified: bool = False
    requests: int = 0
    coverage: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    gone: dict[str, Any] = field(default_factory=dict)
    found: set[str] = field(default_factory=set)
    unchecked: dict[str, str] = field(default_factory=dict)
    absent: set[str] = field(default_factory=set)
    healthy: bool = False
    evidence: dict[str, list[Any]] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    blocked: bool = False
    # Whether this poll saw enough of the source to end its first-scan (baseline) period.
    baseline_ready: bool = True


@dataclass(frozen=True)
class Inputs(Generic[K]):
    """What a collector is given besides its source's row and config: no session, no runtime.

    - `http`: the shared polite client; `now`: the time the poll started collecting;
    - `people`: the watched people (INTERPOL's fast path asks by their nationalities, a targeted
      source by their surnames; a notice id listed in watchlist.yaml has its detail read);
    - `may_concern`: whether structured fields (a notice's names, birth date, nationalities) may
      concern a watched person, i.e. the matcher's pre-filter as a yes/no question;
    - `known`: the read-only snapshot of what the store already holds that the source type reads
      before collecting (see `poll.SOURCE_TYPES`).
    """

    http: HttpClient
    now: datetime
    people: Sequence[Person]
    may_concern: Callable[[Record], bool]
    known: K


# --------------------------------------------------------------------------------------------
# From parsed entries to keyed items (shared with feeds.py)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemDraft:
    """An entry before it has a key: what a parser read from one feed entry or listing row."""

    title: str
    text: str
    url: str | None = None
    guid: str | None = None
    published_at: datetime | None = None
    raw: bytes = b""
    byline: str = ""  # a feed entry's authors, matched as a name field (issue 16)

    @property
    def content_key(self) -> str:
        return "hash:" + content_hash(self.title, self.text)


_URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S")
_KEY_LIMIT = 512  # the length of observations.key (PostgreSQL refuses a longer one)


def finish_items(
    drafts: Sequence[ItemDraft],
    *,
    scope: str,
    identity: Callable[[ItemDraft], str] = lambda draft: draft.content_key,
) -> tuple[list[Item], list[str]]:
    """Give every draft its stable key and merge repeats.

    - Key: `url:<canonical link>`; else `guid:<guid>` (a GUID that is not a URI, like "123",
      is prefixed with the source URL `scope`, as it is only unique within its source);
      else `hash:<content hash>` of title and text. Keys longer than 512 characters are hashed.
    - A link shared by entries that are not the same (by `identity`: a feed whose every entry
      links to the home page) identifies none of them: they fall back to GUID or content.
    - Entries with the same key are one item, at the place of the first; the one with the
      longest text is kept (a full article wins over its teaser).
    """
    shared = _shared_links(drafts, identity)
    kept: dict[str, ItemDraft] = {}
    for draft in drafts:
        key = _key(draft, scope, shared)
        if key not in kept or len(draft.text) > len(kept[key].text):
            kept[key] = draft
    warnings = []
    if shared:
        warnings.append(f"{len(shared)} links are shared by different entries")
    if len(kept) < len(drafts):
        warnings.append(f"{len(drafts) - len(kept)} repeated entries merged")
    return [_item(draft, key) for key, draft in kept.items()], warnings


def _shared_links(drafts: Sequence[ItemDraft], identity: Callable[[ItemDraft], str]) -> set[str]:
    seen: dict[str, set[str]] = {}
    for draft in drafts:
        if draft.url:
            seen.setdefault(draft.url, set()).add(identity(draft))
    return {url for url, identities in seen.items() if len(identities) > 1}


def _key(draft: ItemDraft, scope: str, shared: set[str]) -> str:
    key = _plain_key(draft, scope, shared)
    if len(key) <= _KEY_LIMIT:
        return key
    # A 100 KB link or GUID (hostile or broken) must not become a 100 KB database key.
    kind = key.partition(":")[0]
    return f"{kind}:sha256:{content_hash(key)}"


def _plain_key(draft: ItemDraft, scope: str, shared: set[str]) -> str:
    if draft.url and draft.url not in shared:
        return f"url:{draft.url}"
    if draft.guid:
        return (
            f"guid:{draft.guid}" if _URI_SCHEME.match(draft.guid) else f"guid:{scope}#{draft.guid}"
        )
    return draft.content_key


def _item(draft: ItemDraft, key: str) -> Item:
    return Item(
        key=key,
        title=draft.title,
        text=draft.text,
        url=draft.url,
        published_at=draft.published_at,
        data={"byline": draft.byline} if draft.byline else {},
        raw=draft.raw,
    )
