"""News material for end-to-end tests: the real ODF texts and an RSS builder."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

from tests.paths import FIXTURES

NEWS = (FIXTURES / "matching" / "odf_news_2013_2020.txt").read_text(encoding="utf-8").splitlines()
ARREST_RU = "В Киеве задержан Муратбек Кетебаев по запросу Казахстана об экстрадиции."
UNRELATED = "The city council approved a new budget for public libraries on Tuesday."


def rss(entries: list[tuple[str, str, str]]) -> bytes:
    """entries: (guid/link path, title, description)."""
    when = format_datetime(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    items = "".join(
        f"<item><title>{escape(title)}</title><link>https://news.example.org{link}</link>"
        f"<guid>https://news.example.org{link}</guid><pubDate>{when}</pubDate>"
        f"<description>{escape(text)}</description></item>"
        for link, title, text in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>News</title>'
        f"<link>https://news.example.org/</link>{items}</channel></rss>"
    ).encode()
