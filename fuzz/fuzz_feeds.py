"""Fuzz the feed path: screen_xml, then parse_feed (feedparser with our decoding around it).

    .venv/bin/python -m fuzz.fuzz_feeds [libFuzzer options] [corpus folders]

A finding is any exception other than the refusal screen_xml is allowed to raise (UnsafeXml),
any output that breaks fuzz/invariants.py, a broken feed that still lists items, or an input
that runs past libFuzzer's -timeout or -rss_limit_mb.
"""

from __future__ import annotations

import contextlib
import sys

import atheris  # type: ignore[import-untyped]

with atheris.instrument_imports(include=["monitor", "feedparser", "defusedxml"]):
    from fuzz.invariants import check_items, check_text
    from monitor.feeds.parse import parse_feed
    from monitor.text.xmlsafety import UnsafeXml, screen_xml

CONTENT_TYPES = (
    "application/rss+xml",
    "application/xml; charset=utf-8",
    "text/xml; charset=windows-1251",
    "text/html; charset=iso-8859-1",
    "application/atom+xml; charset=utf-16",
    "text/plain; charset=utf-7",
    "",
)


def test_one_input(data: bytes) -> None:
    if not data:
        return
    content_type = CONTENT_TYPES[data[0] % len(CONTENT_TYPES)]
    body = data[1:]
    with contextlib.suppress(UnsafeXml):
        screen_xml(body)
    result = parse_feed(
        body, url="https://news.example.org/feed", headers={"content-type": content_type}
    )
    if result.broken and result.items:
        raise AssertionError("a broken or refused feed listed items")
    check_items(result.items)
    check_text(result.title, "feed title")


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
