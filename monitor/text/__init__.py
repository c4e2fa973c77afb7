"""Pure text helpers shared by every parser: decoding, HTML to text, one-line and diff helpers,
URLs, XML safety."""

from __future__ import annotations
