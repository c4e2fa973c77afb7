"""Every value the web app signs, with itsdangerous and MONITOR_SECRET_KEY.

Rules:
- one salt per purpose, so a value signed for one use (a CSRF token) is never accepted for
  another (a session cookie);
- every signed value carries its signing time; `load` refuses what is older than its purpose allows;
- a value altered by one character, signed with another key or expired is refused as a whole
  (`BadLink`), never half-read;
- what the database keeps to recognise a client (its address) is a keyed hash (HMAC-SHA256 with
  the secret key): a copy of the database cannot be matched against a list of addresses;
- links in emails begin with MONITOR_PUBLIC_URL: `/login/<token>` (sign-in) and `/v/<token>`
  (one-click verdicts).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any

from itsdangerous import BadData, URLSafeTimedSerializer

SESSION_MAX = timedelta(days=7)
SESSION_IDLE = timedelta(hours=12)
SIGN_IN_VALID = timedelta(minutes=15)
VERDICT_VALID = timedelta(days=14)
CSRF_VALID = timedelta(days=7)
VERDICT_CODES = {"confirmed": "c", "not_this_person": "n"}
VERDICTS = {code: verdict for verdict, code in VERDICT_CODES.items()}


class BadLink(Exception):
    """A signed value that is altered, expired or meant for something else."""


class Signer:
    """Signs and checks the app's values; one instance per secret key."""

    def __init__(self, secret_key: str) -> None:
        self._key = secret_key.encode("utf-8")
        self._serializers = {
            purpose: URLSafeTimedSerializer(secret_key, salt=f"redwatch/{purpose}")
            for purpose in ("session", "csrf", "sign-in", "verdict")
        }

    def dump(self, purpose: str, value: Any) -> str:
        return str(self._serializers[purpose].dumps(value))

    def load(self, purpose: str, token: str, max_age: timedelta) -> Any:
        try:
            return self._serializers[purpose].loads(token, max_age=int(max_age.total_seconds()))
        except BadData:
            raise BadLink(purpose) from None

    def keyed_hash(self, purpose: str, value: str) -> str:
        """HMAC-SHA256 of `value` for one purpose (64 hex digits): the same value and key give the
        same hash in every instance, and without the key it cannot be recomputed."""
        message = f"redwatch/{purpose}\0{value}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()


def token_hash(token: str) -> str:
    """What the database keeps of a secret token: its SHA-256, never the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class EmailLinks:
    """The links the outbox puts into emails (sign-in, one-click verdicts, a person's page)."""

    def __init__(self, signer: Signer, public_url: str) -> None:
        self.signer = signer
        self.base = public_url.rstrip("/")

    def sign_in(self, link_id: int) -> str:
        return f"{self.base}/login/{self.signer.dump('sign-in', {'l': link_id})}"

    def verdict(self, advocate_id: str, event_id: int) -> dict[str, str]:
        """The "Yes, this is them" and "Not this person" links of one possible match."""
        return {
            verdict: f"{self.base}/v/{self.signer.dump('verdict', [advocate_id, event_id, code])}"
            for verdict, code in VERDICT_CODES.items()
        }

    def person(self, person_id: str) -> str:
        return f"{self.base}/people/{person_id}"


def read_verdict_link(signer: Signer, token: str) -> tuple[str, int, str]:
    """(advocate id, event id, verdict) of a one-click link, or BadLink."""
    value = signer.load("verdict", token, VERDICT_VALID)
    if not (isinstance(value, list) and len(value) == 3 and value[2] in VERDICTS):
        raise BadLink("verdict")
    advocate_id, event_id, code = value
    if not isinstance(advocate_id, str) or not isinstance(event_id, int):
        raise BadLink("verdict")
    return advocate_id, event_id, VERDICTS[code]


def read_sign_in_link(signer: Signer, token: str) -> int:
    value = signer.load("sign-in", token, SIGN_IN_VALID)
    if not (isinstance(value, dict) and isinstance(value.get("l"), int)):
        raise BadLink("sign-in")
    return int(value["l"])
