"""HTML sources, parsed without I/O: listing pages, watched pages and article text.

The text helpers every source shares (decoding bytes, HTML to plain text, diffs, URLs) are in
monitor/text/, the keying of parsed entries in monitor/items.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import soupsieve
from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString

from monitor.exc import ConfigError, ParseError
from monitor.items import Item, ItemDraft, finish_items
from monitor.text.decode import decode_html
from monitor.text.html import (
    PAGE_FRAME,
    WIDGETS,
    TooMuchMarkup,
    html_to_text,
    normalise_text,
    single_line,
    soup_of,
)
from monitor.text.selectors import InvalidSelector, compile_selector
from monitor.text.urls import absolute_link, canonical_url, is_http_url

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
    encoding: str = ""  # the charset the page was read in (kept with the evidence)


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
    return PageResult(items, warnings + key_warnings, False, decoded.encoding)


def _scope(url: str) -> str:
    return canonical_url(url) if is_http_url(url) else url


def _base_url(soup: BeautifulSoup, url: str) -> str:
    base = soup.find("base", href=True)
    href = base.get("href") if isinstance(base, Tag) else None
    if isinstance(href, str) and is_http_url(href, url):
        return canonical_url(href, url)
    return url


def _select(root: Tag, selector: str) -> list[Tag]:
    return list(_compiled(selector).select(root))


def _select_one(root: Tag, selector: str) -> Tag | None:
    found = _compiled(selector).select_one(root)
    return found if isinstance(found, Tag) else None


def _compiled(selector: str) -> soupsieve.SoupSieve:
    # As browsers read it (monitor.text.selectors); a refusal says why in our own words.
    try:
        return compile_selector(selector)
    except InvalidSelector as error:
        raise ConfigError(str(error)) from None


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
