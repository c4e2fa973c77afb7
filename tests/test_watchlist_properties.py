"""Property tests: whatever bytes an admin (or an attacker) puts in watchlist.yaml, `monitor check`
answers with positioned problems or a valid watchlist, never a crash.

- any bytes, text, arrangement of watchlist lines or YAML tree: a watchlist, or problems that
  each point at a line of the file (counted as YAML counts them) with a message;
- one bad value in an otherwise good watchlist is reported at its own line, and only there;
- every value the validator accepts is stored in the form the rest of the service reads.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from monitor.config.watchlist import (
    WatchlistError,
    format_interval,
    parse_interval,
    parse_watchlist,
)
from monitor.config.yamlpos import Problem

FRAGMENTS = st.sampled_from(
    [
        "people:",
        "advocates:",
        "sources:",
        "  - id: a",
        "    name: A B",
        "    name: ",
        "    birth_date: 1963-02-30",
        "    birth_date: 1963",
        "    advocates: [l]",
        "    advocates: l",
        "  - {id: l, name: L, email: l@example.org}",
        "  - {id: s, type: feed, url: 'https://x.example'}",
        "    nationalities: [KZ, XX]",
        "    interval: 5x",
        "&a [1]",
        "*a",
        "!!python/object:os.system",
        "  - [",
        "]",
        "{",
        "key: value",
        "\t",
        "    sex: M",
        "- - -",
        "---",
        "...",
        "%YAML 1.2",
        "'",
        '"',
        "    nmae: x",
        "    watch: [{url: 'https://c.example/1', selector: 'div[['}]",
    ]
)


LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def check(data: bytes) -> None:
    problems = []
    try:
        parse_watchlist(data)
    except WatchlistError as exc:
        problems = exc.problems
        assert problems, "an error always says what is wrong"
    # YAML breaks lines at \r\n, \n, a lone \r (old Mac files), NEL, LS and PS.
    lines = len(LINE_BREAK.split(data.decode("utf-8", "replace"))) + 1
    for problem in problems:
        assert 1 <= problem.line <= lines and problem.column >= 1 and problem.message


@settings(max_examples=300, deadline=None)
@given(st.lists(FRAGMENTS, max_size=25))
def test_any_arrangement_of_watchlist_lines_is_checked_without_crashing(lines: list[str]) -> None:
    check("\n".join(lines).encode())


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
@example(b"people:\r  - id: x\r    name: [unclosed\r\radvocates: []\r")  # old Mac line ends
def test_any_bytes_are_checked_without_crashing(data: bytes) -> None:
    check(data)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=500))
def test_any_text_is_checked_without_crashing(text: str) -> None:
    check(text.encode("utf-8", "surrogatepass"))


@given(st.dates(min_value=date(1900, 1, 1), max_value=date.today()), st.sampled_from([4, 7, 10]))
def test_every_real_date_is_accepted_as_written(day: date, width: int) -> None:
    written = day.isoformat()[:width]
    doc = (
        f"people:\n  - id: a\n    name: A B\n    birth_date: {written}\n    advocates: [l]\n"
        "advocates:\n  - {id: l, name: L, email: l@example.org}\n"
    )
    assert parse_watchlist(doc.encode()).people[0].birth_date == written


@given(st.integers(min_value=60, max_value=10**8))
def test_intervals_survive_a_round_trip(seconds: int) -> None:
    interval = parse_interval(format_interval(parse_interval(f"{seconds}s")))
    assert interval == timedelta(seconds=seconds)


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


@settings(max_examples=300, deadline=None)
@given(TREE)
def test_any_yaml_tree_is_a_watchlist_or_problems_with_positions(tree: Any) -> None:
    check(yaml.safe_dump(tree, allow_unicode=True).encode())


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
    problems: list[Problem] = []
    try:
        result = parse_watchlist(text)
    except WatchlistError as error:
        problems = error.problems
    if problems:
        assert {p.line for p in problems} == {LINE_OF[field]}, problems
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
