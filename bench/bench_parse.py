"""Parse throughput of feeds and pages, printed (never a timed test).

    .venv/bin/python bench/bench_parse.py [--repeat 5]

Pure parsing on one core, no I/O: the saved fixtures of tests/fixtures/{feeds,pages}, large
documents generated from the real ODF news texts, and the hostile inputs the tests feed (XML
bombs, tag soup that makes html.parser quadratic, 100 000-deep nesting). Each figure is the
median of `--repeat` runs.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.paths

from monitor.feeds.parse import parse_feed
from monitor.pages.parse import extract_article_text, extract_watched, parse_listing
from monitor.text.diff import diff_text
from monitor.text.xmlsafety import UnsafeXml, screen_xml
from tests.paths import FIXTURES, ROOT

# The real news texts when the shared folder is there, else the sentences of a saved article.
_DATA = ROOT.parent / "shared" / "data" / "odf_news_2013_2020.txt"
_TEXT = _DATA if _DATA.exists() else FIXTURES / "pages" / "article_ablyazov.html"
NEWS = [line.strip() for line in _TEXT.read_text(encoding="utf-8").splitlines() if line.strip()]
FEED_URL = "https://odf.example.org/feed/"
PAGE_URL = "https://court.example.org/penal/extradition"


def timed(action: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def peak_kib(action: Callable[[], object]) -> float:
    tracemalloc.start()
    with contextlib.suppress(UnsafeXml):
        action()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1024


def big_feed(target: int) -> bytes:
    items, n = [], 0
    while sum(map(len, items)) < target:
        text = NEWS[n % len(NEWS)]
        items.append(
            f"<item><title>{text[:80]}</title><link>/a/{n}?utm_source=rss</link>"
            f"<guid isPermaLink='false'>{n}</guid><description>&lt;p&gt;{text}&lt;/p&gt;"
            f"</description><pubDate>Tue, 29 Sep 2020 10:00:00 +0300</pubDate></item>"
        )
        n += 1
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Big</title>'
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def big_page(target: int) -> bytes:
    rows, n = [], 0
    while sum(map(len, rows)) < target:
        text = NEWS[n % len(NEWS)]
        rows.append(
            f'<tr><td class="date">19.12.2013</td><td class="case"><a href="/d/{n}.html">EXT {n}'
            f'</a></td><td class="summary"><strong>{text[:60]}</strong><br>{text}</td></tr>'
        )
        n += 1
    return (
        '<html><body><nav><a href="/">Home</a></nav><table id="decisions"><tbody>'
        + "".join(rows)
        + "</tbody></table><footer>© 2020</footer></body></html>"
    ).encode()


def billion_laughs() -> bytes:
    laughs = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY l0 "lol">{laughs}]><rss>&l9;</rss>'.encode()
    )


def quadratic_blowup() -> bytes:
    entity = "A" * 100_000
    return f'<!DOCTYPE rss [<!ENTITY a "{entity}">]><rss>{"&a;" * 100_000}</rss>'.encode()


def row(name: str, seconds: float, size: int | None = None, unit: str = "") -> None:
    rate = f"{size / seconds / 1e6:8.2f} MB/s" if size else " " * 13
    per = f"{1 / seconds:10.1f} {unit}/s" if unit else ""
    print(f"  {name:<52} {seconds * 1000:10.2f} ms {rate} {per}")


def bench_feeds(repeat: int) -> None:
    print("Feeds (parse_feed: decode, XML check, feedparser, items)")
    for name in ("odf_news_rss20", "odf_court_atom", "odf_news_ru_windows1251"):
        body = (FIXTURES / "feeds/odf" / f"{name}.xml").read_bytes()
        seconds = timed(lambda b=body: parse_feed(b, url=FEED_URL, headers={}), repeat * 20)
        row(f"{name}.xml ({len(body) / 1024:.1f} KB)", seconds, len(body), "feeds")
    corpus = [p.read_bytes() for p in sorted((FIXTURES / "feeds/feedparser").rglob("*.xml"))]
    seconds = timed(lambda: [parse_feed(b, url=FEED_URL, headers={}) for b in corpus], repeat)
    row(f"feedparser corpus, {len(corpus)} files", seconds, sum(map(len, corpus)))
    body = big_feed(5_000_000)
    seconds = timed(lambda: parse_feed(body, url=FEED_URL, headers={}), max(1, repeat // 2))
    row(f"generated RSS, {len(body) / 1e6:.1f} MB", seconds, len(body))
    body = body.replace(b"</channel></rss>", b"")  # ill-formed: the lenient parser reads it all
    seconds = timed(lambda: parse_feed(body, url=FEED_URL, headers={}), 1)
    row(f"the same, truncated (lenient parser), {len(body) / 1e6:.1f} MB", seconds, len(body))
    soup = b'<rss version="2.0"><channel><item><title>x</title><description>'
    soup += b"<div>" * 200_000 + b"</description></item></channel></rss>"
    seconds = timed(lambda: parse_feed(soup, url=FEED_URL, headers={}), 1)
    row(f"tag soup, 200 000 unclosed tags, {len(soup) / 1e6:.1f} MB", seconds, len(soup))


def bench_xml_safety(repeat: int) -> None:
    print("XML safety (screen_xml; refusal time and peak traced memory)")
    for name, body in (
        ("billion laughs", billion_laughs()),
        ("quadratic blowup", quadratic_blowup()),
    ):
        seconds = timed(lambda b=body: _refused(b), repeat * 20)
        print(
            f"  {name:<20} {len(body):>8} bytes   refused in {seconds * 1000:.3f} ms, "
            f"peak {peak_kib(lambda b=body: screen_xml(b)):.0f} KiB"
        )
    body = big_feed(5_000_000)
    seconds = timed(lambda: screen_xml(body), repeat)
    row(f"screen_xml of a {len(body) / 1e6:.1f} MB feed (prolog only)", seconds, len(body))


def _refused(body: bytes) -> None:
    try:
        screen_xml(body)
    except UnsafeXml:
        return
    raise AssertionError("not refused")


def bench_pages(repeat: int) -> None:
    print("Pages (decode, html.parser + BeautifulSoup, CSS selectors)")
    pages = FIXTURES / "pages"
    listing = (pages / "court_listing.html").read_bytes()
    options = {"item_selector": "table#decisions > tbody > tr", "link_selector": "td.case a"}
    seconds = timed(
        lambda: parse_listing(listing, url=PAGE_URL, headers={}, **options), repeat * 20
    )
    row(
        f"court_listing.html ({len(listing) / 1024:.1f} KB), parse_listing",
        seconds,
        len(listing),
        "pages",
    )
    case = (pages / "case_akhmetova.html").read_bytes()
    seconds = timed(lambda: extract_watched(case, url=PAGE_URL, headers={}), repeat * 20)
    row(
        f"case_akhmetova.html ({len(case) / 1024:.1f} KB), extract_watched",
        seconds,
        len(case),
        "pages",
    )
    article = (pages / "article_ablyazov.html").read_bytes()
    seconds = timed(lambda: extract_article_text(article, url=PAGE_URL, headers={}), repeat * 20)
    row(
        f"article_ablyazov.html ({len(article) / 1024:.1f} KB), article text",
        seconds,
        len(article),
        "pages",
    )
    big = big_page(5_000_000)
    seconds = timed(lambda: parse_listing(big, url=PAGE_URL, headers={}, **options), 1)
    row(f"generated listing, {len(big) / 1e6:.1f} MB, parse_listing", seconds, len(big))
    seconds = timed(lambda: extract_watched(big, url=PAGE_URL, headers={}), 1)
    row("the same, extract_watched", seconds, len(big))
    nested = b"<div>" * 100_000 + b"deep" + b"</div>" * 100_000
    seconds = timed(lambda: extract_watched(nested, url=PAGE_URL, headers={}), 1)
    row("100 000-deep nesting, extract_watched", seconds, len(nested))
    tail = b"<ul><li>x</li></ul>" + b"<a " * 100_000
    seconds = timed(lambda: extract_watched(tail, url=PAGE_URL, headers={}), 1)
    row("100 000 unclosed '<a ' at the end (quadratic unguarded)", seconds, len(tail))
    voids = b"<p>x" + b"<br>" * 100_000 + b"</p>" * 100_000
    seconds = timed(lambda: extract_watched(voids, url=PAGE_URL, headers={}), 1)
    row("100 000 <br> then 100 000 end tags (quadratic in bs4)", seconds, len(voids))


def bench_diff(repeat: int) -> None:
    print("Diff (diff_text)")
    old = "\n".join(f"{n:05d} " + NEWS[n % len(NEWS)] for n in range(5_000))
    small = old.replace("00042 ", "00042 changed ")
    seconds = timed(lambda: diff_text(old, small), repeat)
    row("5 000 lines, one changed", seconds, len(old))
    rewritten = "\n".join(f"{n:05d} rewritten" for n in range(5_000))
    seconds = timed(lambda: diff_text(old, rewritten), repeat)
    row("5 000 lines, all changed (compare capped at 2 000)", seconds, len(old))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    print(f"Python {sys.version.split()[0]}, median of {repeat} runs unless the input is huge\n")
    bench_feeds(repeat)
    bench_xml_safety(repeat)
    bench_pages(repeat)
    bench_diff(repeat)


if __name__ == "__main__":
    main()
