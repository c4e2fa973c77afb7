"""JSON Feed: read as the plain JSON it is, validated, or refused by its name."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from monitor.feeds.parse import FeedStatus, parse_feed

URL = "https://court.example.org/opinions/feed.json"


def feed(items: list[dict[str, Any]], version: str = "https://jsonfeed.org/version/1.1") -> bytes:
    document = {"version": version, "title": "Opinions", "items": items, "_custom": {"x": 1}}
    return json.dumps(document, ensure_ascii=False).encode()


def test_a_json_feed_is_read_into_keyed_items_with_bylines_and_attachments() -> None:
    body = feed(
        [
            {
                "id": "op-20-5101",
                "url": "/opinions/20-5101",
                "title": "Judgment in Case 20-5101",
                "content_html": "<p>Judgment against <b>Talal Al-Zahrani</b>.</p><script>x()</script>",
                "date_published": "2026-11-30T17:00:00+01:00",
                "authors": [{"name": "Judge Ann Roe"}],
                "attachments": [{"url": "/opinions/20-5101.pdf", "mime_type": "application/pdf"}],
            }
        ]
    )
    result = parse_feed(body, url=URL, headers={"content-type": "application/feed+json"})
    assert (result.status, result.title, result.warnings) == (FeedStatus.OK, "Opinions", [])
    [item] = result.items
    assert item.key == f"guid:{URL}#op-20-5101"
    assert item.url == "https://court.example.org/opinions/20-5101"
    assert item.text == "Judgment against Talal Al-Zahrani."
    assert item.byline == "Judge Ann Roe"
    assert item.published_at == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert (
        "enclosure",
        "application/pdf",
        "https://court.example.org/opinions/20-5101.pdf",
    ) in item.links


def test_a_version_1_feed_with_numeric_ids_and_one_author_is_read() -> None:
    body = feed(
        [{"id": 7, "content_text": "Hearing of Nail Malyutin.", "author": {"name": "Clerk"}}],
        version="https://jsonfeed.org/version/1",
    )
    [item] = parse_feed(body, url=URL, headers={}).items
    assert (item.key, item.text, item.byline) == (
        f"guid:{URL}#7",
        "Hearing of Nail Malyutin.",
        "Clerk",
    )


def test_a_json_feed_that_breaks_the_specification_is_refused_by_name() -> None:
    result = parse_feed(feed([{"title": "no id"}]), url=URL, headers={})
    assert result.status is FeedStatus.BROKEN and result.items == []
    assert result.warnings == ["JSON Feed refused: items.0.id: Field required"]
    assert not any("XML" in warning or "ill-formed" in warning for warning in result.warnings)


def test_json_that_is_no_feed_is_refused_by_name() -> None:
    result = parse_feed(b'{"error": "rate limited"}', url=URL, headers={})
    assert result.status is FeedStatus.BROKEN
    assert result.warnings == [
        "JSON without a JSON Feed version: not a feed (RSS, Atom or JSON Feed)"
    ]


def test_deeply_nested_json_is_refused_without_a_crash() -> None:
    result = parse_feed(
        b'{"version": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", url=URL, headers={}
    )
    assert result.status is FeedStatus.BROKEN and "not valid JSON" in result.warnings[0]
