"""INTERPOL's facts that several modules need, written once: the API's address and the notice-id
format. (The withdrawal rule's constants, the sentinel count among them, live in lifecycle.py.)

Rules:
- a notice id is a four-digit year and a sequence number, `2014/12345` (`2014-12345` in URLs);
- the sequence has 1 to 9 digits: INTERPOL's own ids have 3 to 6 today (recorded responses in
  tests/fixtures/interpol), and a longer one must still parse and still be enterable in
  watchlist.yaml, so the parser and the watchlist accept the same ids.
"""

from __future__ import annotations

import re

BASE_URL = "https://ws-public.interpol.int"
# The year, then the sequence number; the separator is "/" in the API's entity ids, "-" in URLs.
NOTICE_YEAR = r"\d{4}"
NOTICE_SEQUENCE = r"\d{1,9}"
ENTITY_ID = re.compile(rf"^({NOTICE_YEAR})/({NOTICE_SEQUENCE})$")
URL_ID = re.compile(rf"^({NOTICE_YEAR})-({NOTICE_SEQUENCE})$")
# What an advocate may write in watchlist.yaml: either separator.
WRITTEN_ID = re.compile(rf"^({NOTICE_YEAR})[/-]({NOTICE_SEQUENCE})$")
