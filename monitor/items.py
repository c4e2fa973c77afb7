"""The contract between collecting and recording: items with a stable key, what a collector is
given (`Inputs`) and what it hands back (`Collected`)."""

from __future__ import annotations

import hashlib
import json
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
    - `gone`: item keys whose own URL answered 404 in this poll (evidence of absence);
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
