"""Where the app may send a browser back to after a form: a path of this site, never elsewhere.

Rules:
- a local path starts with one "/" (not "//", which browsers read as another site) and holds no
  backslash (browsers read "/\\" as "//"), no control character (browsers drop tabs and newlines,
  so "/\\t/x" would become "//x") and no scheme or host;
- anything else, or a path longer than MAX_PATH, is no path at all (None): the caller's default.
"""

from __future__ import annotations

from urllib.parse import urlsplit

MAX_PATH = 512


def local_path(value: str | None) -> str | None:
    """`value` if it is a path of this site to send a browser to, else None."""
    if not value or len(value) > MAX_PATH or not value.startswith("/") or value.startswith("//"):
        return None
    if "\\" in value or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return None
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else None
