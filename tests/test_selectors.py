"""Selectors are read as browsers read them, or refused with a sentence that says what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config.watchlist import load_watchlist
from monitor.exc import ConfigError
from monitor.pages.parse import parse_listing
from monitor.text.selectors import InvalidSelector, compile_selector
from tests.e2e import write_watchlist

PAGE = (
    b"<html><body><ul class='decisions'>"
    b"<li><a href='/d/1.pdf'>Decision: Syrym Shalabayev</a></li>"
    b"<li><span>Hearing list updated</span></li>"
    b"</ul></body></html>"
)


@pytest.mark.parametrize(
    ("selector", "read_as"),
    [
        ("li:has(:scope > a)", "li:has(> a)"),
        ("li:has(a:is([href$='.pdf'], :-webkit-any-link))", "li:has(a:is([href$='.pdf']))"),
        ("li:has(a:where(:unknown-state))", "li:has(a:where(:not(*)))"),
        ("li:has(> a[href$='.PDF' i])", "li:has(> a[href$='.PDF' i])"),
    ],
)
def test_selectors_browsers_accept_inside_has_are_read_as_browsers_read_them(
    selector: str, read_as: str
) -> None:
    assert compile_selector(selector).pattern == read_as


def test_a_browser_valid_selector_finds_the_rows_a_browser_finds() -> None:
    result = parse_listing(
        PAGE,
        url="https://court.example.org/",
        headers={},
        item_selector="ul.decisions > li:has(:scope > a:is([href$='.pdf'], :-moz-any-link))",
    )
    assert [item.title for item in result.items] == ["Decision: Syrym Shalabayev"]


@pytest.mark.parametrize(
    ("selector", "said"),
    [
        ("li:has()", "(at character 8): a selector is missing there: an empty :has()"),
        ("li:has(a::before)", "a pseudo-element (::before, ::marker...) is no element of the page"),
        ("li:has(a:frobnicate)", ":frobnicate is not a pseudo-class a page read from its server"),
        ("ul >> li", "it is not CSS a browser would read"),
    ],
)
def test_selectors_no_browser_reads_are_explained_in_our_own_words(
    selector: str, said: str
) -> None:
    with pytest.raises(InvalidSelector) as refused:
        compile_selector(selector)
    message = str(refused.value)
    assert message.startswith(f"{selector!r} is not a usable CSS selector")
    assert said in message
    assert "strict rules" not in message and "detected as a pseudo-class" not in message


def test_the_watchlist_check_accepts_a_browser_valid_selector_and_explains_a_refusal(
    tmp_path: Path,
) -> None:
    def source(selector: str) -> dict[str, object]:
        return {
            "id": "court",
            "type": "page",
            "url": "https://court.example.org/list",
            "item_selector": selector,
        }

    accepted = load_watchlist(write_watchlist(tmp_path / "a.yaml", [source("li:has(:scope > a)")]))
    assert [s.id for s in accepted.all_sources if s.id == "court"] == ["court"]
    with pytest.raises(
        ConfigError, match=r"a pseudo-element \(::before, ::marker...\) is no element"
    ):
        load_watchlist(write_watchlist(tmp_path / "r.yaml", [source("li:has(a::before)")]))
