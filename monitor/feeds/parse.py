"""RSS and Atom feeds, parsed without I/O: bytes in, keyed items and an honest status out.

feedparser does the parsing. Around it, this module decodes the bytes (feedparser's fallbacks
turn a Russian feed without a declared charset into mojibake), sends the document through the
hardened XML check (monitor.text.xmlsafety), and turns every entry into an `Item` of plain text.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import feedparser

from monitor.feeds.jsonfeed import NotAJsonFeed, looks_like_json, parse_json_feed
from monitor.items import Item, ItemDraft, content_hash, finish_items
from monitor.text.decode import Decoded, charset_of, decode_bytes, header
from monitor.text.html import MAX_ELEMENTS, html_to_text, normalise_text, single_line
from monitor.text.urls import absolute_link, canonical_url, is_http_url
from monitor.text.xmlsafety import UnsafeXml, screen_xml


class FeedStatus(StrEnum):
    """How far the items of a FeedResult can be trusted to be the whole feed."""

    OK = "ok"  # parsed cleanly: `items` is everything the feed lists (maybe truly nothing)
    PARTIAL = "partial"  # ill-formed, items read leniently: an absent item proves nothing
    BROKEN = "broken"  # nothing could be read: an error of the source, not an empty feed
    REFUSED = "refused"  # unsafe XML (entity declarations, millions of elements): never parsed


@dataclass(frozen=True)
class FeedResult:
    """What a feed said, and how sure we are of it.

    - `bozo`: the document was not clean (ill-formed XML, wrong or missing charset, invalid
      bytes); it was parsed as far as possible anyway.
    - `status`: OK, PARTIAL, BROKEN or REFUSED (see FeedStatus). Only `complete` results may be
      compared with the previous poll to conclude that items were removed; a BROKEN or REFUSED
      feed with no items is a failing source, never "all items removed".
    """

    items: list[Item]
    warnings: list[str]
    bozo: bool
    title: str
    status: FeedStatus = FeedStatus.OK
    encoding: str = ""  # the charset the bytes were read in (kept with the evidence)

    @property
    def complete(self) -> bool:
        return self.status is FeedStatus.OK

    @property
    def broken(self) -> bool:
        return self.status in (FeedStatus.BROKEN, FeedStatus.REFUSED)


_XML_ENCODING = re.compile(
    rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']", re.IGNORECASE
)
_XML_DECLARATION = re.compile(r"^<\?xml[^>]*\?>")
_LOOKS_LIKE_MARKUP = re.compile(r"<[A-Za-z/!]")
# A start or end tag of an entry, with or without a namespace prefix (`<items>` of RSS 1.0 is
# not one). `[^<>]*` keeps every match short, so finding them all is linear in the document.
_ENTRY_TAG = re.compile(rb"<(/?)((?:[A-Za-z_][\w.-]*:)?(?:item|entry))(?=[\s/>])[^<>]*>")
# The character references feedparser's lenient parser reads (feedparser_sgmllib.charref).
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
_GUID_LIMIT = 500
_PLAIN_GUID = re.compile(r"[^\s<>\"'`\\]+")


def parse_feed(body: bytes, *, url: str, headers: Mapping[str, str]) -> FeedResult:
    """Parse an RSS 0.9x/1.0/2.0, Atom or JSON Feed into items. Never raises on bad input.

    - Bytes are decoded by `pages.decode_bytes` (BOM, HTTP charset, XML declaration, valid
      UTF-8, then a guess); the result goes to feedparser as UTF-8.
    - Documents declaring XML entities are REFUSED unparsed (monitor.text.xmlsafety says why), and
      so are documents with more than `pages.MAX_ELEMENTS` "<" (millions of elements).
    - Ill-formed documents are read by feedparser's lenient parser and flagged `bozo`; one that
      yields no entry (or is not a feed at all: an HTML error page) is BROKEN, never empty.
    - A JSON document is read as a JSON Feed (monitor.feeds.jsonfeed), validated; one that is
      not a valid JSON Feed is BROKEN and says so by name (never "ill-formed XML").
    - Every entry is an Item keyed as `items.finish_items` says (a GUID unique in the feed,
      else a link its entries share as one entry, else a content hash); title on one line and text as plain text (HTML, scripts and styles gone, entities
      decoded); links absolute (against xml:base, then the feed URL) and http(s) only;
      published (else updated) date in UTC, or None.
    - `raw` is the entry's own element, byte for byte, when the feed is in an ASCII-compatible
      encoding and every entry was found; otherwise the whole feed's bytes.
    """
    decoded = decode_bytes(body, _declared_encodings(body, headers))
    if looks_like_json(decoded.text):
        return _json_result(body, url, decoded)
    if decoded.text.count("<") > MAX_ELEMENTS:  # feedparser's tree would take gigabytes
        refusal = f"more than {MAX_ELEMENTS:,} elements: refused unparsed"
        return FeedResult([], [*decoded.warnings, refusal], True, "", FeedStatus.REFUSED)
    try:
        screened = screen_xml(_utf8_document(decoded.text))
    except UnsafeXml as error:
        return FeedResult([], [*decoded.warnings, str(error)], True, "", FeedStatus.REFUSED)
    try:
        parsed = feedparser.parse(
            io.BytesIO(screened.document),
            response_headers=_parser_headers(url, headers),
            # No HTML leaves this module: every field becomes plain text through html_to_text,
            # which drops scripts and styles itself. feedparser's sanitizer and URI rewriting of
            # content would only cost time and alter text (it leaves script bodies as text).
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as error:  # its lenient parser trips on stray end tags: "</gml:pos>"
        failed = f"the feed parser failed on this document ({type(error).__name__})"
        return FeedResult([], [*decoded.warnings, failed], True, "", FeedStatus.BROKEN)
    return _result(parsed, body, url, decoded)


def _json_result(body: bytes, url: str, decoded: Decoded) -> FeedResult:
    base = _base_url(url, None) or url
    warnings = list(decoded.warnings)
    try:
        title, drafts = parse_json_feed(decoded.text, base)
    except NotAJsonFeed as error:
        return FeedResult(
            [], [*warnings, str(error)], True, "", FeedStatus.BROKEN, decoded.encoding
        )
    drafts = [replace(draft, raw=body) for draft in drafts]  # an item's own bytes: unknowable
    items, key_warnings = finish_items(drafts, scope=base)
    return FeedResult(
        items,
        warnings + key_warnings,
        bool(decoded.warnings),
        title,
        FeedStatus.OK,
        decoded.encoding,
    )


def _declared_encodings(body: bytes, headers: Mapping[str, str]) -> list[str | None]:
    match = _XML_ENCODING.match(body[:1024])
    declared = match.group(1).decode("ascii") if match else None
    return [charset_of(header(headers, "content-type")), declared]


def _utf8_document(text: str) -> bytes:
    # Blank lines before "<?xml" (a PHP habit) make expat refuse the whole feed; they mean
    # nothing. The declaration must now say UTF-8, the encoding the text is handed on in.
    text = _CHAR_REF.sub(_xml_char_ref, text.lstrip("\ufeff \t\r\n"))
    return _XML_DECLARATION.sub('<?xml version="1.0" encoding="utf-8"?>', text, count=1).encode()


def _xml_char_ref(match: re.Match[str]) -> str:
    # feedparser's lenient parser turns "&#0;" into a NUL (PostgreSQL refuses it) and crashes
    # on a surrogate or a number past U+10FFFF: a reference to a character XML forbids is
    # read as U+FFFD, as browsers do.
    digits = (match.group(1) or match.group(2)).lstrip("0") or "0"
    code = int(digits, 16 if match.group(1) else 10) if len(digits) <= 8 else -1
    allowed = code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0x10FFFF
    return match.group(0) if allowed and code not in (0xFFFE, 0xFFFF) else "&#xFFFD;"


def _parser_headers(url: str, headers: Mapping[str, str]) -> dict[str, str]:
    parser_headers = {"content-type": "application/xml; charset=utf-8"}
    base = _base_url(url, header(headers, "content-location"))
    if base:
        parser_headers["content-location"] = base
    return parser_headers


def _base_url(url: str, content_location: str | None) -> str | None:
    # An http(s) Content-Location is where the document really lives; anything else
    # (a "javascript:" one included) is ignored.
    if not is_http_url(url):
        return None
    if content_location and is_http_url(content_location, url):
        return canonical_url(content_location, url)
    return canonical_url(url)


def _result(parsed: Any, body: bytes, url: str, decoded: Decoded) -> FeedResult:
    base = _base_url(url, None) or url
    warnings = list(decoded.warnings)
    warnings.extend(_bozo_warnings(parsed))
    entries = list(parsed.entries)
    raws = _entry_bytes(body, decoded.encoding, len(entries))
    drafts = [_draft(entry, base, raw) for entry, raw in zip(entries, raws, strict=True)]
    # Before per-entry identity, two entries with one link and one title were one article.
    items, key_warnings = finish_items(
        drafts, scope=base, legacy_identity=lambda draft: draft.title
    )
    warnings.extend(key_warnings)
    status = _status(parsed, items)
    if status is FeedStatus.BROKEN:
        warnings.append("no entry could be read: the source is failing, not empty")
    bozo = bool(parsed.bozo) or bool(decoded.warnings)
    return FeedResult(items, warnings, bozo, _feed_title(parsed), status, decoded.encoding)


def _status(parsed: Any, items: Sequence[Item]) -> FeedStatus:
    ill_formed = bool(parsed.bozo) or not parsed.get("version")
    if not items:
        return FeedStatus.BROKEN if ill_formed else FeedStatus.OK
    return FeedStatus.PARTIAL if ill_formed else FeedStatus.OK


def _bozo_warnings(parsed: Any) -> list[str]:
    warnings = []
    if parsed.bozo:
        warnings.append(
            f"ill-formed feed, read leniently: {_describe(parsed.get('bozo_exception'))}"
        )
    if not parsed.get("version"):
        warnings.append("not recognisable as RSS or Atom")
    return warnings


def _describe(error: object) -> str:
    message = getattr(error, "getMessage", None)
    line = getattr(error, "getLineNumber", None)
    if callable(message) and callable(line):
        return f"{message()} (line {line()})"
    return single_line(str(error), limit=200) or type(error).__name__


def _feed_title(parsed: Any) -> str:
    return single_line(_plain(parsed.feed.get("title_detail")))


def _draft(entry: Any, base: str, raw: bytes) -> ItemDraft:
    links = _links(entry, base)
    return ItemDraft(
        title=single_line(_plain(entry.get("title_detail"))),
        text=_entry_text(entry),
        url=absolute_link(entry.get("link"), base) or _alternate(links),
        guid=_guid(entry.get("id")),
        published_at=_published(entry),
        raw=raw,
        byline=_byline(entry),
        links=links,
    )


def _links(entry: Any, base: str) -> tuple[tuple[str, str, str], ...]:
    """Every http(s) link of the entry as (rel, type, href): alternates and enclosures alike."""
    found: list[tuple[str, str, str]] = []
    given = [(link, "alternate") for link in entry.get("links") or []]
    given += [(link, "enclosure") for link in entry.get("enclosures") or []]
    for link, default_rel in given:
        href = absolute_link(link.get("href") if isinstance(link, dict) else None, base)
        rel = str(link.get("rel") or default_rel) if href else ""
        if href and all((rel, href) != (r, h) for r, _, h in found):
            found.append((rel, str(link.get("type") or ""), href))
    return tuple(found)


def _alternate(links: Sequence[tuple[str, str, str]]) -> str | None:
    # feedparser makes `link` only of an HTML alternate; a court's opinion is often only a PDF.
    return next((href for rel, _, href in links if rel == "alternate"), None)


_EMAIL = re.compile(r"\S+@\S+")


def _byline(entry: Any) -> str:
    """The names of the entry's authors (RSS author, dc:creator, Atom author/name), no emails."""
    names = [_author_name(author) for author in entry.get("authors") or []]
    if not any(names):
        names = [_author_name(entry.get("author_detail") or {"name": entry.get("author")})]
    return "; ".join(dict.fromkeys(name for name in names if name))


