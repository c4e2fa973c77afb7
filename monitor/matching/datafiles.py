"""The matching engine's data files (monitor/matching/data/, sources in its SOURCES.md)."""

from __future__ import annotations

from importlib import resources


def text(name: str) -> str:
    """A data file's whole text."""
    return resources.files("monitor.matching").joinpath("data").joinpath(name).read_text("utf-8")


def word_list(name: str) -> list[str]:
    """A one-entry-per-line list: stripped lines, blank lines and "#" comments left out."""
    lines = (line.strip() for line in text(name).splitlines())
    return [line for line in lines if line and not line.startswith("#")]
