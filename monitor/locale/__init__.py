"""The gettext catalogues of the emails and channel messages: <language>/LC_MESSAGES/redwatch.{po,mo}.

A leaf: the watchlist schema asks it which languages exist, the outbox loads the catalogues.
English is the language of the source strings, so it needs no catalogue.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent
DOMAIN = "redwatch"
SOURCE_LANGUAGE = "en"


@lru_cache(maxsize=1)
def available_languages() -> frozenset[str]:
    """English and every language with a compiled catalogue shipped in this package."""
    compiled = LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")
    return frozenset({SOURCE_LANGUAGE, *(path.parent.parent.name for path in compiled)})
