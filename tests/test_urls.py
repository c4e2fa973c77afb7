"""monitor.text.urls: one spelling per page, so one article reached twice is one item."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.text.urls import canonical_url, is_http_url

ARTICLE = "https://odf.example.org/a/33101,france-grants-refugee-status/"


def test_it_lower_cases_scheme_and_host_but_not_the_path() -> None:
    assert canonical_url("HTTPS://ODF.Example.ORG/A/Case-12") == "https://odf.example.org/A/Case-12"


def test_it_drops_the_default_port_and_keeps_another() -> None:
    assert canonical_url("http://court.example.org:80/x") == "http://court.example.org/x"
    assert canonical_url("https://court.example.org:443/x") == "https://court.example.org/x"
    assert canonical_url("https://court.example.org:8443/x") == "https://court.example.org:8443/x"


def test_it_drops_the_fragment() -> None:
    assert canonical_url(ARTICLE + "#comments") == ARTICLE


@pytest.mark.parametrize(
    "tracking",
    [
        "utm_source=rss",
        "utm_medium=email&utm_campaign=weekly",
        "UTM_Content=banner",
        "fbclid=IwAR0xyz",
        "gclid=Cj0KCQ",
        "mc_cid=8a1b&mc_eid=77",
        "yclid=123",
        "_ga=2.1.2.3",
        "msclkid=abc",
        "PHPSESSID=8f2c1",
    ],
)
def test_it_removes_tracking_and_session_parameters(tracking: str) -> None:
    assert canonical_url(f"{ARTICLE}?{tracking}") == ARTICLE
    assert canonical_url(f"{ARTICLE}?id=7&{tracking}") == f"{ARTICLE}?id=7"


def test_it_keeps_the_other_parameters_in_their_order_and_spelling() -> None:
    url = "https://court.example.org/case.php?z=1&a=2&utm_source=x&b=&flag"
    assert canonical_url(url) == "https://court.example.org/case.php?z=1&a=2&b=&flag"


def test_it_removes_a_java_session_from_the_path() -> None:
    url = "https://court.example.org/case;jsessionid=0A1B2C?id=3"
    assert canonical_url(url) == "https://court.example.org/case?id=3"


def test_it_resolves_a_relative_link_against_the_base() -> None:
    base = "https://odf.example.org/feed/rss/"
    assert canonical_url("../a/1", base) == "https://odf.example.org/feed/a/1"
    assert canonical_url("/a/1", base) == "https://odf.example.org/a/1"
    assert canonical_url("//cdn.example.org/a", base) == "https://cdn.example.org/a"


def test_it_removes_dot_segments_of_an_absolute_url() -> None:
    assert canonical_url("https://a.example/x/./y/../z") == "https://a.example/x/z"
    assert canonical_url("https://a.example") == "https://a.example/"


def test_it_normalises_percent_escapes() -> None:
    # %7E is "~" (unreserved: decoded); other escapes get upper-case hex; a lone "%" is escaped.
    url = "https://a.example/%7euser/%e2%82%ac?q=100%"
    assert canonical_url(url) == "https://a.example/~user/%E2%82%AC?q=100%25"


def test_a_cyrillic_link_and_its_escaped_form_are_one_url() -> None:
    raw = "https://пример.рф/новости/аблязов?q=суд"
    escaped = canonical_url(raw)
    assert escaped.startswith("https://xn--e1afmkfd.xn--p1ai/%D0%BD%D0%BE")
    assert canonical_url(escaped) == escaped


def test_spaces_and_line_breaks_inside_a_link_do_not_make_another_url() -> None:
    assert canonical_url(f"  {ARTICLE}\n") == ARTICLE
    assert canonical_url("https://a.example/a b") == "https://a.example/a%20b"
    assert canonical_url("https://a.example/a\r\n/b") == "https://a.example/a/b"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "mailto:advocate@example.org",
        "file:///etc/passwd",
        "data:text/html,<script>alert(1)</script>",
        "/relative/without/base",
        "http://court.example.org:port/",
        "http:///no-host",
        "http://exa mple.org/",
        "",
    ],
)
def test_it_refuses_what_is_not_an_absolute_http_url(url: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        canonical_url(url)
    assert not is_http_url(url)


def test_is_http_url_accepts_a_relative_link_with_a_base() -> None:
    assert is_http_url("/a/1", "https://odf.example.org/feed/")
    assert not is_http_url("javascript:void(0)", "https://odf.example.org/feed/")


_hosts = st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z]{2,5}){1,2}", fullmatch=True)
_segments = st.lists(st.text(min_size=0, max_size=8), max_size=4)
# Values without spaces or control characters: those at the very end of a URL are trimmed.
_values = st.text(st.characters(blacklist_categories=("Z", "C")), max_size=6)
_params = st.lists(st.tuples(st.from_regex(r"[a-z]{1,6}", fullmatch=True), _values), max_size=4)


@given(
    scheme=st.sampled_from(["http", "https", "HTTP"]),
    host=_hosts,
    segments=_segments,
    params=_params,
)
def test_a_canonical_url_is_its_own_canonical_form(
    scheme: str, host: str, segments: list[str], params: list[tuple[str, str]]
) -> None:
    query = "&".join(f"{name}={value}" for name, value in params)
    url = f"{scheme}://{host}/{'/'.join(segments)}" + (f"?{query}" if query else "")
    once = canonical_url(url)
    assert canonical_url(once) == once


@given(host=_hosts, params=_params, tracking=st.sampled_from(["utm_source=rss", "fbclid=1"]))
def test_adding_a_tracking_parameter_never_changes_the_canonical_url(
    host: str, params: list[tuple[str, str]], tracking: str
) -> None:
    query = "&".join(f"{name}={value}" for name, value in params if not name.startswith("utm"))
    url = f"https://{host}/a" + (f"?{query}" if query else "")
    tracked = f"{url}{'&' if query else '?'}{tracking}"
    assert canonical_url(tracked) == canonical_url(url)
