"""Fuzz the INTERPOL parsers: list, detail and images responses.

    .venv/bin/python -m fuzz.fuzz_interpol [libFuzzer options] [corpus folders]

A finding is any exception but ParseError, or a parsed notice that could not be stored: text with
a NUL or a lone surrogate, a number JSON cannot hold (NaN, infinity), a key over 512 characters.
"""

from __future__ import annotations

import json
import sys

import atheris  # type: ignore[import-untyped]

with atheris.instrument_imports(include=["monitor"]):
    from fuzz.invariants import check_text
    from monitor.exc import ParseError
    from monitor.interpol.parse import parse_detail, parse_images, parse_list
    from monitor.items import Item


def storable(item: Item) -> None:
    if len(item.key) > 512:
        raise AssertionError(f"key of {len(item.key)} characters")
    check_text(item.title, "title")
    # What the database's JSON column does with it: no NaN, no infinity, valid UTF-8.
    json.dumps(item.data, allow_nan=False, ensure_ascii=False).encode("utf-8")
    check_text(json.dumps(item.data, ensure_ascii=False), "data")


def test_one_input(data: bytes) -> None:
    if not data:
        return
    body = data[1:]
    try:
        if data[0] % 3 == 0:
            for item in parse_list(body, "red").items:
                storable(item)
        elif data[0] % 3 == 1:
            storable(parse_detail(body, "red"))
        else:
            parse_images(body)
    except ParseError:
        pass


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
