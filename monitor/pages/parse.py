"""HTML sources, parsed without I/O: listing pages, watched pages, article text, readable diffs.

Also the text helpers every source shares: decoding bytes, HTML to plain text, single-line titles,
and turning parsed entries into keyed `Item`s.
"""

from __future__ import annotations

import codecs
import difflib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import unescape
from typing import Any

import soupsieve
from bs4 import BeautifulSoup, Tag
from bs4.builder._htmlparser import BeautifulSoupHTMLParser, HTMLParserTreeBuilder
from bs4.element import NavigableString, PreformattedString
from bs4.exceptions import ParserRejectedMarkup

from monitor.exc import ConfigError, ParseError
from monitor.items import Item, Note, content_hash
from monitor.text.urls import canonical_url, is_http_url

# --------------------------------------------------------------------------------------------
# Decoding bytes
# --------------------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
# Labels servers and documents use that Python does not know, or that browsers read differently
# (WHATWG Encoding Standard: "iso-8859-1" and "us-ascii" mean windows-1252).
_LABEL_ALIASES = {
    "x-cp1251": "cp1251",
    "win-1251": "cp1251",
    "x-cp1252": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "x-sjis": "shift_jis",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "tis-620": "cp874",
    "koi8-r": "koi8-u",
}
# Python codecs that are not character sets a web page can legitimately be in (UTF-7 is a known
# script-smuggling vector; the escape codecs would turn bytes into arbitrary characters).
_REFUSED_CODECS = frozenset(
    {"utf-7", "unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined"}
)
_CHARSET_PARAM = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE)
_META_CHARSET = re.compile(
    rb"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE
)
# XML 1.0 and HTML both forbid these; they only ever come from broken or hostile documents.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HIGH_BYTES = bytes(range(0x80))  # translate(None, delete=...) keeps only bytes >= 0x80
_ASCII_LETTERS = bytes(b for b in range(256) if not chr(b).isascii() or not chr(b).isalpha())


@dataclass(frozen=True)
class Decoded:
    """Text decoded from bytes, the codec used, and what was odd about it."""

    text: str
    encoding: str
    warnings: tuple[str, ...] = ()


def header(headers: Mapping[str, str], name: str) -> str | None:
    """The value of an HTTP header, whatever the case of its name in `headers`."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def charset_of(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type value, if any."""
    match = _CHARSET_PARAM.search(content_type or "")
    return match.group(1) if match else None


def decode_bytes(body: bytes, declared: Sequence[str | None] = ()) -> Decoded:
    """Decode a fetched document, trusting evidence in the order that rarely lies.

    - A byte order mark wins; then UTF-16/32 recognised by its zero bytes.
    - Bytes that are valid UTF-8 are UTF-8, whatever was declared (a server's default
      "ISO-8859-1" in front of a UTF-8 page is the common lie; the reverse never decodes).
    - Then the `declared` labels in order (HTTP charset first, then the document's own), the
      first that decodes without error.
    - Then the first declared encoding (UTF-8 if none) with the bad bytes replaced by U+FFFD,
      when fewer than half of the non-ASCII bytes are bad: a UTF-8 feed with one broken byte
      keeps all its other letters.
    - Else a guess from byte statistics: windows-1251 or KOI8 for Cyrillic text, else
      windows-1252; always with a warning.
    - Control characters (other than tab, CR, LF) are removed.
    """
    text, encoding, warnings = _decode(body, _codecs_of(declared))
    cleaned = _CONTROL_CHARS.sub("", text)
    if len(cleaned) != len(text):
        warnings.append(f"removed {len(text) - len(cleaned)} control characters (NUL...)")
    return Decoded(cleaned, encoding, tuple(warnings))


def decode_html(body: bytes, headers: Mapping[str, str]) -> Decoded:
    """Decode an HTML page: charset from the HTTP header, then `<meta>`, then the bytes."""
    declared = [charset_of(header(headers, "content-type")), _meta_charset(body)]
    return decode_bytes(body, declared)


def _meta_charset(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:16384])
    return match.group(1).decode("ascii") if match else None


def _codecs_of(labels: Sequence[str | None]) -> list[str]:
    found: list[str] = []
    for label in labels:
        codec = _codec(label)
        if codec and codec not in found:
            found.append(codec)
    return found


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    try:
        name = codecs.lookup(_LABEL_ALIASES.get(label, label)).name
        b"".decode(name)  # LookupError for codecs that are not text encodings (rot13, zlib)
    except LookupError:
        return None
    return None if name in _REFUSED_CODECS else name


