"""monitor.pages.parse on saved pages (golden files) and on hostile ones.

Each page in fixtures/pages has a `<page>.request.json` (the URL, headers and what to read:
a listing with its selectors, the watched text, the article text, a diff from another page) and
a golden `<page>.expected.json`. When a golden file is missing the test writes it and fails: a
person reads it, and the next run compares against it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from monitor.exc import ConfigError
from monitor.pages.parse import (
    LayoutChanged,
    PageResult,
    extract_article_text,
    extract_watched,
    parse_listing,
)
from monitor.text.decode import decode_html
from monitor.text.diff import diff_text
from monitor.text.html import html_to_text, single_line
from tests.paths import FIXTURES

HERE = FIXTURES / "pages"
PAGES = sorted(HERE.glob("*.html"))
COURT = "https://court.example.org/penal/extradition"
TABLE_ROWS = "table#decisions > tbody > tr"
CP1251_TEXT = "Суд отказал в экстрадиции Сырыма Шалабаева"


# Helpers --------------------------------------------------------------------------------------
def golden(source: Path, actual: object) -> None:
    path = source.with_name(f"{source.stem}.expected.json")
    text = json.dumps(actual, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if not path.exists():
        path.write_text(text, encoding="utf-8")
        pytest.fail(f"wrote {path.name}: read it, then run the test again")
    assert json.loads(text) == json.loads(path.read_text(encoding="utf-8"))


def request_of(page: Path) -> dict[str, Any]:
    return dict(json.loads(page.with_suffix(".request.json").read_text(encoding="utf-8")))


def watched(name: str) -> str:
    page = HERE / f"{name}.html"
    request = request_of(page)
    return extract_watched(page.read_bytes(), url=request["url"], headers=request["headers"])


def shown_listing(result: PageResult, body: bytes) -> dict[str, Any]:
    return {
        "matched_nothing": result.matched_nothing,
        "warnings": result.warnings,
        "items": [
            {
                "key": item.key,
                "title": item.title,
                "text": item.text,
                "url": item.url,
                "raw": "the whole page" if item.raw == body else "something else",
            }
            for item in result.items
        ],
    }


def read(page: Path) -> dict[str, Any]:
    """Everything the page's request asks for, as the golden file shows it."""
    body, request = page.read_bytes(), request_of(page)
    url, headers = request["url"], request["headers"]
    shown: dict[str, Any] = {}
    if "listing" in request:
        result = parse_listing(body, url=url, headers=headers, **request["listing"])
        shown["listing"] = shown_listing(result, body)
    if "watched" in request:
        shown["watched"] = extract_watched(body, url=url, headers=headers, **request["watched"])
    if "article" in request:
        shown["article"] = extract_article_text(body, url=url, headers=headers)
    if "diff_from" in request:
        shown["diff"] = diff_text(watched(request["diff_from"]), shown["watched"])
    return shown


def listing(html: str | bytes, selector: str = "ul.cases > li", **options: Any) -> PageResult:
    body = html.encode() if isinstance(html, str) else html
    return parse_listing(
        body, url=COURT, headers=options.pop("headers", {}), item_selector=selector, **options
    )


# Golden files ---------------------------------------------------------------------------------
@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_each_saved_page_reads_as_its_golden_file(page: Path) -> None:
    golden(page, read(page))


# Listing pages --------------------------------------------------------------------------------
def test_a_listing_whose_layout_changed_matches_nothing_and_says_so() -> None:
    page = HERE / "court_listing_redesigned.html"
    result = parse_listing(page.read_bytes(), url=COURT, headers={}, item_selector=TABLE_ROWS)
    assert result.matched_nothing
    assert result.items == []
    assert "layout changed?" in result.warnings[0]


def test_a_listing_that_lists_nothing_today_is_not_a_layout_change() -> None:
    page = HERE / "court_listing_empty.html"
    result = parse_listing(page.read_bytes(), url=COURT, headers={}, item_selector=TABLE_ROWS)
    assert not result.matched_nothing
    assert result.items == []
    assert result.warnings == []


def test_an_item_selector_without_container_cannot_tell_empty_from_changed() -> None:
    page = HERE / "court_listing_empty.html"
    result = parse_listing(page.read_bytes(), url=COURT, headers={}, item_selector="tr.case")
    assert result.matched_nothing


def test_links_are_made_absolute_against_the_base_element() -> None:
    page = HERE / "court_listing.html"
    request = request_of(page)
    items = parse_listing(
        page.read_bytes(), url=request["url"], headers={}, **request["listing"]
    ).items
    assert items[0].url == "https://court.example.org/penal/decisions/2013/EXT-58-2013.html"