def _author_name(author: Any) -> str:
    if not isinstance(author, dict):
        return ""
    name = author.get("name")
    if not isinstance(name, str):
        return ""
    return single_line(_EMAIL.sub(" ", html_to_text(name)).strip(" ()"), limit=300)


def _plain(detail: Any) -> str:
    """A feedparser text construct as plain text."""
    if not detail or not isinstance(detail.get("value"), str):
        return ""
    value: str = detail["value"]
    kind = str(detail.get("type") or "")
    # Feeds wrap markup in CDATA and call it text; tags in a title are never meant literally.
    if "html" in kind or _LOOKS_LIKE_MARKUP.search(value):
        return html_to_text(value)
    return normalise_text(value)


def _entry_text(entry: Any) -> str:
    candidates = [_plain(content) for content in entry.get("content") or []]
    candidates.append(_plain(entry.get("summary_detail")))
    # The longest of the full content and the summary: a teaser never hides the full text.
    return max(candidates, key=len)


def _guid(guid: object) -> str | None:
    if not isinstance(guid, str) or not guid.strip():
        return None
    guid = guid.strip()
    # Markup, quotes, spaces or a huge size in an identifier are broken or hostile: hashed,
    # the GUID still tells entries apart but never carries them into a key.
    if len(guid) > _GUID_LIMIT or not _PLAIN_GUID.fullmatch(guid):
        return "sha256:" + content_hash(guid)
    return guid