def _decode(body: bytes, declared: list[str]) -> tuple[str, str, list[str]]:
    bom = _bom(body)
    if bom:
        return _lenient(body[len(bom[0]) :], bom[1])
    wide = _sniff_wide(body)
    if wide:
        return _lenient(body, wide)
    try:
        return body.decode("utf-8"), "utf-8", _override_warning(declared, "utf-8", body)
    except UnicodeDecodeError:
        pass
    for codec in declared:
        try:
            return body.decode(codec), codec, _override_warning(declared, codec, body)
        except (UnicodeDecodeError, LookupError):
            continue
    return _best_effort(body, declared[0] if declared else "utf-8")


def _bom(body: bytes) -> tuple[bytes, str] | None:
    for mark, codec in _BOMS:
        # A UTF-16-LE BOM followed by two zero bytes is the UTF-32-LE one, tested first.
        if body.startswith(mark):
            return mark, codec
    return None


def _sniff_wide(body: bytes) -> str | None:
    head = body[:4]
    if head in (b"\x00\x00\x00<", b"\x00\x00\x00\n"):
        return "utf-32-be"
    if head in (b"<\x00\x00\x00", b"\n\x00\x00\x00"):
        return "utf-32-le"
    if head == b"\x4c\x6f\xa7\x94":  # "<?xm" in EBCDIC
        return "cp037"
    sample = body[:256]
    even, odd = sample[0::2], sample[1::2]
    if len(sample) >= 4 and odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if len(sample) >= 4 and even.count(0) > 0.4 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _lenient(body: bytes, codec: str) -> tuple[str, str, list[str]]:
    text = body.decode(codec, "replace")
    bad = text.count("\ufffd")
    warnings = [f"{bad} bytes invalid in {codec} were replaced"] if bad else []
    return text, codec, warnings


def _override_warning(declared: list[str], used: str, body: bytes) -> list[str]:
    if not declared or declared[0] == used or body.isascii():
        return []
    return [Note(f"declared as {declared[0]} but decoded as {used}")]


def _best_effort(body: bytes, codec: str) -> tuple[str, str, list[str]]:
    text = body.decode(codec, "replace")
    valid = len(text.replace("\ufffd", "").encode(codec, "replace"))
    non_ascii = len(body.translate(None, delete=_HIGH_BYTES))
    if len(body) - valid < non_ascii / 2:
        return _lenient(body, codec)
    guess = _guess_single_byte(body)
    text, _, warnings = _lenient(body, guess)
    guessed = f"encoding not {codec}: guessed {guess} from the bytes"
    # Guessed right (every byte decoded) is a note; replaced bytes are the problem, told apart.
    return text, guess, [Note(guessed) if not warnings else guessed, *warnings]


def _guess_single_byte(body: bytes) -> str:
    sample = body[:65536]
    letters = len(sample.translate(None, delete=_ASCII_LETTERS))
    upper_half = sample.translate(None, delete=bytes(range(0xC0)))
    lower_case_1251 = len(upper_half.translate(None, delete=bytes(range(0xE0))))
    if len(upper_half) < 0.3 * (letters + len(upper_half)):
        return "cp1252"
    # Cyrillic prose is mostly lower case: 0xE0-0xFF in windows-1251, 0xC0-0xDF in KOI8.
    return "cp1251" if lower_case_1251 * 2 >= len(upper_half) else "koi8-u"


# --------------------------------------------------------------------------------------------
# HTML to plain text
# --------------------------------------------------------------------------------------------

# Never text a reader sees.
# fmt: off
_INVISIBLE_TAGS = frozenset({
    "script", "style", "noscript", "template", "iframe", "svg", "math", "canvas", "head",
    "title", "meta", "link", "select", "button", "textarea",
})
# fmt: on
# Site furniture around the content a person follows: a change there is not news.
# Widgets are never content, wherever they sit; the page frame is site furniture when we read a
# whole body, but inside <main> a <header> holds the case title and an <aside> may hold its status.
WIDGETS = frozenset({"nav", "form"})
PAGE_FRAME = WIDGETS | {"aside", "header", "footer"}
# fmt: off
_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "dialog",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
    "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "main", "nav", "ol", "p",
    "pre", "section", "summary", "table", "tbody", "tfoot", "thead", "tr", "ul",
})
# fmt: on
# Cells sit on one line but must not run into each other ("12" + "Decision" is not "12Decision").
_SPACED_TAGS = frozenset({"td", "th", "label", "option"})
_DISPLAY_NONE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# Invisible characters that split a name for a matcher ("Ab\u00adlyazov") or steer a subject
# line's direction; none of them carries meaning in the text we keep.
_INVISIBLE_CHARS = re.compile("[\u00ad\u180e\u200b\u2060\ufeff]")
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_BREAK = "\n"
# Marked sections html.parser knows; any other "<![" makes it raise instead of parsing on.
_UNSUPPORTED_MARKED_SECTION = re.compile(
    r"<!\[(?!(?:cdata|temp|ignore|include|rcdata|if|else|endif)(?![-_.a-z0-9]))", re.IGNORECASE
)
_SPACES = re.compile(r"\s+")
_ANY_TAG = re.compile(r"<[^<>]*>")


