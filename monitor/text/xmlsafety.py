"""The hardened door for untrusted XML: entity tricks are refused before anything expands them.

Policy (deliberate; the tests in tests/test_xmlsafety.py prove each line):

- Any entity declaration is refused: general or parameter, internal or external, parsed or
  unparsed. They are the vehicle of every XML bomb (billion laughs, quadratic blowup) and of
  every external-entity attack (`<!ENTITY x SYSTEM "file:///etc/passwd">`), and no news or court
  feed needs them. This refuses two legitimate-looking files of feedparser's own test corpus
  (`wellformed/rss/entity_in_doctype.xml`, `wellformed/rdf/doctype_contains_entity_decl.xml`);
  that is the price, and a refused feed is a loud source error, not a silent empty feed.
- A plain DOCTYPE, with or without an external DTD reference (every Netscape RSS 0.91 feed has
  `<!DOCTYPE rss PUBLIC "..." "http://my.netscape.com/...dtd">`), is accepted: the DTD is never
  fetched (expat does not load external DTDs unless asked, and we never ask) and the DOCTYPE is
  removed before the document goes on, so feedparser never sees an external reference.
- The check reads only the prolog: expat (through defusedxml's handlers) stops at the root
  element's start tag, so a 5 MB feed costs the same as a 5 KB one, and a bomb is refused at its
  first declaration, before a single entity is expanded.
- If expat cannot read the prolog (broken XML, leading junk, an encoding expat lacks), the
  fallback is a byte scan: any `<!ENTITY` anywhere (in ASCII-compatible, UTF-16/32 or EBCDIC
  bytes) refuses the document; feedparser's loose parser would otherwise get to read it.
- When the prolog reads cleanly, the rest is not scanned: the text "<!ENTITY" in a CDATA section
  is not a declaration, and a DOCTYPE after the root element declares nothing (it is ill-formed
  XML; feedparser's lenient parser reads it as inert text and expands no entity, which
  tests/test_feeds.py proves with a bomb placed there).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import defusedxml  # type: ignore[import-untyped]
from defusedxml.ElementTree import DefusedXMLParser  # type: ignore[import-untyped]

from monitor.exc import ParseError

# The fallback scan: "<!ENTITY" in any case, with or without blanks after "<!", in bytes from
# which the zero bytes of UTF-16/32 have been removed, or in EBCDIC (cp037/cp500).
_ENTITY_DECLARATION = re.compile(rb"<!\s*entity", re.IGNORECASE)
_EBCDIC_ENTITY = ("<!ENTITY".encode("cp037"), "<!entity".encode("cp037"))
_DOCTYPE = re.compile(rb"<!DOCTYPE\b[^<>\[]*(?:\[[^\]]*\])?\s*>")
_ROOT_START = re.compile(rb"<[A-Za-z_]")


class UnsafeXml(ParseError):
    """The document declares entities: refused unread. `reason` says which declaration."""

    permanent = True

    def __init__(self, reason: str) -> None:
        super().__init__(f"unsafe XML refused: {reason}")
        self.reason = reason


@dataclass(frozen=True)
class Screened:
    """A document that passed the check, with its DOCTYPE (if any) removed."""

    document: bytes
    notes: tuple[str, ...] = ()


def screen_xml(document: bytes) -> Screened:
    """Refuse XML that declares entities; return the rest without its DOCTYPE.

    - Raises UnsafeXml for any `<!ENTITY ...>` declaration (general, parameter, external,
      unparsed) and for any reference to an external entity.
    - Never fetches anything, never expands any entity, and reads only up to the root element.
    - A DOCTYPE (an external DTD reference included) is removed and noted; the DTD is not read.
    - Broken XML is not an error here: it goes on to the feed parser, unless the byte scan finds
      an entity declaration in it.
    """
    prolog = _read_prolog(document)
    if prolog is None:
        return _screen_unreadable(document)
    return _drop_doctype(document, prolog)


@dataclass(frozen=True)
class _Prolog:
    doctype_end: int | None  # byte index of the DOCTYPE's final ">"
    system_id: str | None


class _RootReached(Exception):
    """Raised from the start-tag handler: the prolog is over, nothing more to check."""


class _StopAtRoot:
    # An ElementTree parser target whose only job is to stop the parse at the root's start tag.
    def start(self, tag: str, attrs: dict[str, str]) -> None:
        raise _RootReached

    def end(self, tag: str) -> None:
        return None

    def data(self, data: str) -> None:
        return None

    def close(self) -> None:
        return None


def _read_prolog(document: bytes) -> _Prolog | None:
    parser = DefusedXMLParser(
        target=_StopAtRoot(), forbid_dtd=False, forbid_entities=True, forbid_external=True
    )
    seen: dict[str, Any] = {}
    expat = parser.parser
    expat.StartDoctypeDeclHandler = lambda name, sysid, pubid, internal: seen.update(sysid=sysid)
    expat.EndDoctypeDeclHandler = lambda: seen.update(end=expat.CurrentByteIndex)
    try:
        parser.feed(document)
        parser.close()
    except _RootReached:
        return _Prolog(seen.get("end"), seen.get("sysid"))
    except defusedxml.EntitiesForbidden as error:
        raise UnsafeXml(_entity_reason(error)) from None
    except defusedxml.ExternalReferenceForbidden as error:
        raise UnsafeXml(f"reference to the external entity {error.sysid!r}") from None
    except (SyntaxError, ValueError, LookupError):
        # ParseError (a SyntaxError), "multi-byte encodings are not supported", unknown codec.
        return None
    return None  # no root element at all: let the byte scan decide


def _entity_reason(error: Any) -> str:
    kind = "external entity" if error.sysid or error.pubid else "entity"
    return f"declares the {kind} {error.name!r}"


def _drop_doctype(document: bytes, prolog: _Prolog) -> Screened:
    if prolog.doctype_end is None:
        return Screened(document)
    start = document.rfind(b"<!DOCTYPE", 0, prolog.doctype_end)
    if start < 0:  # not an ASCII-compatible encoding: leave it, it is inert
        return Screened(document, _doctype_note(prolog.system_id))
    cleaned = document[:start] + document[prolog.doctype_end + 1 :]
    return Screened(cleaned, _doctype_note(prolog.system_id))


def _doctype_note(system_id: str | None) -> tuple[str, ...]:
    if system_id:
        return (f"DOCTYPE removed; its external DTD {system_id!r} was not fetched",)
    return ("DOCTYPE removed",)


def _screen_unreadable(document: bytes) -> Screened:
    if _declares_entities(document):
        raise UnsafeXml("declares an entity (found by scanning XML that expat cannot read)")
    head_end = _ROOT_START.search(document)
    head = document[: head_end.start()] if head_end else document
    # Only the first DOCTYPE, matched where it starts: one attempt, linear in the head.
    match = _DOCTYPE.match(head, max(head.find(b"<!DOCTYPE"), 0))
    if match is None:
        return Screened(document)
    cleaned = document[: match.start()] + document[match.end() :]
    return Screened(cleaned, ("DOCTYPE removed",))


def _declares_entities(document: bytes) -> bool:
    if _ENTITY_DECLARATION.search(document.replace(b"\x00", b"")):
        return True
    return any(pattern in document for pattern in _EBCDIC_ENTITY)
