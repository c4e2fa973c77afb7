"""Pure text helpers shared by every parser: decoding, HTML to text, lines and diffs, URLs, XML safety."""

from __future__ import annotations
