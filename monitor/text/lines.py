"""One-line text for subjects, titles and snippets: control characters and line breaks collapsed,
cut at a limit."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
MAX_SUBJECT = 200


def one_line(text: str, limit: int = MAX_SUBJECT) -> str:
    """Collapse control characters and line breaks into spaces; cut at `limit` characters."""
    flat = " ".join(_CONTROL.sub(" ", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
