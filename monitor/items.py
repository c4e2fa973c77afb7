"""The contract between collecting and recording: items with a stable key, what a collector is
given (`Inputs`) and what it hands back (`Collected`)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from monitor.text.notes import Note

if TYPE_CHECKING:
    from monitor.config.watchlist import WatchedPerson
    from monitor.http import HttpClient
    from monitor.matching import Record

K = TypeVar("K")


def content_hash(*parts: str) -> str:
    """SHA-256 over the parts that define an item's content (joined with a unit separator)."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Item:
    """One thing a source published: a notice, a feed entry, a listing row, a watched page.

    - `key` is stable across polls and unique within its source (`guid:<feed guid>`,
      `url:<canonical url>`, `hash:<content>`, `interpol:red:2014/12345`); two sources sharing
      a URL each have their own item.
    - `aliases`: keys an earlier version of the parser gave this item (rows stored under them
      are this item's).
    - `twins`: keys the same rule gives this very entry in another fetch, where other entries
      share (or stop sharing) its GUID or link: a row stored under one with this item's very
      content is this item's, so an entry is never new again for what stood beside it.
    - `byline`: the author(s) a feed names for the entry, matched as their own field.
    - `links`: every (rel, type, href) the entry carries: alternates, enclosures of any type.
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
    aliases: tuple[str, ...] = ()
    byline: str = ""
    links: tuple[tuple[str, str, str], ...] = ()
    twins: tuple[str, ...] = ()

    @property
    def content_hash(self) -> str:
        parts = [self.title, self.text, json.dumps(self.data, sort_keys=True, default=str)]
        # Only when present, so the items stored before bylines were read keep their hash.
        return content_hash(*parts, *([self.byline] if self.byline else []))


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
    - `evidence`: raw responses to keep, by item key;
    - `response`: how the source's document was fetched (url, status, headers, media_type,
      charset), kept with every item's evidence.
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
    response: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Inputs(Generic[K]):
    """What a collector is given besides its source's row and config: no session, no runtime.

    - `http`: the shared polite client; `now`: the time the poll started collecting;
    - `people`: the watched people (INTERPOL's fast path asks by their nationalities, a targeted
      source by their surnames; a notice id listed in watchlist.yaml has its detail read);
    - `may_concern`: whether structured fields (a notice's names, birth date, nationalities) may
      concern a watched person, i.e. the matcher's pre-filter as a yes/no question;
    - `known`: the read-only snapshot of what the store already holds that the source type reads
      before collecting (see `poll.SOURCE_TYPES`);
    - `watchlist_file`: the file the sources were written in, so a problem with a source's
      setting can point at its line (None when the sources came from elsewhere).
    """

    http: HttpClient
    now: datetime
    people: Sequence[WatchedPerson]
    may_concern: Callable[[Record], bool]
    known: K
    watchlist_file: Path | None = None


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
    byline: str = ""
    links: tuple[tuple[str, str, str], ...] = ()

    @property
    def content_key(self) -> str:
        return "hash:" + content_hash(self.title, self.text)

    @property
    def entry_key(self) -> str:
        """The key of an entry whose GUID and link other entries share: its content and its
        date (a case's second "[Order]" filed a day later is another entry). An entry with
        neither GUID nor link is its content alone."""
        if not (self.guid or self.url):
            return self.content_key
        published = self.published_at.isoformat() if self.published_at else ""
        return "hash:" + content_hash(
            self.guid or "", self.url or "", self.title, self.text, published
        )


_URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S")
_KEY_LIMIT = 512  # the length of observations.key (PostgreSQL refuses a longer one)


def finish_items(
    drafts: Sequence[ItemDraft],
    *,
    scope: str,
    legacy_identity: Callable[[ItemDraft], str] | None = None,
) -> tuple[list[Item], list[str]]:
    """Give every draft the key that identifies it within its source, and merge true repeats.

    - Key: `guid:<guid>` when the GUID is usable (every entry carrying it is the same entry);
      else `url:<canonical link>` when the link is usable in the same sense (and always when
      one entry is listed under several GUIDs, as a teaser and its full text); else
      `hash:<content hash>` of GUID, link, title, text and date (of title and text alone for
      an entry with neither GUID nor link). A GUID that is not a URI ("123") is prefixed
      with the source URL `scope`. Keys longer than 512 characters are hashed.
    - The key depends on what stands beside the entry in this fetch (a case's lone entry has
      the docket's GUID to itself; beside another it has not), so each item's `twins` hold the
      keys the same rule gives it in another fetch: the store finds it under any of them.
    - Two drafts are the same entry when they have the same title and date and one text is the
      other's teaser (equal, empty, or a prefix of it): a PACER feed's entries of one case share
      the docket link and the caption but each has its own GUID (or its own text, or date), so
      each is its own item; an article listed twice with a teaser and its full text is one.
    - Entries with the same key are one item, at the place of the first; the longest text wins.
    - Each item's `aliases` hold the key the previous rule gave it (link first; a link was
      shared when its entries differed by `legacy_identity`, their content by default), so rows
      stored under it are found again after an upgrade.
    """
    unusable_guids = _unusable(drafts, lambda d: d.guid)
    unusable_links = _unusable(drafts, lambda d: d.url)
    republished = _republished(drafts, unusable_links)
    legacy_shared = _legacy_shared_links(drafts, legacy_identity)
    kept: dict[str, ItemDraft] = {}
    aliases: dict[str, list[str]] = {}
    for draft in drafts:
        key = _limited(_plain_key(draft, scope, unusable_guids, unusable_links, republished))
        if key not in kept or len(draft.text) > len(kept[key].text):
            kept[key] = draft
        # The previous rules' keys: the docket link before per-entry identity, and the content
        # alone (without GUID, link and date) for an entry whose GUID and link are shared.
        earlier = [_legacy_key(draft, scope, legacy_shared)]
        if key == _limited(draft.entry_key):
            earlier.append(draft.content_key)
        for legacy in earlier:
            legacy = _limited(legacy)
            if legacy != key and legacy not in aliases.setdefault(key, []):
                aliases[key].append(legacy)
    warnings: list[str] = []
    if unusable_links:
        warnings.append(Note(f"{len(unusable_links)} links are shared by different entries"))
    if len(kept) < len(drafts):
        warnings.append(Note(f"{len(drafts) - len(kept)} repeated entries merged"))
    items = [
        _item(draft, key, aliases.get(key, ()), _twins(draft, key, scope))
        for key, draft in kept.items()
    ]
    return items, warnings


def same_entry(a: ItemDraft, b: ItemDraft) -> bool:
    """One entry listed twice: the same title and date, and one text is the other's teaser."""
    if a.title != b.title:
        return False
    if a.published_at and b.published_at and a.published_at != b.published_at:
        return False
    short, long = sorted((_teaser(a.text), _teaser(b.text)), key=len)
    return long.startswith(short)


def _teaser(text: str) -> str:
    # "Read more…" endings make a teaser; the words before them are what the full text starts with.
    return text.rstrip().removesuffix("…").removesuffix("...").rstrip()


def _unusable(
    drafts: Sequence[ItemDraft],
    value: Callable[[ItemDraft], str | None],
) -> set[str]:
    """The values (GUIDs or links) carried by entries that are not all the same entry."""
    groups: dict[str, list[ItemDraft]] = {}
    for draft in drafts:
        if found := value(draft):
            groups.setdefault(found, []).append(draft)
    unusable = set()
    for found, group in groups.items():
        longest = max(group, key=lambda draft: len(draft.text))
        if not all(same_entry(draft, longest) for draft in group):
            unusable.add(found)
    return unusable


def _limited(key: str) -> str:
    if len(key) <= _KEY_LIMIT:
        return key
    # A 100 KB link or GUID (hostile or broken) must not become a 100 KB database key.
    kind = key.partition(":")[0]
    return f"{kind}:sha256:{content_hash(key)}"


def _republished(drafts: Sequence[ItemDraft], unusable_links: set[str]) -> set[str]:
    """Links of one entry listed under several GUIDs (a teaser and the full text)."""
    guids: dict[str, set[str | None]] = {}
    for draft in drafts:
        if draft.url and draft.url not in unusable_links:
            guids.setdefault(draft.url, set()).add(draft.guid)
    return {url for url, found in guids.items() if len(found) > 1}


def _plain_key(
    draft: ItemDraft,
    scope: str,
    unusable_guids: set[str],
    unusable_links: set[str],
    republished: set[str],
) -> str:
    if draft.url in republished:
        return f"url:{draft.url}"
    if draft.guid and draft.guid not in unusable_guids:
        return _guid_key(draft.guid, scope)
    if draft.url and draft.url not in unusable_links:
        return f"url:{draft.url}"
    return draft.entry_key


def _twins(draft: ItemDraft, key: str, scope: str) -> tuple[str, ...]:
    """The keys this entry has in a fetch where its GUID or its link is shared, or is not."""
    if not (draft.guid or draft.url):
        return ()
    candidates = [
        _guid_key(draft.guid, scope) if draft.guid else None,
        f"url:{draft.url}" if draft.url else None,
        draft.entry_key,
    ]
    limited = dict.fromkeys(_limited(twin) for twin in candidates if twin is not None)
    return tuple(twin for twin in limited if twin != key)


def _guid_key(guid: str, scope: str) -> str:
    return f"guid:{guid}" if _URI_SCHEME.match(guid) else f"guid:{scope}#{guid}"


def _legacy_shared_links(
    drafts: Sequence[ItemDraft], identity: Callable[[ItemDraft], str] | None
) -> set[str]:
    # The rule before per-entry identity: a link was shared when entries with it had different
    # identities (titles for feeds, contents for pages).
    of = identity or (lambda draft: draft.content_key)
    seen: dict[str, set[str]] = {}
    for draft in drafts:
        if draft.url:
            seen.setdefault(draft.url, set()).add(of(draft))
    return {url for url, identities in seen.items() if len(identities) > 1}


def _legacy_key(draft: ItemDraft, scope: str, shared: set[str]) -> str:
    if draft.url and draft.url not in shared:
        return f"url:{draft.url}"
    if draft.guid:
        return _guid_key(draft.guid, scope)
    return draft.content_key


def _item(draft: ItemDraft, key: str, aliases: Sequence[str], twins: tuple[str, ...]) -> Item:
    return Item(
        key=key,
        title=draft.title,
        text=draft.text,
        url=draft.url,
        published_at=draft.published_at,
        raw=draft.raw,
        aliases=tuple(aliases),
        byline=draft.byline,
        links=draft.links,
        twins=twins,
    )