def html_to_text(html: str | Tag, *, drop: frozenset[str] = frozenset()) -> str:
    """The text a reader sees in an HTML fragment or element, one block per line.

    - Scripts, styles, templates, frames, form controls and hidden elements (`hidden`,
      `aria-hidden="true"`, `display:none`) are dropped; comments and CDATA too.
    - Elements named in `drop` are dropped as well (`WIDGETS`: navigation and forms;
      `PAGE_FRAME`: also asides, headers and footers).
    - Block elements and `<br>` start new lines; inline markup (`<b>`, `<span>`, links) does not,
      so the text stays the same when only markup changes; table cells are separated by a space.
    - Entities are decoded; whitespace (including non-breaking spaces) collapses to one space;
      empty lines go; soft hyphens and zero-width characters are removed; the result is NFC.
    - Works on any nesting depth (no recursion).
    """
    if isinstance(html, str) and "<" not in html:
        return normalise_text(" ".join(unescape(html).split()))
    try:
        root = soup_of(html) if isinstance(html, str) else html
    except TooMuchMarkup:  # a feed entry made of millions of tags: its words, without them
        return normalise_text(" ".join(unescape(_ANY_TAG.sub(" ", str(html))).split()))
    return normalise_text(
        "".join(_pieces(root, lambda tag: tag.name in drop or _is_invisible(tag)))
    )


def soup_of(markup: str) -> BeautifulSoup:
    """Parse HTML with the standard library parser (no lxml needed), safe on hostile input.

    - A "<" after the last ">" can start no complete tag: it is escaped first, because Python's
      html.parser (before 3.11.13) takes quadratic time on thousands of them (CVE-2025-6069).
    - `<![` that html.parser would reject with an exception is escaped as well.
    - Void tags (`<br>`, `<img>`) are counted in constant time, not in BeautifulSoup's list that
      is scanned at every end tag (quadratic: 9 s instead of 3 for a 5 MB listing with a `<br>`
      per row, minutes for a page of 100 000 of them).
    - If the parser still rejects the markup, the whole document is read as plain text.
    - More than MAX_ELEMENTS elements raise TooMuchMarkup: memory stays bounded.
    """
    markup = _UNSUPPORTED_MARKED_SECTION.sub("&lt;![", _defuse_tail(markup))
    # Without a "<" or a newline, BeautifulSoup warns that the text "looks like a URL/filename";
    # a newline changes nothing in HTML and keeps that warning out of logs and tests.
    if "<" not in markup:
        markup += "\n"
    try:
        return BeautifulSoup(markup, builder=_LinearTreeBuilder())
    except ParserRejectedMarkup:
        return BeautifulSoup(markup.replace("<", "&lt;") + "\n", builder=_LinearTreeBuilder())


class _VoidTagLedger(list[str]):
    """The list BeautifulSoup keeps of void tags seen without an end tag, as a multiset.

    BeautifulSoup only appends to it, removes from it and asks `tag in ledger`; the last was a
    scan of every `<br>` so far, for every end tag of the page.
    """

    def __init__(self) -> None:
        super().__init__()
        self._counts: Counter[str] = Counter()

    def append(self, tag: str) -> None:
        self._counts[tag] += 1

    def remove(self, tag: str) -> None:
        if self._counts[tag] <= 0:
            raise ValueError(tag)
        self._counts[tag] -= 1

    def __contains__(self, tag: object) -> bool:
        return isinstance(tag, str) and self._counts[tag] > 0


class TooMuchMarkup(ParseError):
    """A document with more than MAX_ELEMENTS elements: its tree would take gigabytes."""


# About 1 KB of memory per element once parsed: 10 MB of "<b>" would be 3 million elements and
# several gigabytes. The 16 000-row listings of real courts have about 50 000.
MAX_ELEMENTS = 200_000


class _LinearParser(BeautifulSoupHTMLParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.already_closed_empty_element = _VoidTagLedger()
        self.elements = 0

    def handle_starttag(
        self, tag: str, attrs: list[tuple[str, str | None]], handle_empty_element: bool = True
    ) -> None:
        self.elements += 1
        if self.elements > MAX_ELEMENTS:
            raise TooMuchMarkup(f"more than {MAX_ELEMENTS:,} HTML elements: refused")
        super().handle_starttag(tag, attrs, handle_empty_element)


class _LinearTreeBuilder(HTMLParserTreeBuilder):
    def feed(
        self, markup: Any, _parser_class: type[BeautifulSoupHTMLParser] = _LinearParser
    ) -> None:
        super().feed(markup, _parser_class=_LinearParser)


def _defuse_tail(markup: str) -> str:
    last = markup.rfind(">")
    if markup.find("<", last + 1) < 0:
        return markup
    return markup[: last + 1] + markup[last + 1 :].replace("<", "&lt;")


def normalise_text(text: str) -> str:
    """Collapse whitespace per line, drop empty lines and invisible characters, NFC."""
    text = _INVISIBLE_CHARS.sub("", unicodedata.normalize("NFC", text))
    lines = (" ".join(line.split()) for line in text.split(_BREAK))
    return "\n".join(line for line in lines if line)


def single_line(text: str, *, limit: int = 500) -> str:
    """One line fit for an email subject: no CR/LF or other breaks, no direction controls.

    - Every run of whitespace (CR, LF, tab, U+2028...) becomes one space; the ends are trimmed.
    - Longer than `limit` characters: cut at a word boundary and ended with "…".
    """
    text = " ".join(_BIDI_CONTROLS.sub("", _CONTROL_CHARS.sub(" ", text)).split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut + "…"


def _pieces(root: Tag, hidden: Callable[[Tag], bool]) -> Iterator[str]:
    # An explicit stack, not recursion: pages nested 100 000 levels deep must not crash.
    # Entries are (node, inside <pre>); a plain str entry is a separator to emit on the way out.
    stack: list[tuple[object, bool]] = [(root, root.name == "pre")]
    while stack:
        node, in_pre = stack.pop()
        if isinstance(node, Tag):
            if node is root or not hidden(node):
                yield from _enter(node, in_pre or node.name == "pre", stack)
        elif isinstance(node, PreformattedString):
            continue  # comments, CDATA, doctypes, processing instructions
        elif isinstance(node, str):
            yield (
                node if in_pre or not isinstance(node, NavigableString) else _SPACES.sub(" ", node)
            )


def _enter(tag: Tag, in_pre: bool, stack: list[tuple[object, bool]]) -> Iterator[str]:
    if tag.name == "br":
        yield _BREAK
        return
    separator = _BREAK if tag.name in _BLOCK_TAGS else " " if tag.name in _SPACED_TAGS else ""
    if separator:
        yield separator
        stack.append((separator, in_pre))
    stack.extend((child, in_pre) for child in reversed(tag.contents))


def _is_invisible(tag: Tag) -> bool:
    return (
        tag.name in _INVISIBLE_TAGS
        or tag.has_attr("hidden")
        or tag.get("aria-hidden") == "true"
        or bool(_DISPLAY_NONE.search(str(tag.get("style") or "")))
    )


# --------------------------------------------------------------------------------------------
# From parsed entries to keyed items (shared with feeds.py)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemDraft:
    """An entry before it has a key: what a parser read from one feed entry or listing row."""

    title: str
    text: str
    url: str | None = None
    guid: str | None = None
    published_at: datetime | None = None
    raw: bytes = b""
    byline: str = ""
    links: tuple[tuple[str, str, str], ...] = ()

    @property
    def content_key(self) -> str:
        return "hash:" + content_hash(self.title, self.text)


_URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S")
_KEY_LIMIT = 512  # the length of observations.key (PostgreSQL refuses a longer one)


def finish_items(
    drafts: Sequence[ItemDraft],
    *,
    scope: str,
    legacy_identity: Callable[[ItemDraft], str] | None = None,
) -> tuple[list[Item], list[str]]:
    """Give every draft the key that identifies it within its source, and merge true repeats.

    - Key: `guid:<guid>` when the GUID is usable (every entry carrying it is the same entry);
      else `url:<canonical link>` when the link is usable in the same sense (and always when
      one entry is listed under several GUIDs, as a teaser and its full text); else
      `hash:<content hash>` of title and text. A GUID that is not a URI ("123") is prefixed
      with the source URL `scope`. Keys longer than 512 characters are hashed.
    - Two drafts are the same entry when they have the same title and one text is the other's
      teaser (equal, empty, or a prefix of it): a PACER feed's entries of one case share the
      docket link and the caption but each has its own GUID (or its own text), so each is
      its own item; an article listed twice with a teaser and its full text is one.
    - Entries with the same key are one item, at the place of the first; the longest text wins.
    - Each item's `aliases` hold the key the previous rule gave it (link first; a link was
      shared when its entries differed by `legacy_identity`, their content by default), so rows
      stored under it are found again after an upgrade.
    """
    unusable_guids = _unusable(drafts, lambda d: d.guid)
    unusable_links = _unusable(drafts, lambda d: d.url)
    republished = _republished(drafts, unusable_links)
    legacy_shared = _legacy_shared_links(drafts, legacy_identity)
    kept: dict[str, ItemDraft] = {}
    aliases: dict[str, list[str]] = {}
    for draft in drafts:
        key = _limited(_plain_key(draft, scope, unusable_guids, unusable_links, republished))
        if key not in kept or len(draft.text) > len(kept[key].text):
            kept[key] = draft
        legacy = _limited(_legacy_key(draft, scope, legacy_shared))
        if legacy != key and legacy not in aliases.setdefault(key, []):
            aliases[key].append(legacy)
    warnings: list[str] = []
    if unusable_links:
        warnings.append(Note(f"{len(unusable_links)} links are shared by different entries"))
    if len(kept) < len(drafts):
        warnings.append(Note(f"{len(drafts) - len(kept)} repeated entries merged"))
    return [_item(draft, key, aliases.get(key, ())) for key, draft in kept.items()], warnings


def same_entry(a: ItemDraft, b: ItemDraft) -> bool:
    """One entry listed twice: the same title, and one text is the other's teaser."""
    if a.title != b.title:
        return False
    short, long = sorted((_teaser(a.text), _teaser(b.text)), key=len)
    return long.startswith(short)


def _teaser(text: str) -> str:
    # "Read more…" endings make a teaser; the words before them are what the full text starts with.
    return text.rstrip().removesuffix("…").removesuffix("...").rstrip()


def _unusable(
    drafts: Sequence[ItemDraft],
    value: Callable[[ItemDraft], str | None],
) -> set[str]:
    """The values (GUIDs or links) carried by entries that are not all the same entry."""
    groups: dict[str, list[ItemDraft]] = {}
    for draft in drafts:
        if found := value(draft):
            groups.setdefault(found, []).append(draft)
    unusable = set()
    for found, group in groups.items():
        longest = max(group, key=lambda draft: len(draft.text))
        if not all(same_entry(draft, longest) for draft in group):
            unusable.add(found)
    return unusable


def _limited(key: str) -> str:
    if len(key) <= _KEY_LIMIT:
        return key
    # A 100 KB link or GUID (hostile or broken) must not become a 100 KB database key.
    kind = key.partition(":")[0]
    return f"{kind}:sha256:{content_hash(key)}"


def _republished(drafts: Sequence[ItemDraft], unusable_links: set[str]) -> set[str]:
    """Links of one entry listed under several GUIDs (a teaser and the full text)."""
    guids: dict[str, set[str | None]] = {}
    for draft in drafts:
        if draft.url and draft.url not in unusable_links:
            guids.setdefault(draft.url, set()).add(draft.guid)
    return {url for url, found in guids.items() if len(found) > 1}


def _plain_key(
    draft: ItemDraft,
    scope: str,
    unusable_guids: set[str],
    unusable_links: set[str],
    republished: set[str],
) -> str:
    if draft.url in republished:
        return f"url:{draft.url}"
    if draft.guid and draft.guid not in unusable_guids:
        return _guid_key(draft.guid, scope)
    if draft.url and draft.url not in unusable_links:
        return f"url:{draft.url}"
    return draft.content_key


def _guid_key(guid: str, scope: str) -> str:
    return f"guid:{guid}" if _URI_SCHEME.match(guid) else f"guid:{scope}#{guid}"


def _legacy_shared_links(
    drafts: Sequence[ItemDraft], identity: Callable[[ItemDraft], str] | None
) -> set[str]:
    # The rule before per-entry identity: a link was shared when entries with it had different
    # identities (titles for feeds, contents for pages).
    of = identity or (lambda draft: draft.content_key)
    seen: dict[str, set[str]] = {}
    for draft in drafts:
        if draft.url:
            seen.setdefault(draft.url, set()).add(of(draft))
    return {url for url, identities in seen.items() if len(identities) > 1}


def _legacy_key(draft: ItemDraft, scope: str, shared: set[str]) -> str:
    if draft.url and draft.url not in shared:
        return f"url:{draft.url}"
    if draft.guid:
        return _guid_key(draft.guid, scope)
    return draft.content_key


def _item(draft: ItemDraft, key: str, aliases: Sequence[str]) -> Item:
    return Item(
        key=key,
        title=draft.title,
        text=draft.text,
        url=draft.url,
        published_at=draft.published_at,
        raw=draft.raw,
        aliases=tuple(aliases),
        byline=draft.byline,
        links=draft.links,
    )


def absolute_link(href: str | None, base: str) -> str | None:
    """`href` as a canonical absolute http(s) URL, or None (javascript:, mailto:, malformed)."""
    if not href or not is_http_url(href, base):
        return None
    return canonical_url(href, base)


# --------------------------------------------------------------------------------------------
# Listing pages
# --------------------------------------------------------------------------------------------


class LayoutChanged(ParseError):
    """A page no longer has the part we read (a selector matches nothing, or no text at all).

    Not permanent: the next poll may find the page as it was.
    """

    permanent = False


@dataclass(frozen=True)
class PageResult:
    """The items of a listing page.

    - `matched_nothing`: the item selector found nothing *and* nothing shows that the list
      exists but is empty: the layout probably changed. Never read it as "all items removed".
    - An empty `items` with `matched_nothing` False is a page that truly lists nothing today.
    """

    items: list[Item]
    warnings: list[str]
    matched_nothing: bool


def parse_listing(
    body: bytes,
    *,
    url: str,
    headers: Mapping[str, str],
    item_selector: str,
    link_selector: str | None = None,
    title_selector: str | None = None,
) -> PageResult:
    """Read the items of an HTML listing page (court decisions, hearing lists, press releases).

    - Every element matching `item_selector` is an item; its text (no markup, scripts or styles)
      is the item's text. A match inside another match is part of that item, not one of its own.
    - The link is the first `link_selector` match inside the item (default: the item itself if
      it is a link, else its first `<a href>`), made absolute against `<base href>` or `url`;
      `javascript:`/`mailto:` links are no links.
    - The title is the text of the first `title_selector` match (default: the link's text, else
      the item's first line), on one line.
    - No match: if the container part of the selector (`ul.decisions` in `ul.decisions > li`)
      is on the page, the list is empty today; otherwise `matched_nothing` and a warning
      "layout changed?". Write item selectors with their container to get that distinction.
    - Matches nested in other matches are merged into them, and a warning says how many.
    - `raw` of every item is the page's bytes: the evidence of what the court published.
    - An invalid selector raises ConfigError; a page of more than MAX_ELEMENTS elements raises
      TooMuchMarkup.
    """
    decoded = decode_html(body, headers)
    soup = soup_of(decoded.text)
    base = _base_url(soup, url)
    matches = _select(soup, item_selector)
    elements = outermost(matches)
    warnings = list(decoded.warnings)
    if len(elements) < len(matches):
        warnings.append(
            f"{len(matches) - len(elements)} matches of {item_selector!r} were inside other "
            "matches and merged into them: make the selector match one element per item"
        )
    if not elements:
        return _empty_listing(soup, item_selector, warnings)
    drafts = [_listing_draft(el, base, link_selector, title_selector, body) for el in elements]
    items, key_warnings = finish_items(drafts, scope=_scope(url))
    return PageResult(items, warnings + key_warnings, matched_nothing=False)


def _scope(url: str) -> str:
    return canonical_url(url) if is_http_url(url) else url


def _base_url(soup: BeautifulSoup, url: str) -> str:
    base = soup.find("base", href=True)
    href = base.get("href") if isinstance(base, Tag) else None
    if isinstance(href, str) and is_http_url(href, url):
        return canonical_url(href, url)
    return url


def _select(root: Tag, selector: str) -> list[Tag]:
    try:
        return list(root.select(selector))
    except soupsieve.SelectorSyntaxError as error:
        reason = str(error).splitlines()[0]
        raise ConfigError(f"invalid CSS selector {selector!r}: {reason}") from None


def _select_one(root: Tag, selector: str) -> Tag | None:
    try:
        return root.select_one(selector)
    except soupsieve.SelectorSyntaxError as error:
        reason = str(error).splitlines()[0]
        raise ConfigError(f"invalid CSS selector {selector!r}: {reason}") from None


def _empty_listing(soup: BeautifulSoup, item_selector: str, warnings: list[str]) -> PageResult:
    if any(_exists(soup, container) for container in _container_selectors(item_selector)):
        return PageResult([], warnings, matched_nothing=False)
    warnings.append(f"item selector {item_selector!r} matched nothing (layout changed?)")
    return PageResult([], warnings, matched_nothing=True)


def _exists(soup: BeautifulSoup, selector: str) -> bool:
    try:
        return _select_one(soup, selector) is not None
    except ConfigError:  # a prefix of a valid selector is not always valid on its own
        return False


def _listing_draft(
    element: Tag, base: str, link_selector: str | None, title_selector: str | None, body: bytes
) -> ItemDraft:
    link = _link_element(element, link_selector)
    href = link.get("href") if link is not None else None
    url = absolute_link(href if isinstance(href, str) else None, base)
    text = html_to_text(element)
    return ItemDraft(
        title=_title(element, link, title_selector, text), text=text, url=url, raw=body
    )


def _link_element(element: Tag, link_selector: str | None) -> Tag | None:
    if link_selector:
        return _select_one(element, link_selector)
    if element.name == "a" and element.has_attr("href"):
        return element
    found = element.find("a", href=True)
    return found if isinstance(found, Tag) else None


def _title(element: Tag, link: Tag | None, title_selector: str | None, text: str) -> str:
    source = _select_one(element, title_selector) if title_selector else link
    title = html_to_text(source) if source is not None else ""
    return single_line(title or text.partition("\n")[0])


def _container_selectors(selector: str) -> list[str]:
    """For each selector of a list, the part before its last compound: "ul.x > li" -> "ul.x"."""
    containers = []
    for part in _split_top_level(selector, ","):
        head = _strip_last_compound(part.strip())
        if head:
            containers.append(head)
    return containers


def _strip_last_compound(selector: str) -> str:
    depth, quote, cut = 0, "", -1
    for index, char in enumerate(selector):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif depth == 0 and (char.isspace() or char in ">+~"):
            cut = index
    return selector[:cut].strip().rstrip(">+~").strip() if cut > 0 else ""


def _split_top_level(selector: str, separator: str) -> list[str]:
    parts, depth, quote, start = [], 0, "", 0
    for index, char in enumerate(selector):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == separator and depth == 0:
            parts.append(selector[start:index])
            start = index + 1
    parts.append(selector[start:])
    return parts


# --------------------------------------------------------------------------------------------
# Watched pages, diffs, article text
# --------------------------------------------------------------------------------------------

# Where pages keep their main content, most telling first.
_MAIN_MARKERS = ("main", "role=main", "article", "#content", "#main")


def extract_watched(
    body: bytes, *, url: str, headers: Mapping[str, str], selector: str | None = None
) -> str:
    """The followed text of a watched page (a person's case page), stable across markup changes.

    - With `selector`: the text of every matching element, in page order, one block per line.
    - Without: the page's main content (`<main>`, `role=main`, a single `<article>`, `#content`)
      without navigation and forms, else the body without navigation, forms, asides, headers and
      footers (where "© 2021" and "generated in 0.02 s" live).
    - Text as `html_to_text` gives it: only a change a reader can see changes it.
    - Raises LayoutChanged when the selector matches nothing or the page has no text: an
      emptied page must not read as "the whole case page was deleted"; TooMuchMarkup for a
      page of more than MAX_ELEMENTS elements.
    """
    del url  # part of every parser's signature; the text of a page needs no base URL
    soup = soup_of(decode_html(body, headers).text)
    if selector:
        roots = outermost(_select(soup, selector))
        if not roots:
            raise LayoutChanged(f"selector {selector!r} matched nothing (layout changed?)")
        text = "\n".join(html_to_text(root, drop=WIDGETS) for root in roots)
    else:
        root, is_body = _main_content(soup)
        text = html_to_text(root, drop=PAGE_FRAME if is_body else WIDGETS)
    text = normalise_text(text)
    if not text:
        raise LayoutChanged("the watched page has no text")
    return text


def _main_content(soup: BeautifulSoup) -> tuple[Tag, bool]:
    candidates = _main_candidates(soup)
    for marker in _MAIN_MARKERS:
        found = candidates.get(marker, [])
        if len(found) == 1 and html_to_text(found[0]):
            return found[0], False
    body = soup.body
    return (body, True) if body is not None else (soup, True)


def _main_candidates(soup: BeautifulSoup) -> dict[str, list[Tag]]:
    # One pass over the tree: five CSS selections cost five (slow) passes on a 5 MB page.
    found: dict[str, list[Tag]] = {}
    for tag in soup.find_all(True):
        markers = (tag.name, f"role={tag.get('role')}", f"#{tag.get('id')}")
        for marker in markers:
            if marker in _MAIN_MARKERS:
                found.setdefault(marker, []).append(tag)
    return found


def extract_article_text(body: bytes, *, url: str, headers: Mapping[str, str]) -> str:
    """The main text of an article page, for a feed entry that only carries a summary.

    - `[itemprop=articleBody]`, else the (outermost) `<article>` with the most text.
    - Else the element whose `<p>` children hold the most text (the article body on almost
      every news and court site), when it holds at least 200 characters.
    - Else the page's body without navigation, asides, forms, headers and footers.
    - Returns "" for a page without text; never raises on bad HTML.
    """
    del url  # same signature as the other parsers; text extraction needs no base URL
    try:
        soup = soup_of(decode_html(body, headers).text)
    except TooMuchMarkup:
        return ""
    root = _article_root(soup)
    if root is not None:
        return html_to_text(root, drop=PAGE_FRAME)
    fallback = soup.body if soup.body is not None else soup
    return html_to_text(fallback, drop=PAGE_FRAME)


def _article_root(soup: BeautifulSoup) -> Tag | None:
    marked = soup.select_one("[itemprop=articleBody]")
    if marked is not None:
        return marked
    # Outermost articles only (the others are comments inside them): their texts do not
    # overlap, so measuring them all reads the page once, however deep articles nest.
    articles = outermost(soup.find_all("article"))
    if articles:
        return max(articles, key=lambda article: len(article.get_text()))
    return _densest_paragraph_parent(soup)


def _densest_paragraph_parent(soup: BeautifulSoup) -> Tag | None:
    # Each piece of text counts once, for the parent of the paragraph it sits in (found within
    # a few levels of inline markup): one pass, even over paragraphs nested 100 000 deep.
    scores: Counter[int] = Counter()
    parents: dict[int, Tag] = {}
    for text in soup.find_all(string=True):
        container = _paragraph_parent(text) if type(text) is NavigableString else None
        if container is not None:
            scores[id(container)] += len(text.strip())
            parents[id(container)] = container
    if not scores:
        return None
    best, score = scores.most_common(1)[0]
    return parents[best] if score >= 200 else None


def _paragraph_parent(text: NavigableString) -> Tag | None:
    node = text.parent
    for _ in range(4):
        if node is None:
            return None
        if node.name == "p":
            return node.parent
        node = node.parent
    return None


def outermost(elements: Sequence[Tag]) -> list[Tag]:
    """The elements that are not inside another of them, in document order.

    - Linear in the page: the subtrees kept do not overlap, each is walked once. (Reading the
      text of 100 000 nested matches one by one would read the page 100 000 times.)
    """
    covered: set[int] = set()
    kept: list[Tag] = []
    for element in elements:
        if id(element) not in covered:
            kept.append(element)
            covered.update(id(node) for node in element.descendants)
    return kept


_DIFF_MAX_INPUT_LINES = 2000
_DIFF_LINE_WIDTH = 300


def diff_text(old: str, new: str, *, max_lines: int = 200, context: int = 2) -> str:
    """A readable line diff of two versions of a watched text, bounded in size.

    - "" when the texts are equal.
    - Otherwise hunks headed `@@ line N @@`, removed lines as `- ...`, added lines as `+ ...`,
      `context` unchanged lines around each change as `  ...`.
    - At most `max_lines` lines, each cut at 300 characters; what is cut is said on a last line.
    - Cost is bounded: the common beginning and end are skipped before comparing, and at most
      2000 differing lines of each side are compared.
    """
    a, b = old.splitlines(), new.splitlines()
    if a == b:
        return ""
    start = _common_prefix(a, b)
    end = _common_prefix(a[start:][::-1], b[start:][::-1])
    lo = max(0, start - context)
    a_mid, b_mid = a[lo : len(a) - end + context], b[lo : len(b) - end + context]
    truncated = max(len(a_mid), len(b_mid)) > _DIFF_MAX_INPUT_LINES
    a_mid, b_mid = a_mid[:_DIFF_MAX_INPUT_LINES], b_mid[:_DIFF_MAX_INPUT_LINES]
    lines = list(_hunks(a_mid, b_mid, lo, context))
    if truncated:
        lines.append(f"… (only the first {_DIFF_MAX_INPUT_LINES} changed lines were compared)")
    return _bounded(lines, max_lines)


def _common_prefix(a: Sequence[str], b: Sequence[str]) -> int:
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count


def _hunks(a: list[str], b: list[str], offset: int, context: int) -> Iterator[str]:
    matcher = difflib.SequenceMatcher(None, a, b)
    for group in matcher.get_grouped_opcodes(context):
        yield f"@@ line {offset + group[0][3] + 1} @@"
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                yield from (f"  {line}" for line in a[i1:i2])
                continue
            yield from (f"- {line}" for line in a[i1:i2])
            yield from (f"+ {line}" for line in b[j1:j2])


def _bounded(lines: list[str], max_lines: int) -> str:
    shown = [_clip(line) for line in lines[:max_lines]]
    if len(lines) > max_lines:
        shown.append(f"… {len(lines) - max_lines} more lines not shown")
    return "\n".join(shown)


def _clip(line: str) -> str:
    return line if len(line) <= _DIFF_LINE_WIDTH else line[: _DIFF_LINE_WIDTH - 1] + "…"
