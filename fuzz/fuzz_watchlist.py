"""Fuzz watchlist.yaml validation: any bytes give a valid watchlist or positioned problems.

    .venv/bin/python -m fuzz.fuzz_watchlist [libFuzzer options] [corpus folders]

A finding is any exception but WatchlistError, or a problem without a message or outside the file.
"""

from __future__ import annotations

import re
import sys

import atheris  # type: ignore[import-untyped]

with atheris.instrument_imports(include=["monitor", "yaml"]):
    from monitor.config.watchlist import WatchlistError, parse_watchlist

LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def test_one_input(data: bytes) -> None:
    try:
        parse_watchlist(data)
    except WatchlistError as error:
        # YAML breaks lines at \r\n, \n, a lone \r (old Mac files), NEL, LS and PS.
        lines = len(LINE_BREAK.split(data.decode("utf-8", "replace"))) + 1
        for problem in error.problems:
            if not (problem.message and 1 <= problem.line <= lines and problem.column >= 1):
                raise AssertionError(f"problem without a place or a message: {problem}") from None


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
