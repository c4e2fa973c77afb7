"""monitor.feeds.parse on real feeds (golden files) and on hostile ones.

Golden files: `<feed>.expected.json` sits next to each saved feed (feedparser's own test corpus
under fixtures/feeds/feedparser, feeds built from the ODF news texts under fixtures/feeds/odf).
When one is missing the test writes it and fails: a person reads it, and the next run compares.
"""

from __future__ import annotations

import json
import re
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.feeds.parse import FeedResult, FeedStatus, parse_feed
from tests.paths import FIXTURES
from tests.servers.http_server import HttpTestServer, Reply

HERE = FIXTURES / "feeds"
CORPUS = sorted((HERE / "feedparser").rglob("*.xml"))
BUILT = ("odf_news_rss20", "odf_court_atom", "odf_news_ru_windows1251")
FEED_URL = "https://odf.example.org/feed/"


# Helpers --------------------------------------------------------------------------------------
def golden(source: Path, actual: object) -> None:
    path = source.with_name(f"{source.stem}.expected.json")
    text = json.dumps(actual, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if not path.exists():
        path.write_text(text, encoding="utf-8")
        pytest.fail(f"wrote {path.name}: read it, then run the test again")
    assert json.loads(text) == json.loads(path.read_text(encoding="utf-8"))


def shown(result: FeedResult, body: bytes) -> dict[str, Any]:
    return {
        "status": result.status.value,
        "bozo": result.bozo,
        "title": result.title,
        "warnings": result.warnings,
        "items": [
            {
                "key": item.key,
                "title": item.title,
                "text": item.text,
                "url": item.url,
                "published_at": item.published_at.isoformat() if item.published_at else None,
                "raw": "the whole feed" if item.raw == body else f"{len(item.raw)} bytes of entry",
            }
            for item in result.items
        ],
    }


def corpus_headers(body: bytes) -> dict[str, str]:
    """The HTTP headers feedparser's harness sends with a corpus file (its `Header:` lines)."""
    found = re.finditer(rb"^Header:\s*([\w-]+):\s*(.*?)\s*$", body[:1000], re.MULTILINE)
    return {m.group(1).decode(): m.group(2).decode() for m in found}


def built(name: str) -> tuple[bytes, dict[str, Any]]:
    request = json.loads((HERE / "odf" / f"{name}.request.json").read_text(encoding="utf-8"))
    return (HERE / "odf" / f"{name}.xml").read_bytes(), request


def parse_built(name: str) -> FeedResult:
    body, request = built(name)
    return parse_feed(body, url=request["url"], headers=request["headers"])


def rss(items: str, *, channel: str = "<title>Court news</title>") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>{channel}'
        f"{items}</channel></rss>"
    ).encode()


def item(title: str, link: str = "", description: str = "", extra: str = "") -> str:
    link_tag = f"<link>{link}</link>" if link else ""
    return f"<item><title>{title}</title>{link_tag}<description>{description}</description>{extra}</item>"


def parse(body: bytes, **headers: str) -> FeedResult:
    return parse_feed(body, url=FEED_URL, headers=headers)


# Golden files ---------------------------------------------------------------------------------
@pytest.mark.parametrize("path", CORPUS, ids=[str(p.relative_to(HERE)) for p in CORPUS])
def test_each_feed_of_feedparsers_corpus_parses_to_its_golden_file(path: Path) -> None:
    body = path.read_bytes()
    url = f"http://127.0.0.1:8097/{path.relative_to(HERE / 'feedparser')}"
    golden(path, shown(parse_feed(body, url=url, headers=corpus_headers(body)), body))


@pytest.mark.parametrize("name", BUILT)
def test_each_feed_built_from_the_odf_news_parses_to_its_golden_file(name: str) -> None:
    body, _ = built(name)
    golden(HERE / "odf" / f"{name}.xml", shown(parse_built(name), body))


