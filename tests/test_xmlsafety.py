"""monitor.text.xmlsafety: entity tricks are refused before anything expands or fetches them.

Memory is measured with tracemalloc, which also sees expat's own allocations (pyexpat allocates
through Python's allocator): an expanded bomb would show as gigabytes, a refusal as kilobytes.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterator

import pytest

from monitor.text.xmlsafety import Screened, UnsafeXml, screen_xml
from tests.paths import FIXTURES
from tests.servers.http_server import HttpTestServer, Reply

CORPUS = FIXTURES / "feeds" / "feedparser"

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title></channel></rss>
"""
QUADRATIC_BLOWUP = (
    b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "'
    + b"A" * 100_000
    + b'">]><rss version="2.0"><channel><title>'
    + b"&a;" * 100_000
    + b"</title></channel></rss>"
)
PASSWD = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><item><title>&xxe;</title></item></channel></rss>
"""
FEED = b'<rss version="2.0"><channel><title>Court news</title></channel></rss>'


def peak_memory(action: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        action()
    except UnsafeXml:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


@pytest.fixture
def server() -> Iterator[HttpTestServer]:
    with HttpTestServer() as running:
        yield running


def test_a_billion_laughs_document_is_refused_before_any_expansion() -> None:
    with pytest.raises(UnsafeXml, match="declares the entity 'lol'"):
        screen_xml(BILLION_LAUGHS)
    # Expanded, &lol9; is 3 GB of "lol"; refused at the first declaration it costs kilobytes.
    assert peak_memory(lambda: screen_xml(BILLION_LAUGHS)) < 1_000_000


def test_a_quadratic_blowup_document_is_refused_with_bounded_memory() -> None:
    with pytest.raises(UnsafeXml, match="declares the entity 'a'"):
        screen_xml(QUADRATIC_BLOWUP)
    # 100 000 references to a 100 KB entity would be 10 GB; the refusal stays near the input.
    assert peak_memory(lambda: screen_xml(QUADRATIC_BLOWUP)) < 4 * len(QUADRATIC_BLOWUP)


def test_an_external_entity_pointing_at_etc_passwd_is_refused() -> None:
    with pytest.raises(UnsafeXml, match="external entity 'xxe'") as refused:
        screen_xml(PASSWD)
    assert "root:" not in str(refused.value)


def test_an_external_entity_on_a_web_server_is_refused_and_never_fetched(
    server: HttpTestServer,
) -> None:
    server.route("/evil.xml", Reply.raw(b"Mukhtar Ablyazov", "text/plain"))
    document = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "{server.url("/evil.xml")}">]>'
        "<rss><channel><title>&x;</title></channel></rss>"
    ).encode()
    with pytest.raises(UnsafeXml, match="external entity 'x'"):
        screen_xml(document)
    assert server.count("/evil.xml") == 0


@pytest.mark.parametrize(
    "subset",
    [
        b'<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p;',
        b"<!ENTITY % p \"<!ENTITY x 'boom'>\"> %p;",
        b'<!ENTITY % p PUBLIC "-//W3C//ENTITIES Latin 1//EN" "xhtml-lat1.ent">',
    ],
    ids=["external", "internal", "public"],
)
def test_parameter_entities_are_refused(subset: bytes) -> None:
    document = b'<?xml version="1.0"?><!DOCTYPE rss [' + subset + b"]><rss/>"
    with pytest.raises(UnsafeXml, match="entity 'p'"):
        screen_xml(document)


def test_an_unparsed_entity_is_refused() -> None:
    document = (
        b'<!DOCTYPE rss [<!NOTATION gif SYSTEM "image/gif">'
        b'<!ENTITY logo SYSTEM "file:///etc/passwd" NDATA gif>]><rss/>'
    )
    with pytest.raises(UnsafeXml, match="entity 'logo'"):
        screen_xml(document)


def test_an_external_dtd_is_removed_and_never_fetched(server: HttpTestServer) -> None:
    server.route("/rss.dtd", Reply.raw(b'<!ENTITY title "Ablyazov">', "application/xml-dtd"))
    document = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "{server.url("/rss.dtd")}">\n'
        "<rss><channel><title>&title;</title></channel></rss>"
    ).encode()
    screened = screen_xml(document)
    assert screened.document == (
        b'<?xml version="1.0"?>\n\n<rss><channel><title>&title;</title></channel></rss>'
    )
    assert "was not fetched" in screened.notes[0]
    assert server.count("/rss.dtd") == 0


def test_a_dtd_on_the_local_disk_is_removed_unread() -> None:
    document = b'<!DOCTYPE rss SYSTEM "file:///etc/passwd"><rss><channel/></rss>'
    assert screen_xml(document).document == b"<rss><channel/></rss>"


def test_a_plain_doctype_is_removed_and_the_rest_is_unchanged() -> None:
    document = b'<?xml version="1.0"?>\n<!DOCTYPE rss>\n' + FEED
    assert screen_xml(document) == Screened(
        b'<?xml version="1.0"?>\n\n' + FEED, ("DOCTYPE removed",)
    )


def test_a_doctype_with_only_element_declarations_is_accepted() -> None:
    document = b"<!DOCTYPE rss [<!ELEMENT rss ANY><!-- a comment -->]>" + FEED
    assert screen_xml(document).document == FEED


def test_a_document_without_doctype_passes_byte_for_byte() -> None:
    assert screen_xml(FEED) == Screened(FEED)


def test_the_word_entity_inside_cdata_is_not_a_declaration() -> None:
    document = (
        b'<rss version="2.0"><channel><item><description><![CDATA['
        b'How <!ENTITY lol "lol"> attacks work]]></description></item></channel></rss>'
    )
    assert screen_xml(document).document == document


def test_a_bomb_in_utf_16_is_refused() -> None:
    document = BILLION_LAUGHS.decode().replace('"1.0"', '"1.0" encoding="utf-16"', 1)
    with pytest.raises(UnsafeXml):
        screen_xml(document.encode("utf-16"))


def test_a_bomb_behind_junk_that_expat_cannot_read_is_found_by_the_byte_scan() -> None:
    with pytest.raises(UnsafeXml, match="found by scanning"):
        screen_xml(b"\n\n  junk <" + BILLION_LAUGHS)


def test_a_bomb_in_utf_16_without_byte_order_mark_is_found_by_the_byte_scan() -> None:
    with pytest.raises(UnsafeXml):
        screen_xml(b"junk" + BILLION_LAUGHS.decode().encode("utf-16-le"))


def test_a_bomb_in_ebcdic_is_refused() -> None:
    document = '<?xml version="1.0" encoding="cp037"?><!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>'
    with pytest.raises(UnsafeXml):
        screen_xml(document.encode("cp037"))


def test_a_bomb_with_a_lower_case_keyword_for_the_lenient_parser_is_refused() -> None:
    with pytest.raises(UnsafeXml):
        screen_xml(b"<<<<<!entity lol 'lol'><rss>&lol;</rss>")


@pytest.mark.parametrize(
    "name",
    ["wellformed/rss/entity_in_doctype.xml", "wellformed/rdf/doctype_contains_entity_decl.xml"],
)
def test_feedparsers_own_feeds_with_entity_declarations_are_refused_deliberately(
    name: str,
) -> None:
    # A documented choice (module docstring): no news feed needs entities, every bomb does.
    with pytest.raises(UnsafeXml, match="declares the"):
        screen_xml((CORPUS / name).read_bytes())


def test_a_netscape_style_doctype_with_an_external_dtd_is_accepted() -> None:
    screened = screen_xml((CORPUS / "illformed/always_strip_doctype.xml").read_bytes())
    assert b"DOCTYPE" not in screened.document
    assert b"<title>found</title>" in screened.document
    assert screened.notes == (
        "DOCTYPE removed; its external DTD 'http://site.invalid/' was not fetched",
    )


def test_broken_xml_without_entities_goes_on_to_the_lenient_parser() -> None:
    document = b"<rss><channel><title>unclosed & broken</channel>"
    assert screen_xml(document).document == document
