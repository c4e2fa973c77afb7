"""Parsers, one module per source type: bytes in, items out, no I/O."""

from __future__ import annotations
