"""Canonical URLs: one spelling per page, so the same article reached twice is one item."""

from __future__ import annotations

import re
import urllib.parse

_DEFAULT_PORTS = {"http": 80, "https": 443}

# Parameters that only say how a reader arrived (campaigns, ad clicks, newsletters): two links
# that differ only by them are the same article.
_TRACKING_PREFIXES = ("utm_", "hsa_", "pk_", "mtm_", "oly_")
_TRACKING_NAMES = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "yclid",
        "ysclid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "__hstc",
        "__hssc",
        "__hsfp",
        "igshid",
        "mkt_tok",
        "vero_id",
        "vero_conv",
        "wickedid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "rb_clickid",
        "s_cid",
        "srsltid",
        "at_medium",
        "at_campaign",
        "cmpid",
        "ito",
        # Session identifiers: a new one on every visit would make every item "new" every poll.
        "phpsessid",
        "jsessionid",
        "sessionid",
        "session_id",
        "cfid",
        "cftoken",
    }
)
# Java servlets put the session in the path: /case;jsessionid=0A1B2C?id=3
_PATH_SESSION = re.compile(r";jsessionid=[^/?#]*", re.IGNORECASE)

# Characters RFC 3986 calls unreserved: a %-escape of one of them means the same URL unescaped.
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
# Everything already legal in a path or query stays as it is; the rest is %-encoded as UTF-8.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_QUERY_SAFE = _PATH_SAFE + "?"
_USERINFO_SAFE = "!$&'()*+,;=:%-._~"
# WHATWG URL parsing drops these anywhere in the input; leading/trailing C0 and spaces are trimmed.
_INVISIBLE = re.compile(r"[\t\n\r]")
_C0_AND_SPACE = "".join(chr(code) for code in range(0x21))
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_HOST_CHARS = re.compile(r"[a-z0-9._:-]+")


def canonical_url(url: str, base: str | None = None) -> str:
    """The one spelling of an http(s) URL that two links to the same page share.

    - `url` is resolved against `base` first (relative links of a feed or a page).
    - Scheme and host are lower-cased; an IDN host becomes its punycode form; a trailing dot goes.
    - The default port (80 for http, 443 for https) is dropped; an empty path becomes `/`.
    - `.` and `..` path segments are removed; %-escapes get upper-case hex, and escapes of
      unreserved characters are decoded; spaces and non-ASCII characters are %-encoded (UTF-8).
    - The fragment is dropped.
    - Tracking parameters (utm_*, fbclid, gclid, mc_cid, mc_eid, yclid, _ga, ...) and session
      identifiers (PHPSESSID, jsessionid, also as `;jsessionid=` in the path) are removed; the
      other parameters keep their order and spelling; an empty query loses its `?`.
    - Raises ValueError for anything that is not an absolute http(s) URL with a host.
    """
    cleaned = _INVISIBLE.sub("", url).strip(_C0_AND_SPACE)
    if base is not None:
        cleaned = urllib.parse.urljoin(_INVISIBLE.sub("", base).strip(_C0_AND_SPACE), cleaned)
    parts = urllib.parse.urlsplit(cleaned)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL (scheme {scheme!r})")
    netloc = _canonical_netloc(parts, scheme)
    path = _canonical_path(parts.path)
    query = _canonical_query(parts.query)
    return urllib.parse.urlunsplit((scheme, netloc, path, query, ""))


def is_http_url(url: str, base: str | None = None) -> bool:
    """Whether `url` (resolved against `base`) is an absolute http(s) URL with a host.

    - True exactly when `canonical_url` accepts it; `javascript:`, `mailto:`, `file:`,
      relative links without a base and malformed hosts or ports are all False.
    """
    try:
        canonical_url(url, base)
    except ValueError:
        return False
    return True


def _canonical_netloc(parts: urllib.parse.SplitResult, scheme: str) -> str:
    host = _canonical_host(parts.hostname or "")
    port = parts.port  # raises ValueError on a port that is not a number or out of range
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    userinfo, at, _ = parts.netloc.rpartition("@")
    # Encoded like a path: a raw space or control there made a "canonical" URL that is not one.
    return f"{_encode(userinfo, _USERINFO_SAFE)}@{netloc}" if at else netloc


def _canonical_host(hostname: str) -> str:
    host = hostname.rstrip(".").lower()
    if not host:
        raise ValueError("URL has no host")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as error:
            raise ValueError("URL has an invalid international host name") from error
    if not _HOST_CHARS.fullmatch(host):
        raise ValueError("URL host has characters a host name cannot have")
    return host


def _canonical_path(path: str) -> str:
    # Escapes first, then dot segments (RFC 3986, 6.2.2): "/x/%2e" is "/x/", and decoding after
    # the removal left a "." that made a second spelling of the same page.
    return _remove_dot_segments(_encode(_PATH_SESSION.sub("", path), _PATH_SAFE)) or "/"


def _remove_dot_segments(path: str) -> str:
    # RFC 3986 section 5.2.4, expressed on the list of segments.
    output: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        elif segment == ".":
            if last:
                output.append("")
        else:
            output.append(segment)
    return "/".join(output)


def _canonical_query(query: str) -> str:
    kept = [pair for pair in query.split("&") if pair and not _is_tracking(pair)]
    return "&".join(_encode(pair, _QUERY_SAFE) for pair in kept)


def _is_tracking(pair: str) -> bool:
    name = urllib.parse.unquote(pair.partition("=")[0]).strip().lower()
    return name in _TRACKING_NAMES or name.startswith(_TRACKING_PREFIXES)


def _encode(text: str, safe: str) -> str:
    # A "%" that starts no escape is a literal percent sign and must itself be escaped.
    text = _LONE_PERCENT.sub("%25", text)
    return _normalise_escapes(urllib.parse.quote(text, safe=safe))


def _normalise_escapes(text: str) -> str:
    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else f"%{match.group(1).upper()}"

    return _ESCAPE.sub(fix, text)


def absolute_link(href: str | None, base: str) -> str | None:
    """`href` as a canonical absolute http(s) URL, or None (javascript:, mailto:, malformed)."""
    if not href or not is_http_url(href, base):
        return None
    return canonical_url(href, base)