# Keys, links, dates ---------------------------------------------------------------------------
def test_one_article_published_twice_in_a_feed_is_one_item_with_the_full_text() -> None:
    items = parse_built("odf_news_rss20").items
    ablyazov = [i for i in items if i.title == "France grants refugee status to Mukhtar Ablyazov"]
    assert len(ablyazov) == 1
    assert ablyazov[0].key == (
        "url:https://odf.example.org/a/33101,france-grants-refugee-status-to-mukhtar-ablyazov/"
    )
    assert "appeared first on" in ablyazov[0].text  # the content:encoded one, not the teaser


def test_the_same_article_through_two_feeds_has_one_key() -> None:
    link = "https://odf.example.org/a/32544,meps-appeal-zhanara-akhmetova/"
    first = parse(rss(item("MEPs appeal", f"{link}?utm_source=rss&amp;utm_medium=rss")))
    second = parse_feed(
        rss(item("MEPs appeal to Zelensky", link.replace("https://odf", "HTTPS://ODF") + "#top")),
        url="https://other.example.net/news.xml",
        headers={},
    )
    assert first.items[0].key == second.items[0].key == f"url:{link}"


def test_entries_all_linking_to_the_home_page_stay_separate_items() -> None:
    home = "https://court.example.org/"
    body = rss(
        item("Hearing: Syrym Shalabayev", home, extra="<guid isPermaLink='false'>101</guid>")
        + item("Hearing: Muratbek Ketebayev", home, extra="<guid isPermaLink='false'>102</guid>")
        + item("Decision: Aleksandr Pavlov", home)
    )
    result = parse(body)
    assert len(result.items) == 3
    assert [i.key for i in result.items[:2]] == [f"guid:{FEED_URL}#101", f"guid:{FEED_URL}#102"]
    assert result.items[2].key.startswith("hash:")
    assert "1 links are shared by different entries" in result.warnings


def test_relative_links_are_resolved_against_xml_base_then_the_feed_url() -> None:
    items = parse_built("odf_court_atom").items
    assert items[0].url == (
        "https://courts.example.org/extradition/decisions/2016/conseil-etat-ablyazov.html"
    )
    assert items[1].url == "https://courts.example.org/vienna/2016/12/07/malyutin"
    rss_items = parse_built("odf_news_rss20").items
    assert (
        rss_items[2].url == "https://odf.example.org/a/32450,zhanara-akhmetova-could-be-extradited/"
    )


def test_a_javascript_link_is_no_link_and_the_item_keeps_its_guid() -> None:
    paraskevich = parse_built("odf_court_atom").items[-1]
    assert paraskevich.url is None
    assert paraskevich.key == "guid:https://courts.example.org/extradition/2013-paraskevich"


def test_a_non_http_content_location_header_is_ignored() -> None:
    result = parse_feed(
        rss(item("Vilnius court", "/a/1")),
        url=FEED_URL,
        headers={"Content-Location": "javascript:alert('unsafe');"},
    )
    assert result.items[0].url == "https://odf.example.org/a/1"


def test_published_dates_are_converted_to_utc() -> None:
    items = parse_built("odf_news_rss20").items
    # "Tue, 26 May 2020 16:40:00 +0200"
    assert items[1].published_at == datetime(2020, 5, 26, 14, 40, tzinfo=UTC)
    atom = parse_built("odf_court_atom").items
    # published "2016-12-09T17:30:00+01:00" wins over updated
    assert atom[0].published_at == datetime(2016, 12, 9, 16, 30, tzinfo=UTC)


def test_entries_without_a_readable_date_are_kept_with_no_date() -> None:
    result = parse_built("odf_news_ru_windows1251")  # "Ср, 30 сен 2020": a Russian-locale date
    assert result.items[0].published_at is None
    assert result.items[0].title == "Мухтар Аблязов получил статус беженца во Франции"
    assert result.complete


def test_each_entry_keeps_its_own_bytes_as_evidence() -> None:
    body, _ = built("odf_news_ru_windows1251")
    result = parse_built("odf_news_ru_windows1251")
    for entry in result.items:
        assert entry.raw.startswith(b"<item>")
        assert entry.raw in body
        assert entry.title in entry.raw.decode("cp1251")