def _published(entry: Any) -> datetime | None:
    # feedparser gives these as UTC struct_time; a feed without any date is allowed.
    for field in ("published_parsed", "updated_parsed", "created_parsed"):
        # dict.get, not entry.get: feedparser's own lookup answers an absent "updated_parsed"
        # with "published_parsed" and a DeprecationWarning.
        value = dict.get(entry, field)
        if isinstance(value, time.struct_time):
            try:
                return datetime(*value[:6], tzinfo=UTC)
            except (ValueError, OverflowError):
                continue
    return None


def _entry_bytes(body: bytes, encoding: str, count: int) -> list[bytes]:
    """Each entry's own bytes, when they can be found with certainty; else the feed's bytes."""
    spans = _entry_spans(body) if _ascii_compatible(encoding) else None
    return spans if spans is not None and len(spans) == count else [body] * count


def _entry_spans(body: bytes) -> list[bytes] | None:
    # Pair start and end tags in order; anything unexpected (nesting, a stray end tag, an
    # unclosed entry, an entry tag inside CDATA) gives up rather than guess.
    spans: list[bytes] = []
    start: int | None = None
    for tag in _ENTRY_TAG.finditer(body):
        closing, self_closing = tag.group(1) == b"/", tag.group(0).endswith(b"/>")
        if closing and start is not None:
            spans.append(body[start : tag.end()])
            start = None
        elif not closing and start is None and self_closing:
            spans.append(tag.group(0))
        elif not closing and start is None:
            start = tag.start()
        else:
            return None
    return spans if start is None else None


def _ascii_compatible(encoding: str) -> bool:
    # In these, "<item>" is the same bytes as in ASCII and "<" never occurs inside a
    # multi-byte character, so a byte search finds the entries.
    if encoding.startswith(("utf-16", "utf-32", "iso2022", "hz", "cp037", "utf-7")):
        return False
    return "<item></item>".encode(encoding, "replace") == b"<item></item>"
