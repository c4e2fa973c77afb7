"""What every source parser returns: items with a stable key, ready to be stored and matched."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


def content_hash(*parts: str) -> str:
    """SHA-256 over the parts that define an item's content (joined with a unit separator)."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


class Note(str):
    """A benign remark about a poll, not a problem of the source: an encoding guessed right,
    true repeats merged, links shared by entries told apart otherwise.

    A warning is a plain `str`; a `Note` is kept in the poll's warnings (its summary line and
    log) but never makes the source "degraded" nor appears among the digest's source problems.
    """

    __slots__ = ()


def problems(warnings: Sequence[str]) -> list[str]:
    """The warnings that are real problems (not notes)."""
    return [warning for warning in warnings if not isinstance(warning, Note)]


@dataclass(frozen=True)
class Item:
    """One thing a source published: a notice, a feed entry, a listing row, a watched page.

    - `key` is stable across polls and unique within its source (`guid:<feed guid>`,
      `url:<canonical url>`, `hash:<content>`, `interpol:red:2014/12345`); two sources sharing
      a URL each have their own item.
    - `aliases`: keys an earlier version of the parser gave this item (rows stored under them
      are this item's).
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

    @property
    def content_hash(self) -> str:
        parts = [self.title, self.text, json.dumps(self.data, sort_keys=True, default=str)]
        # Only when present, so the items stored before bylines were read keep their hash.
        return content_hash(*parts, *([self.byline] if self.byline else []))
