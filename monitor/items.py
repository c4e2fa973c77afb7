"""What every source parser returns: items with a stable key, ready to be stored and matched."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


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
