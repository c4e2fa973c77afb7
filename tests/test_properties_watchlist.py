"""Property tests of watchlist validation: an admin's mistake, whatever it is, gets a message that
says where and what; it never crashes `monitor check` and never lets a bad value through.

- any bytes, and any YAML tree of mappings, lists and scalars, are either a watchlist or a
  WatchlistError whose every problem points at a line of the file with a message;
- one bad value in an otherwise good watchlist is reported at its own line, and only there;
- every value the validator accepts is stored in the form the rest of the service reads
  (upper-case country codes, ISO partial dates).
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from monitor.watchlist import Watchlist, WatchlistError, parse_watchlist

GOOD = """\
people:
  - id: mukhtar-ablyazov
    name: Mukhtar Ablyazov
    aliases: [Мухтар Аблязов]
    birth_date: {birth_date}
    nationalities: [{nationality}]
    advocates: [odf]
advocates:
  - id: odf
    name: Open Dialogue
    email: {email}
    digest: {digest}
sources:
  - id: news
    type: feed
    url: https://news.example.org/feed
    interval: {interval}
"""
GOOD_VALUES = {
    "birth_date": "1963-05-16",
    "nationality": "kz",
    "email": "alerts@odf.example.org",
    "digest": "weekly",
    "interval": "30m",
}
LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
LINE_OF = {"birth_date": 5, "nationality": 6, "email": 11, "digest": 12, "interval": 17}

SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=30),
)
TREE = st.recursive(
    SCALAR,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(
                st.sampled_from(["people", "advocates", "sources", "id", "name", "type", "url"]),
                st.text(max_size=10),
            ),
            children,
            max_size=5,
        ),
    ),
    max_leaves=25,
)


def assert_reported_with_positions(error: WatchlistError, text: bytes) -> None:
    # YAML breaks lines at \r\n, \n, a lone \r (old Mac files), NEL, LS and PS.
    lines = len(LINE_BREAK.split(text.decode("utf-8", "replace")))
    assert error.problems, "a refused watchlist names at least one problem"
    for problem in error.problems:
        assert 1 <= problem.line <= lines + 1, problem
        assert problem.column >= 1, problem
        assert problem.message.strip(), problem


def check(text: bytes) -> Watchlist | WatchlistError:
    try:
        return parse_watchlist(text)
    except WatchlistError as error:
        assert_reported_with_positions(error, text)
        return error


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
@example(b"people:\r  - id: x\r    name: [unclosed\r\radvocates: []\r")  # old Mac line ends
def test_any_bytes_are_a_watchlist_or_problems_with_positions(data: bytes) -> None:
    check(data)


@settings(max_examples=300, deadline=None)
@given(TREE)
def test_any_yaml_tree_is_a_watchlist_or_problems_with_positions(tree: Any) -> None:
    text = yaml.safe_dump(tree, allow_unicode=True).encode()
    check(text)


def test_the_good_watchlist_of_these_properties_is_accepted() -> None:
    watchlist = parse_watchlist(GOOD.format(**GOOD_VALUES).encode())
    assert [p.id for p in watchlist.people] == ["mukhtar-ablyazov"]


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(sorted(GOOD_VALUES)),
    st.one_of(
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),
        st.integers(min_value=-(10**6), max_value=10**12).map(str),
        st.sampled_from(["", "~", "[]", "{}", "null", "2023-02-30", "1963-13", "zz", "xk", "0m"]),
    ),
)
def test_one_bad_value_is_reported_at_its_own_line_and_only_there(field: str, raw: str) -> None:
    value = yaml.safe_dump(raw, default_flow_style=True, width=10**6).removesuffix("\n...\n")
    value = value.strip()
    text = GOOD.format(**{**GOOD_VALUES, field: value}).encode()
    result = check(text)
    if isinstance(result, WatchlistError):
        assert {p.line for p in result.problems} == {LINE_OF[field]}, result.problems
        return
    person, advocate, source = result.people[0], result.advocates[0], result.sources[0]
    if field == "birth_date":
        assert re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", str(person.birth_date)), person.birth_date
    elif field == "nationality":
        assert [len(code) for code in person.nationalities] == [2]
        assert person.nationalities[0] == person.nationalities[0].upper()
    elif field == "email":
        assert "@" in advocate.email
    elif field == "digest":
        assert advocate.digest in ("weekly", "daily", "none")
    else:
        assert source.interval.total_seconds() >= 60