def test_links_without_a_base_element_are_resolved_against_the_page_url() -> None:
    result = listing('<ul class="cases"><li><a href="../case/7">Case 7</a></li></ul>')
    assert result.items[0].url == "https://court.example.org/case/7"


def test_a_javascript_link_is_no_link_and_the_row_is_keyed_by_its_content() -> None:
    result = listing(
        '<ul class="cases"><li><a href="javascript:openCase(3)">Case 3</a> Ketebayev</li>'
        '<li><a href="mailto:clerk@court.example.org">Case 4</a> Pavlov</li></ul>'
    )
    assert [item.url for item in result.items] == [None, None]
    assert all(item.key.startswith("hash:") for item in result.items)
    assert len({item.key for item in result.items}) == 2


def test_tracking_and_session_parameters_do_not_change_a_rows_key() -> None:
    first = listing('<ul class="cases"><li><a href="/c?id=3&PHPSESSID=a1">Case 3</a></li></ul>')
    again = listing(
        '<ul class="cases"><li><a href="/c?id=3&PHPSESSID=b2&utm_source=x">Case 3</a></li></ul>'
    )
    assert first.items[0].key == again.items[0].key == "url:https://court.example.org/c?id=3"


def test_rows_sharing_one_link_but_saying_different_things_stay_separate() -> None:
    result = listing(
        '<ul class="cases"><li><a href="/hearings">Hearing</a> 10:00 Shalabayev</li>'
        '<li><a href="/hearings">Hearing</a> 14:00 Ketebayev</li></ul>'
    )
    assert len(result.items) == 2
    assert all(item.key.startswith("hash:") for item in result.items)


def test_scripts_styles_and_hidden_parts_never_reach_a_rows_text() -> None:
    result = listing(
        '<ul class="cases"><li><a href="/c/1">Case 1</a> <script>var x = "alert(1)";</script>'
        "<style>li{color:red}</style><span hidden>draft</span><noscript>enable js</noscript>"
        '<span style="display: none">secret</span> Pavlov <!-- internal note --></li></ul>'
    )
    assert result.items[0].text == "Case 1 Pavlov"


def test_markup_in_every_field_of_a_row_comes_out_as_plain_text() -> None:
    result = listing(
        '<ul class="cases"><li onclick="alert(1)"><a href="/c/1" title="<script>">'
        "<b>Pavlov</b><img src=x onerror=alert(2)></a><p>&lt;script&gt;alert(3)&lt;/script&gt;"
        "</p></li></ul>"
    )
    entry = result.items[0]
    assert entry.title == "Pavlov"
    assert entry.text == "Pavlov\n<script>alert(3)</script>"  # escaped text stays literal text


def test_line_breaks_in_a_rows_title_come_out_as_one_line() -> None:
    result = listing(
        '<ul class="cases"><li><a href="/c/1">Pavlov<br>\r\nBcc: all@example.org</a></li></ul>'
    )
    assert result.items[0].title == "Pavlov Bcc: all@example.org"


def test_every_row_keeps_the_whole_page_as_evidence() -> None:
    body = b'<ul class="cases"><li><a href="/c/1">Case 1</a></li></ul>'
    assert listing(body).items[0].raw == body


def test_a_match_inside_another_match_is_part_of_it() -> None:
    result = listing(
        '<ul class="cases"><li><a href="/c/1">Case 1</a>'
        '<ul class="cases"><li><a href="/c/1/h">Hearing: Pavlov</a></li></ul></li></ul>'
    )
    assert [item.text for item in result.items] == ["Case 1\nHearing: Pavlov"]


def test_an_invalid_selector_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match=r"'ul\.cases > li\[' is not a usable CSS selector"):
        listing("<ul></ul>", selector="ul.cases > li[")


# Watched pages and diffs ----------------------------------------------------------------------
def test_a_case_page_whose_markup_changed_reads_the_same() -> None:
    assert watched("case_akhmetova_restyled") == watched("case_akhmetova")


def test_a_real_change_of_a_case_page_shows_as_removed_and_added_lines() -> None:
    diff = diff_text(watched("case_akhmetova"), watched("case_akhmetova_updated"))
    assert "- Pending before the Grand Chamber" in diff.splitlines()
    assert "+ Closed: asylum refused; decision final" in diff.splitlines()
    assert any(line.startswith("+ 19.05.2020") for line in diff.splitlines())
    assert not any("Page generated" in line for line in diff.splitlines())


def test_a_selector_follows_only_its_part_of_the_page() -> None:
    body = (HERE / "case_akhmetova.html").read_bytes()
    text = extract_watched(body, url=COURT, headers={}, selector="dd.status")
    assert text == "Pending before the Grand Chamber"


