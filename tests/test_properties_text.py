"""Property tests of the text helpers every scraped field goes through before it is stored,
matched or mailed.

- a title is one line whatever it holds: no CR, LF, other breaks, controls or direction overrides
  (subjects and headers are built from it), and cutting it again changes nothing;
- any bytes decode without an error and without control characters;
- any HTML becomes text without an error;
- a canonical URL is canonical: canonicalising it again changes nothing, and only http(s) with
  a host is ever produced.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.text.decode import decode_bytes
from monitor.text.html import html_to_text, single_line
from monitor.text.lines import one_line
from monitor.text.urls import canonical_url

ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, categories=None)
BREAKS = st.sampled_from(list("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\t\x00\x1b\u202e\u2067"))
TITLE = st.text(st.one_of(ANY_CHAR, BREAKS, st.sampled_from(list("Bcc: x@evil.example "))))
LINE_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029\u202a-\u202e\u2066-\u2069]")
EMAIL_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


@settings(max_examples=500, deadline=None)
@given(TITLE, st.integers(min_value=1, max_value=600))
def test_a_title_is_always_one_clean_line(title: str, limit: int) -> None:
    line = single_line(title, limit=limit)
    assert not LINE_BREAKS.search(line)
    assert len(line) <= limit + 1  # the cut adds "…"
    assert single_line(line, limit=limit + 1) == line


@settings(max_examples=500, deadline=None)
@given(TITLE)
def test_an_email_subject_is_always_one_line(subject: str) -> None:
    line = one_line(subject)
    assert not EMAIL_BREAKS.search(line) and len(line) <= 200
    assert one_line(line) == line


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=400), st.lists(st.sampled_from(["utf-8", "utf-7", "koi8-r", "x"])))
def test_any_bytes_decode_without_control_characters(body: bytes, declared: list[str]) -> None:
    text = decode_bytes(body, declared).text
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(ANY_CHAR, st.sampled_from(["<", ">", "&#", ";", "<![", "<!--"]))))
def test_any_html_becomes_text(pieces: list[str]) -> None:
    text = html_to_text("".join(pieces))
    assert isinstance(text, str) and "\u00ad" not in text and "\u200b" not in text


URL_PARTS = st.sampled_from(
    ["http://", "https://", "HTTP://", "javascript:", "//", "a.example", "ёж.рф", ":8080", ":0",
     "/", "..", ".", "%2e", "%zz", "?", "&", "=", "utm_source=x", "#", "@", "[::1]", " ", "\t",
     ";jsessionid=1", "\x00", "é", "%41"]
)  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(URL_PARTS, max_size=12).map("".join), st.sampled_from([None, "https://b.example/x/"])
)
def test_a_canonical_url_is_http_and_stays_the_same_when_canonicalised_again(
    url: str, base: str | None
) -> None:
    try:
        once = canonical_url(url, base)
    except ValueError:
        return
    assert re.match(r"https?://[^/?#\s]+/", once)
    assert canonical_url(once) == once