def test_a_huge_guid_becomes_a_bounded_key() -> None:
    result = parse(rss(item("x", extra=f"<guid isPermaLink='false'>{'9' * 100_000}</guid>")))
    assert len(result.items[0].key) < 200


# Encodings ------------------------------------------------------------------------------------
def test_a_windows_1251_feed_without_any_declared_charset_is_read_in_russian() -> None:
    body, _ = built("odf_news_ru_windows1251")
    undeclared = body.replace(b' encoding="windows-1251"', b"")
    result = parse(undeclared)
    assert [i.title for i in result.items] == [i.title for i in parse_built(BUILT[2]).items]
    assert result.bozo
    assert "guessed cp1251" in " ".join(result.warnings)


def test_a_windows_1251_feed_served_as_utf_8_is_still_read_in_russian() -> None:
    body, _ = built("odf_news_ru_windows1251")
    result = parse(body, **{"Content-Type": "application/rss+xml; charset=utf-8"})
    assert result.items[1].title == "Верховный суд Украины отказал Жанаре Ахметовой в убежище"


def test_a_utf_8_feed_served_as_iso_8859_1_is_read_as_utf_8() -> None:
    body, _ = built("odf_news_ru_windows1251")
    utf8 = body.decode("cp1251").replace("windows-1251", "utf-8").encode()
    result = parse(utf8, **{"Content-Type": "text/xml; charset=ISO-8859-1"})
    assert result.items[0].title == "Мухтар Аблязов получил статус беженца во Франции"


def test_the_same_feed_in_utf_16_gives_the_same_items() -> None:
    body, request = built("odf_news_rss20")
    utf16 = body.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    original = parse_built("odf_news_rss20")
    result = parse_feed(utf16, url=request["url"], headers={})
    assert [(i.key, i.title, i.text) for i in result.items] == [
        (i.key, i.title, i.text) for i in original.items
    ]
    assert result.complete


def test_a_utf_8_feed_with_one_invalid_byte_keeps_every_other_letter() -> None:
    body, _ = built("odf_news_ru_windows1251")
    utf8 = body.decode("cp1251").replace("windows-1251", "utf-8").encode()
    broken = utf8.replace("Жанаре".encode(), b"\xff" + "Жанаре".encode(), 1)
    result = parse(broken)
    assert "Жанаре Ахметовой" in result.items[1].title
    assert "Мухтару Аблязову" in result.items[0].text
    assert result.bozo
    assert "1 bytes invalid in utf-8 were replaced" in result.warnings


def test_nul_and_control_bytes_never_reach_any_field() -> None:
    body = rss(item("Ab\x00lya\x01zov\x0b", "https://a.example/\x00x", "Syrym\x00 Shalabayev\x1f"))
    result = parse(body)
    entry = result.items[0]
    for value in (entry.key, entry.title, entry.text, entry.url or "", result.title):
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", value)
    assert entry.title == "Ablyazov"


# Hostile content ------------------------------------------------------------------------------
HOSTILE = rss(
    item(
        "<![CDATA[<b>Ablyazov</b> <script>alert('title')</script><img src=x onerror=alert(1)>]]>",
        "javascript:alert('link')",
        "&lt;p onclick=\"alert('click')\"&gt;Court &lt;b&gt;decision&lt;/b&gt;&lt;/p&gt;"
        "&lt;script&gt;alert('description')&lt;/script&gt;&lt;style&gt;p{color:red}&lt;/style&gt;"
        "&lt;iframe src=&quot;https://evil.example/&quot;&gt;&lt;/iframe&gt;",
        extra=(
            "<guid isPermaLink='false'>&lt;script&gt;alert('guid')&lt;/script&gt;</guid>"
            "<content:encoded xmlns:content='http://purl.org/rss/1.0/modules/content/'><![CDATA["
            "<div><p>Extradition of <a href='javascript:alert(1)'>Mukhtar Ablyazov</a></p>"
            "<script>document.write('alert')</script><noscript>alert noscript</noscript>"
            "<svg><script>alert('svg')</script></svg></div>]]></content:encoded>"
        ),
    ),
    channel="<title>&lt;script&gt;alert('feed')&lt;/script&gt;Court &amp; news</title>",
)


