"""HTML to the plain text a reader sees: invisible parts dropped, cells spaced, markup bounded
(pure)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from html import unescape
from typing import Any

from bs4 import BeautifulSoup, Tag
from bs4.builder._htmlparser import BeautifulSoupHTMLParser, HTMLParserTreeBuilder
from bs4.element import NavigableString, PreformattedString
from bs4.exceptions import ParserRejectedMarkup

from monitor.exc import ParseError
from monitor.text.decode import _CONTROL_CHARS

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
