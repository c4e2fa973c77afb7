"""JSON Feed (https://jsonfeed.org, versions 1 and 1.1), read without I/O: plain JSON validated
by pydantic models, each item an `ItemDraft` for the same keys and text as RSS and Atom.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from monitor.items import ItemDraft
from monitor.text.html import html_to_text, normalise_text, single_line
from monitor.text.urls import absolute_link

VERSION_PREFIX = "https://jsonfeed.org/version/"


class NotAJsonFeed(ValueError):
    """JSON that is no JSON Feed, or a JSON Feed that breaks its specification (says where)."""


class _Model(BaseModel):
    # Feeds carry extensions ("_custom" objects, fields of later versions): ignored, not refused.
    model_config = ConfigDict(extra="ignore")


class Author(_Model):
    name: str | None = None


class Attachment(_Model):
    url: str
    mime_type: str | None = None


class JsonItem(_Model):
    id: str
    url: str | None = None
    external_url: str | None = None
    title: str | None = None
    content_html: str | None = None
    content_text: str | None = None
    summary: str | None = None
    date_published: datetime | None = None
    date_modified: datetime | None = None
    author: Author | None = None  # version 1
    authors: list[Author] | None = None  # version 1.1
    attachments: list[Attachment] | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: object) -> object:
        # Version 1 allowed numbers; 1.1 says "string", and feeds in the wild still send ints.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class JsonFeed(_Model):
    version: str
    title: str
    home_page_url: str | None = None
    items: list[JsonItem]

    @field_validator("version")
    @classmethod
    def _known_version(cls, value: str) -> str:
        if not value.startswith(VERSION_PREFIX):
            raise ValueError(f"not a JSON Feed version URL ({VERSION_PREFIX}...)")
        return value


def looks_like_json(text: str) -> bool:
    """A document whose first character is "{": JSON, never RSS or Atom."""
    return text.lstrip("\ufeff \t\r\n").startswith("{")


def parse_json_feed(text: str, base: str) -> tuple[str, list[ItemDraft]]:
    """The feed's title and its items; raises NotAJsonFeed saying what is wrong and where.

    - `id` identifies the item (numbers are read as text); `url`, else `external_url`, is its
      link; the text is `content_html` as plain text, else `content_text`, else `summary`.
    - authors (`authors`, or version 1's `author`) make the byline; attachments of any type
      and `external_url` are kept as links.
    """
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise NotAJsonFeed(f"not valid JSON ({type(error).__name__})") from None
    if not isinstance(document, dict) or "version" not in document:
        raise NotAJsonFeed("JSON without a JSON Feed version: not a feed (RSS, Atom or JSON Feed)")
    try:
        feed = JsonFeed.model_validate(document)
    except ValidationError as error:
        raise NotAJsonFeed(f"JSON Feed refused: {_first_problem(error)}") from None
    return single_line(feed.title), [_draft(item, base) for item in feed.items]


def _first_problem(error: ValidationError) -> str:
    problems = error.errors()
    first = problems[0]
    where = ".".join(str(part) for part in first["loc"]) or "the document"
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{where}: {first['msg']}{more}"


def _draft(item: JsonItem, base: str) -> ItemDraft:
    links = [("alternate", "", item.url), ("related", "", item.external_url)]
    links += [("enclosure", a.mime_type or "", a.url) for a in item.attachments or []]
    absolute = tuple(
        (rel, kind, href) for rel, kind, href in links if href and absolute_link(href, base)
    )
    return ItemDraft(
        title=single_line(item.title or ""),
        text=_text(item),
        url=absolute_link(item.url, base) or absolute_link(item.external_url, base),
        guid=item.id.strip() or None,
        published_at=_utc(item.date_published or item.date_modified),
        byline=", ".join(dict.fromkeys(a.name.strip() for a in _authors(item) if a.name)),
        links=tuple((rel, kind, absolute_link(href, base) or href) for rel, kind, href in absolute),
    )


def _text(item: JsonItem) -> str:
    if item.content_html:
        return html_to_text(item.content_html)
    return normalise_text(item.content_text or item.summary or "")


def _authors(item: JsonItem) -> list[Author]:
    return item.authors or ([item.author] if item.author else [])


def _utc(when: datetime | None) -> datetime | None:
    if when is None:
        return None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
