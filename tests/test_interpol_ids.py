"""One INTERPOL notice-id format: what the parser reads from INTERPOL, an advocate can write in
watchlist.yaml, and the recorded real ids all fit it."""

from __future__ import annotations

import re

import pytest

from monitor.config.watchlist import InterpolSource, WatchlistError, parse_watchlist
from monitor.interpol.client import InterpolOptions
from monitor.interpol.parse import entity_id_from_url_id, url_id
from tests.paths import FIXTURES


def _watchlist_ids(notice_id: str) -> list[str]:
    doc = (
        "people:\n  - id: a\n    name: A B\n"
        f"    interpol_notice_ids: ['{notice_id}']\n"
        "    advocates: [l]\nadvocates:\n  - {id: l, name: L, email: l@example.org}\n"
    ).encode()
    return parse_watchlist(doc).people[0].interpol_notice_ids


def _recorded_ids() -> set[str]:
    found: set[str] = set()
    for path in (FIXTURES / "interpol").glob("*.json"):
        found.update(re.findall(r'"entity_id":\s*"(\d{4}/\d+)"', path.read_text()))
    return found


@pytest.mark.parametrize("notice_id", ["2014/123", "2014/12345", "2023/123456", "2031/1234567"])
def test_an_id_the_parser_reads_can_be_written_in_the_watchlist(notice_id: str) -> None:
    assert entity_id_from_url_id(url_id(notice_id)) == notice_id
    assert _watchlist_ids(notice_id) == [notice_id]
    assert _watchlist_ids(notice_id.replace("/", "-")) == [notice_id]


def test_every_recorded_interpol_id_is_read_and_writable() -> None:
    ids = _recorded_ids()
    assert len(ids) > 10
    for notice_id in ids:
        assert entity_id_from_url_id(url_id(notice_id)) == notice_id
        assert _watchlist_ids(notice_id) == [notice_id]


@pytest.mark.parametrize("written", ["14/12345", "2014/", "2014/1234567890", "2014:12345"])
def test_a_malformed_id_is_refused_in_the_watchlist(written: str) -> None:
    with pytest.raises(WatchlistError, match="INTERPOL notice id"):
        _watchlist_ids(written)


def test_the_watchlist_and_the_client_default_to_the_same_interpol_api() -> None:
    source = parse_watchlist(b"sources:\n  - {id: i, type: interpol}\n").sources[0]
    assert isinstance(source, InterpolSource)
    assert str(source.base_url).rstrip("/") == InterpolOptions().base_url
