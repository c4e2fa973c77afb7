"""Bytes to text the way browsers read them: BOMs, HTTP and <meta> charsets, sniffing, lenient
fallbacks (pure)."""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from monitor.text.notes import Note

# --------------------------------------------------------------------------------------------
# Decoding bytes
# --------------------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
# Labels servers and documents use that Python does not know, or that browsers read differently
# (WHATWG Encoding Standard: "iso-8859-1" and "us-ascii" mean windows-1252).
_LABEL_ALIASES = {
    "x-cp1251": "cp1251",
    "win-1251": "cp1251",
    "x-cp1252": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "x-sjis": "shift_jis",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "tis-620": "cp874",
    "koi8-r": "koi8-u",
}
# Python codecs that are not character sets a web page can legitimately be in (UTF-7 is a known
# script-smuggling vector; the escape codecs would turn bytes into arbitrary characters).
_REFUSED_CODECS = frozenset(
    {"utf-7", "unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined"}
)
_CHARSET_PARAM = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE)
_META_CHARSET = re.compile(
    rb"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE
)
# XML 1.0 and HTML both forbid these; they only ever come from broken or hostile documents.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HIGH_BYTES = bytes(range(0x80))  # translate(None, delete=...) keeps only bytes >= 0x80
_ASCII_LETTERS = bytes(b for b in range(256) if not chr(b).isascii() or not chr(b).isalpha())


@dataclass(frozen=True)
class Decoded:
    """Text decoded from bytes, the codec used, and what was odd about it."""

    text: str
    encoding: str
    warnings: tuple[str, ...] = ()


def header(headers: Mapping[str, str], name: str) -> str | None:
    """The value of an HTTP header, whatever the case of its name in `headers`."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def charset_of(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type value, if any."""
    match = _CHARSET_PARAM.search(content_type or "")
    return match.group(1) if match else None


def decode_bytes(body: bytes, declared: Sequence[str | None] = ()) -> Decoded:
    """Decode a fetched document, trusting evidence in the order that rarely lies.

    - A byte order mark wins; then UTF-16/32 recognised by its zero bytes.
    - Bytes that are valid UTF-8 are UTF-8, whatever was declared (a server's default
      "ISO-8859-1" in front of a UTF-8 page is the common lie; the reverse never decodes).
    - Then the `declared` labels in order (HTTP charset first, then the document's own), the
      first that decodes without error.
    - Then the first declared encoding (UTF-8 if none) with the bad bytes replaced by U+FFFD,
      when fewer than half of the non-ASCII bytes are bad: a UTF-8 feed with one broken byte
      keeps all its other letters.
    - Else a guess from byte statistics: windows-1251 or KOI8 for Cyrillic text, else
      windows-1252; always with a warning.
    - Control characters (other than tab, CR, LF) are removed.
    """
    text, encoding, warnings = _decode(body, _codecs_of(declared))
    cleaned = _CONTROL_CHARS.sub("", text)
    if len(cleaned) != len(text):
        warnings.append(f"removed {len(text) - len(cleaned)} control characters (NUL...)")
    return Decoded(cleaned, encoding, tuple(warnings))


def decode_html(body: bytes, headers: Mapping[str, str]) -> Decoded:
    """Decode an HTML page: charset from the HTTP header, then `<meta>`, then the bytes."""
    declared = [charset_of(header(headers, "content-type")), _meta_charset(body)]
    return decode_bytes(body, declared)


def _meta_charset(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:16384])
    return match.group(1).decode("ascii") if match else None


def _codecs_of(labels: Sequence[str | None]) -> list[str]:
    found: list[str] = []
    for label in labels:
        codec = _codec(label)
        if codec and codec not in found:
            found.append(codec)
    return found


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    try:
        name = codecs.lookup(_LABEL_ALIASES.get(label, label)).name
        b"".decode(name)  # LookupError for codecs that are not text encodings (rot13, zlib)
    except LookupError:
        return None
    return None if name in _REFUSED_CODECS else name


def _decode(body: bytes, declared: list[str]) -> tuple[str, str, list[str]]:
    bom = _bom(body)
    if bom:
        return _lenient(body[len(bom[0]) :], bom[1])
    wide = _sniff_wide(body)
    if wide:
        return _lenient(body, wide)
    try:
        return body.decode("utf-8"), "utf-8", _override_warning(declared, "utf-8", body)
    except UnicodeDecodeError:
        pass
    for codec in declared:
        try:
            return body.decode(codec), codec, _override_warning(declared, codec, body)
        except (UnicodeDecodeError, LookupError):
            continue
    return _best_effort(body, declared[0] if declared else "utf-8")


def _bom(body: bytes) -> tuple[bytes, str] | None:
    for mark, codec in _BOMS:
        # A UTF-16-LE BOM followed by two zero bytes is the UTF-32-LE one, tested first.
        if body.startswith(mark):
            return mark, codec
    return None


def _sniff_wide(body: bytes) -> str | None:
    head = body[:4]
    if head in (b"\x00\x00\x00<", b"\x00\x00\x00\n"):
        return "utf-32-be"
    if head in (b"<\x00\x00\x00", b"\n\x00\x00\x00"):
        return "utf-32-le"
    if head == b"\x4c\x6f\xa7\x94":  # "<?xm" in EBCDIC
        return "cp037"
    sample = body[:256]
    even, odd = sample[0::2], sample[1::2]
    if len(sample) >= 4 and odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if len(sample) >= 4 and even.count(0) > 0.4 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _lenient(body: bytes, codec: str) -> tuple[str, str, list[str]]:
    text = body.decode(codec, "replace")
    bad = text.count("\ufffd")
    warnings = [f"{bad} bytes invalid in {codec} were replaced"] if bad else []
    return text, codec, warnings


def _override_warning(declared: list[str], used: str, body: bytes) -> list[str]:
    if not declared or declared[0] == used or body.isascii():
        return []
    return [Note(f"declared as {declared[0]} but decoded as {used}")]


def _best_effort(body: bytes, codec: str) -> tuple[str, str, list[str]]:
    text = body.decode(codec, "replace")
    valid = len(text.replace("\ufffd", "").encode(codec, "replace"))
    non_ascii = len(body.translate(None, delete=_HIGH_BYTES))
    if len(body) - valid < non_ascii / 2:
        return _lenient(body, codec)
    guess = _guess_single_byte(body)
    text, _, warnings = _lenient(body, guess)
    guessed = f"encoding not {codec}: guessed {guess} from the bytes"
    # Guessed right (every byte decoded) is a note; replaced bytes are the problem, told apart.
    return text, guess, [Note(guessed) if not warnings else guessed, *warnings]


def _guess_single_byte(body: bytes) -> str:
    sample = body[:65536]
    letters = len(sample.translate(None, delete=_ASCII_LETTERS))
    upper_half = sample.translate(None, delete=bytes(range(0xC0)))
    lower_case_1251 = len(upper_half.translate(None, delete=bytes(range(0xE0))))
    if len(upper_half) < 0.3 * (letters + len(upper_half)):
        return "cp1252"
    # Cyrillic prose is mostly lower case: 0xE0-0xFF in windows-1251, 0xC0-0xDF in KOI8.
    return "cp1251" if lower_case_1251 * 2 >= len(upper_half) else "koi8-u"
