"""RSS/Atom feeds: parse (pure) and collect."""

from __future__ import annotations
