"""Notes: the benign remarks a parser makes about a poll, told apart from real problems."""

from __future__ import annotations

from collections.abc import Sequence


class Note(str):
    """A benign remark about a poll, not a problem of the source: an encoding guessed right,
    true repeats merged, links shared by entries told apart otherwise.

    A warning is a plain `str`; a `Note` is kept in the poll's warnings (its summary line and
    log) but never makes the source "degraded" nor appears among the digest's source problems.
    """

    __slots__ = ()


def problems(warnings: Sequence[str]) -> list[str]:
    """The warnings that are real problems (not notes)."""
    return [warning for warning in warnings if not isinstance(warning, Note)]