def test_html_and_script_in_every_field_come_out_as_plain_text() -> None:
    result = parse(HOSTILE)
    entry = result.items[0]
    assert entry.title == "Ablyazov"
    assert entry.text == "Extradition of Mukhtar Ablyazov"
    assert entry.url is None
    assert result.title == "Court & news"
    for value in (entry.title, entry.text, entry.key, result.title):
        assert "alert" not in value
        assert "<" not in value


@pytest.mark.parametrize(
    "title",
    [
        "Ablyazov\r\nBcc: everyone@example.org",
        "Ablyazov&#13;&#10;Bcc: everyone@example.org",
        "Ablyazov\u2028Bcc: everyone@example.org",
        "Ablyazov\u0085Bcc: everyone@example.org",
        "<![CDATA[Ablyazov<br/>\nBcc: everyone@example.org]]>",
        "<![CDATA[<p>Ablyazov</p><p>Bcc: everyone@example.org</p>]]>",
    ],
    ids=["crlf", "char-refs", "line-separator", "nel", "br", "paragraphs"],
)
def test_line_breaks_in_a_title_come_out_as_one_line(title: str) -> None:
    result = parse(rss(item(title, "/a/1"), channel=f"<title>{title}</title>"))
    for line in (result.items[0].title, result.title):
        assert line.splitlines() == [line]
        assert line.startswith("Ablyazov")
        assert line.endswith("Bcc: everyone@example.org")


@pytest.mark.slow
def test_deeply_nested_html_in_an_entry_does_not_crash() -> None:
    nested = "&lt;div&gt;" * 100_000 + "Zhanara Akhmetova" + "&lt;/div&gt;" * 100_000
    result = parse(rss(item("Deep", "/a/1", nested)))
    assert result.items[0].text == "Zhanara Akhmetova"


@pytest.mark.slow
def test_a_five_megabyte_feed_is_read_whole() -> None:
    text = "Muratbek Ketebayev left Spain and went back to Poland. " * 10
    entries = "".join(item(f"Entry {n}", f"/a/{n}", text) for n in range(8_000))
    body = rss(entries)
    assert len(body) > 5_000_000
    result = parse(body)
    assert len(result.items) == 8_000
    assert result.complete


@pytest.mark.parametrize("soup", ["<a " * 20_000 + "<b" * 20_000, "<item " * 20_000])
def test_a_feed_of_unclosed_tags_is_read_as_far_as_possible(soup: str) -> None:
    body = rss(item("Shalabayev", "/a/1", "ok") + item("Ketebayev", "/a/2", soup))
    result = parse(body)
    assert result.items[0].title == "Shalabayev"
    assert result.status is FeedStatus.PARTIAL


# Broken is never empty ------------------------------------------------------------------------
def test_a_truncated_feed_is_partial_not_complete() -> None:
    body, request = built("odf_news_rss20")
    cut = body[: body.index(b"<title>Supreme Court of Ukraine")]
    result = parse_feed(cut, url=request["url"], headers=request["headers"])
    assert result.status is FeedStatus.PARTIAL
    assert not result.complete
    assert not result.broken
    assert result.bozo
    assert [i.title for i in result.items][:2] == [
        "France grants refugee status to Mukhtar Ablyazov",
        "MEPs appeal to President Zelensky to halt the extradition of Zhanara Akhmetova",
    ]
    # The last entry has no end: no entry's own bytes can be told apart with certainty.
    assert all(i.raw == cut for i in result.items)


def test_an_html_error_page_is_a_broken_source_not_an_empty_feed() -> None:
    page = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
    result = parse(page, **{"Content-Type": "text/html"})
    assert result.items == []
    assert result.broken
    assert result.status is FeedStatus.BROKEN
    assert "not recognisable as RSS or Atom" in result.warnings


def test_a_well_formed_xhtml_page_is_not_a_feed_either() -> None:
    page = b'<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Maintenance</p></body></html>'
    assert parse(page).status is FeedStatus.BROKEN


