"""Qualifiers: what birth date, nationality and sex say about a name match.

A conflict lowers a match (to "review", never an alert by itself); it never drops it.
"""

from __future__ import annotations

import re

from monitor.matching.models import MatchPerson, Qualifiers, QualifierState, Record

_DATE = re.compile(r"^\s*(\d{4})(?:[-/.](\d{1,2}))?(?:[-/.](\d{1,2}))?\s*$")
_SEX = {"m": "M", "male": "M", "f": "F", "female": "F"}


def parse_date(value: str | None) -> tuple[int, ...]:
    """(year,), (year, month) or (year, month, day) from "1963", "1963/05/16", "1963-05"; () if none."""
    match = _DATE.match(value or "")
    if not match:
        return ()
    return tuple(int(part) for part in match.groups() if part)


def compare_dates(a: str | None, b: str | None) -> QualifierState:
    """Agree when every part both dates give is equal; conflict on the first that differs.

    - partial dates compare on what they share ("1963" agrees with "1963-05-16")
    - a missing or unreadable date is "unknown"
    """
    left, right = parse_date(a), parse_date(b)
    if not left or not right:
        return "unknown"
    shared = min(len(left), len(right))
    return "agrees" if left[:shared] == right[:shared] else "conflicts"


def compare_sets(a: tuple[str, ...], b: tuple[str, ...]) -> QualifierState:
    """Agree when the two sets of countries share one; conflict when both are known and disjoint."""
    left = {c.strip().upper() for c in a if c.strip()}
    right = {c.strip().upper() for c in b if c.strip()}
    if not left or not right:
        return "unknown"
    return "agrees" if left & right else "conflicts"


def compare_sex(a: str | None, b: str | None) -> QualifierState:
    """Agree or conflict when both sides say M or F; unknown otherwise."""
    left, right = _SEX.get((a or "").strip().lower()), _SEX.get((b or "").strip().lower())
    if not left or not right:
        return "unknown"
    return "agrees" if left == right else "conflicts"


def qualify(person: MatchPerson, record: Record) -> Qualifiers:
    """The qualifiers of a record against a watched person."""
    return Qualifiers(
        birth_date=compare_dates(person.birth_date, record.birth_date),
        nationality=compare_sets(person.nationalities, record.nationalities),
        sex=compare_sex(person.sex, record.sex),
    )
