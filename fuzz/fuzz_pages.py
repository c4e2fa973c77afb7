"""Fuzz the page path: parse_listing, extract_watched and extract_article_text.

    .venv/bin/python -m fuzz.fuzz_pages [libFuzzer options] [corpus folders]

The first byte picks the parser and its selector. A finding is any exception but the two a page
may raise on purpose (LayoutChanged: the followed part is gone; TooMuchMarkup: over the element
budget), any output that breaks fuzz/invariants.py, or an input past -timeout or -rss_limit_mb.
"""

from __future__ import annotations

import contextlib
import sys

import atheris  # type: ignore[import-untyped]

with atheris.instrument_imports(include=["monitor", "bs4", "soupsieve"]):
    from fuzz.invariants import check_items, check_text
    from monitor.pages.parse import (
        LayoutChanged,
        extract_article_text,
        extract_watched,
        parse_listing,
    )
    from monitor.text.html import TooMuchMarkup

URL = "https://court.example.org/hearings/"
LISTINGS = (
    ("ul.items > li", "a", ".title"),
    ("table.hearings tr", None, "td.case"),
    ("li", None, None),
)
SELECTORS = (None, "#status", "main article", "div.case, p")


def listing(body: bytes, headers: dict[str, str], pick: int) -> None:
    item, link, title = LISTINGS[pick % len(LISTINGS)]
    try:
        result = parse_listing(
            body,
            url=URL,
            headers=headers,
            item_selector=item,
            link_selector=link,
            title_selector=title,
        )
    except TooMuchMarkup:
        return
    check_items(result.items)


def watched(body: bytes, headers: dict[str, str], pick: int) -> None:
    with contextlib.suppress(LayoutChanged, TooMuchMarkup):
        text = extract_watched(body, url=URL, headers=headers, selector=SELECTORS[pick % 4])
        check_text(text, "watched")


def article(body: bytes, headers: dict[str, str], pick: int) -> None:
    check_text(extract_article_text(body, url=URL, headers=headers), "article")


PARSERS = (listing, watched, article)


def test_one_input(data: bytes) -> None:
    if len(data) < 2:
        return
    charset = ("utf-8", "windows-1251", "utf-7", "")[data[1] % 4]
    headers = {"content-type": f"text/html; charset={charset}"} if charset else {}
    PARSERS[data[0] % len(PARSERS)](data[2:], headers, data[0] // len(PARSERS))


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
