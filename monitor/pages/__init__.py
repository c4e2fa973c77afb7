"""HTML listing pages and case pages: parse (pure), collect and record."""

from __future__ import annotations
