"""What every parser's output must satisfy, whatever the input (shared by the fuzz harnesses).

- an item's key fits `observations.key` (512 characters) and its text can be stored anywhere:
  no NUL (PostgreSQL refuses it) and no lone surrogate (no database can encode it);
- a title is one line; a link is absent or http(s).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from monitor.items import Item

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_BREAKS = re.compile(r"[\r\n\x0b\x0c\x85\u2028\u2029]")


def check_text(text: str, what: str) -> None:
    if _UNSTORABLE.search(text):
        raise AssertionError(f"{what} holds a NUL or a lone surrogate: {text[:80]!r}")


def check_items(items: Iterable[Item]) -> None:
    for item in items:
        if len(item.key) > 512:
            raise AssertionError(f"key of {len(item.key)} characters")
        check_text(item.key, "key")
        check_text(item.title, "title")
        check_text(item.text, "text")
        if _BREAKS.search(item.title):
            raise AssertionError(f"title on several lines: {item.title[:80]!r}")
        if item.url is not None and not re.match(r"https?://", item.url):
            raise AssertionError(f"link that is not http(s): {item.url[:80]!r}")