def test_a_watched_selector_that_matches_nothing_raises_layout_changed() -> None:
    body = (HERE / "case_akhmetova_restyled.html").read_bytes()
    with pytest.raises(LayoutChanged, match="matched nothing"):
        extract_watched(body, url=COURT, headers={}, selector="dd.status")


@pytest.mark.parametrize("body", [b"", b"<html><body>  </body></html>", b"<script>x()</script>"])
def test_a_page_without_text_raises_layout_changed_rather_than_reading_as_deleted(
    body: bytes,
) -> None:
    with pytest.raises(LayoutChanged, match="no text"):
        extract_watched(body, url=COURT, headers={})


def test_a_diff_of_equal_texts_is_empty() -> None:
    assert diff_text("a\nb", "a\nb") == ""


def test_a_diff_is_bounded_in_lines_and_width() -> None:
    old = "\n".join(f"hearing {n}" for n in range(5_000))
    new = "\n".join(f"hearing {n} moved " + "x" * 1_000 for n in range(5_000))
    diff = diff_text(old, new, max_lines=50)
    lines = diff.splitlines()
    assert len(lines) == 51
    assert lines[-1].endswith("more lines not shown")
    assert max(len(line) for line in lines) <= 300


def test_a_diff_of_long_repetitive_texts_stays_cheap() -> None:
    # Without difflib's junk heuristic this pair takes minutes to compare.
    old, new = "\n".join(["Status"] * 2_000), "\n".join(["Status", "Hearing"] * 1_000)
    assert len(diff_text(old, new).splitlines()) == 201


def test_a_diff_names_the_line_where_the_change_starts() -> None:
    old = "\n".join(f"line {n}" for n in range(100))
    new = old.replace("line 60", "line sixty")
    assert diff_text(old, new, context=1).splitlines() == [
        "@@ line 60 @@",
        "  line 59",
        "- line 60",
        "+ line sixty",
        "  line 61",
    ]


# Article text ---------------------------------------------------------------------------------
def test_article_text_leaves_out_navigation_related_links_sidebar_and_footer() -> None:
    text = read(HERE / "article_ablyazov.html")["article"]
    assert text.startswith("We are pleased to inform you")
    for chrome in ("Donate", "Related", "Newsletter", "All rights reserved", "Share"):
        assert chrome not in text


def test_an_article_without_paragraphs_falls_back_to_the_body_text() -> None:
    body = b"<html><body><nav>Menu</nav><div>Syrym Shalabayev was released.</div></body></html>"
    assert extract_article_text(body, url=COURT, headers={}) == "Syrym Shalabayev was released."


def test_an_article_page_without_text_gives_an_empty_text() -> None:
    assert extract_article_text(b"", url=COURT, headers={}) == ""


# Decoding -------------------------------------------------------------------------------------
def page_text(body: bytes, **headers: str) -> str:
    return extract_watched(body, url=COURT, headers=headers)


def test_windows_1251_is_read_from_the_http_header() -> None:
    body = f"<p>{CP1251_TEXT}</p>".encode("cp1251")
    assert page_text(body, **{"content-type": "text/html; charset=windows-1251"}) == CP1251_TEXT


def test_windows_1251_is_read_from_the_meta_element() -> None:
    body = f'<meta charset="windows-1251"><p>{CP1251_TEXT}</p>'.encode("cp1251")
    assert page_text(body, **{"Content-Type": "text/html"}) == CP1251_TEXT


def test_undeclared_windows_1251_and_koi8_are_recognised_from_the_bytes() -> None:
    assert page_text(f"<p>{CP1251_TEXT}</p>".encode("cp1251")) == CP1251_TEXT
    assert page_text(f"<p>{CP1251_TEXT}</p>".encode("koi8-r")) == CP1251_TEXT


def test_a_byte_order_mark_wins_over_a_wrong_header() -> None:
    body = f"<p>{CP1251_TEXT}</p>".encode("utf-16")
    assert page_text(body, **{"Content-Type": "text/html; charset=windows-1251"}) == CP1251_TEXT


def test_a_utf_8_page_behind_a_default_iso_8859_1_header_is_read_as_utf_8() -> None:
    body = f'<meta charset="utf-8"><p>{CP1251_TEXT}</p>'.encode()
    decoded = decode_html(body, {"Content-Type": "text/html; charset=ISO-8859-1"})
    assert CP1251_TEXT in decoded.text
    assert decoded.warnings == ("declared as cp1252 but decoded as utf-8",)