def test_an_empty_body_is_a_broken_source() -> None:
    assert parse(b"").status is FeedStatus.BROKEN


def test_a_feed_cut_off_before_its_first_entry_is_broken() -> None:
    body, _ = built("odf_news_rss20")
    assert parse(body[: body.index(b"<item>")]).status is FeedStatus.BROKEN


def test_a_valid_feed_with_no_entries_is_complete_and_empty() -> None:
    result = parse(rss(""))
    assert result.items == []
    assert result.complete
    assert not result.broken
    assert result.title == "Court news"


def test_blank_lines_before_the_xml_declaration_do_not_make_a_feed_ill_formed() -> None:
    body, _ = built("odf_news_rss20")
    result = parse(b"\n\n  " + body)
    assert result.complete
    assert not result.bozo


# Entity attacks (the check itself is in test_xmlsafety.py) ------------------------------------
def test_a_billion_laughs_feed_is_refused_with_the_reason_and_bounded_memory() -> None:
    laughs = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY l0 "lol">{laughs}]>'.encode()
        + rss(item("&l9;", "/a/1")).split(b"?>", 1)[1]
    )
    tracemalloc.start()
    result = parse(body)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert result.status is FeedStatus.REFUSED
    assert result.broken
    assert result.items == []
    assert "declares the entity 'l0'" in result.warnings[-1]
    assert peak < 5_000_000


def test_an_entity_bomb_after_the_root_element_is_inert_text() -> None:
    # Entities can only be declared before the root element; a DOCTYPE inside the document is
    # ill-formed XML, which feedparser's lenient parser reads without defining any entity.
    laughs = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    body = rss(item(f'<!DOCTYPE rss [<!ENTITY l0 "lol">{laughs}]>&l9; Pavlov', "/a/1"))
    tracemalloc.start()
    result = parse(body)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert result.status is FeedStatus.PARTIAL
    assert "lollol" not in result.items[0].title
    assert result.items[0].title.endswith("Pavlov")
    assert peak < 5_000_000


def test_an_external_entity_feed_is_refused_and_the_file_never_read() -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><title>&x;</title><item><title>&x;</title></item>'
        b"</channel></rss>"
    )
    result = parse(body)
    assert result.status is FeedStatus.REFUSED
    assert "root:" not in json.dumps(shown(result, body))


def test_an_external_dtd_is_never_fetched_and_the_feed_is_read() -> None:
    with HttpTestServer() as server:
        server.route("/rss-0.91.dtd", Reply.raw(b'<!ENTITY who "Ablyazov">', "text/plain"))
        dtd = server.url("/rss-0.91.dtd")
        body = (
            '<?xml version="1.0"?>\n'
            f'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "{dtd}">\n'
        ).encode() + rss(item("Pavlov &who;", "/a/1")).split(b"?>", 1)[1]
        result = parse(body)
        assert server.count("/rss-0.91.dtd") == 0
    assert result.items[0].title.startswith("Pavlov")
    assert "Ablyazov" not in result.items[0].title


def test_xinclude_is_not_processed() -> None:
    body = rss(
        item(
            "Court",
            "/a/1",
            extra='<x:include xmlns:x="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/>',
        )
    )
    assert "root:" not in parse(body).items[0].text


# Never crash ----------------------------------------------------------------------------------
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise_and_never_read_as_an_empty_feed(body: bytes) -> None:
    result = parse(body)
    if not result.items:
        assert result.broken


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_real_feed_damaged_anywhere_never_raises_and_is_never_silently_empty(
    data: st.DataObject,
) -> None:
    body, request = built("odf_news_rss20")
    start = data.draw(st.integers(0, len(body) - 1))
    length = data.draw(st.integers(1, 200))
    junk = data.draw(st.binary(min_size=0, max_size=50))
    damaged = body[:start] + junk + body[start + length :]
    result = parse_feed(damaged, url=request["url"], headers=request["headers"])
    if not result.items:
        assert result.broken or (result.complete and b"<item" not in damaged)