def test_a_windows_1251_page_mislabelled_utf_8_is_still_read_in_russian() -> None:
    body = f"<p>{CP1251_TEXT}</p>".encode("cp1251")
    assert page_text(body, **{"Content-Type": "text/html; charset=utf-8"}) == CP1251_TEXT


def test_invalid_utf_8_bytes_cost_only_their_own_characters() -> None:
    body = f"<p>{CP1251_TEXT}</p>".encode().replace(
        "Сырыма".encode(), b"\xc0\xff" + "Сырыма".encode()
    )
    assert page_text(body, **{"Content-Type": "text/html; charset=utf-8"}) == (
        "Суд отказал в экстрадиции ��Сырыма Шалабаева"
    )


def test_an_unsafe_charset_label_is_ignored() -> None:
    body = b"<p>+ADw-script+AD4-alert(1)+ADw-/script+AD4-</p>"
    text = page_text(body, **{"Content-Type": "text/html; charset=utf-7"})
    assert text == "+ADw-script+AD4-alert(1)+ADw-/script+AD4-"


def test_nul_and_control_bytes_never_reach_the_text() -> None:
    text = page_text(b"<p>Ab\x00lya\x01zov</p><p>Pav\x0blov</p>")
    assert text == "Ablyazov\nPavlov"


def test_soft_hyphens_and_zero_width_spaces_do_not_split_a_name() -> None:
    assert html_to_text("<p>Ab&shy;lya\u200bzov&nbsp;Mukhtar</p>") == "Ablyazov Mukhtar"


def test_a_title_is_cut_at_a_word_and_stripped_of_direction_controls() -> None:
    assert single_line("\u202eAblyazov " + "word " * 200, limit=20) == "Ablyazov word word…"


# Hostile pages --------------------------------------------------------------------------------
@pytest.mark.slow
def test_deeply_nested_html_does_not_crash() -> None:
    body = b"<div>" * 100_000 + b"Zhanara Akhmetova" + b"</div>" * 100_000
    assert page_text(body) == "Zhanara Akhmetova"


def test_nested_matches_of_a_watched_selector_are_read_once() -> None:
    body = b'<div class="case">Pavlov' * 20_000 + b"</div>" * 20_000
    text = extract_watched(body, url=COURT, headers={}, selector="div.case")
    assert text.splitlines() == ["Pavlov"] * 20_000


@pytest.mark.parametrize(
    "body",
    [b"<p>Pavlov" * 20_000 + b"</p>" * 20_000, b"<article><p>Pavlov</p>" * 20_000],
    ids=["paragraphs", "articles"],
)
def test_deeply_nested_paragraphs_or_articles_do_not_stall_article_extraction(
    body: bytes,
) -> None:
    # Measuring each nested element's text separately reads the page 20 000 times (minutes).
    text = extract_article_text(body, url=COURT, headers={})
    assert text.splitlines() == ["Pavlov"] * 20_000


@pytest.mark.slow
def test_a_five_megabyte_listing_is_read_whole() -> None:
    row = "<li><a href='/c/{n}'>Case {n}</a> Muratbek Ketebayev left Spain. {pad}</li>"
    rows = "".join(row.format(n=n, pad="x" * 250) for n in range(16_000))
    body = f'<html><body><ul class="cases">{rows}</ul></body></html>'.encode()
    assert len(body) > 5_000_000
    result = listing(body)
    assert len(result.items) == 16_000
    assert result.items[-1].url == "https://court.example.org/c/15999"


@pytest.mark.parametrize("soup", ["<a " * 100_000, '<a x="' * 100_000, "<!--" * 100_000])
def test_unclosed_tags_at_the_end_of_a_page_are_read_as_text(soup: str) -> None:
    # Python's html.parser (before 3.11.13) is quadratic here: minutes for this page unguarded.
    body = f'<ul class="cases"><li><a href="/c/1">Case 1</a></li></ul>{soup}'.encode()
    assert listing(body).items[0].title == "Case 1"


@pytest.mark.slow
def test_thousands_of_void_tags_do_not_make_parsing_quadratic() -> None:
    # BeautifulSoup scans a list of every unclosed <br> at each end tag: minutes for this page.
    body = b"<p>Pavlov" + b"<br>" * 100_000 + b"</p>" * 100_000
    assert page_text(body) == "Pavlov"


@pytest.mark.parametrize("section", ["<![", "<![foo[", "<![ CDATA[x]]>"])
def test_a_marked_section_html_parser_rejects_does_not_crash(section: str) -> None:
    body = f'<ul class="cases"><li><a href="/c/1">Case 1</a> {section} Pavlov</li></ul>'
    assert re.search("Pavlov", listing(body).items[0].text)
