"""INTERPOL public notices: list pages, details and image lists -> items. Pure: bytes in, data out.

Rules:
- an item's key is `interpol:<type>:<entity_id>` with the entity id as INTERPOL writes it
  (`2019/114539`); URLs write it `2019-114539`, and links are taken from `_links` when present
  and http(s);
- names: `forename` null, empty or `"-"` is no forename; both names may be null;
- birth dates `YYYY/MM/DD` become `YYYY-MM-DD`, `YYYY` stays `YYYY` (precision "year");
- `nationalities` null is no nationality; height and weight 0 or null are unknown (None);
- charges keep their words; `\\r\\n` and `\\r` become `\\n` and outer blanks are trimmed;
- fields the parser does not know are listed in `data["unknown_fields"]`, never dropped silently;
- a payload that is not the expected JSON shape raises ParseError (the message carries no name).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from monitor.exc import ParseError
from monitor.interpol.constants import BASE_URL, ENTITY_ID, URL_ID
from monitor.items import Item
from monitor.text.urls import is_http_url

NoticeType = Literal["red", "yellow", "un_persons", "un_entities"]
NOTICE_TYPES: tuple[NoticeType, ...] = ("red", "yellow", "un_persons", "un_entities")
# The path segment of each notice type under /notices/v1/.
TYPE_PATHS: Mapping[NoticeType, str] = {
    "red": "red",
    "yellow": "yellow",
    "un_persons": "un/persons",
    "un_entities": "un/entities",
}
# The notice types of a source's `notice_types` option (watchlist.yaml), as the API's types.
TYPES: Mapping[str, tuple[NoticeType, ...]] = {
    "red": ("red",),
    "yellow": ("yellow",),
    "un": ("un_persons",),
}
_NO_NAME = frozenset({"", "-"})
_NAME_LIMIT = 200

_LIST_ITEM_FIELDS = frozenset(
    {"forename", "name", "date_of_birth", "entity_id", "nationalities", "_links"}
)
# Detail fields read by `_detail_fields`; anything else ends up in `unknown_fields`.
_DETAIL_FIELDS = _LIST_ITEM_FIELDS | {
    "arrest_warrants",
    "weight",
    "height",
    "sex_id",
    "country_of_birth_id",
    "place_of_birth",
    "languages_spoken_ids",
    "distinguishing_marks",
    "eyes_colors_id",
    "hairs_id",
    "_embedded",
    # Yellow notices.
    "birth_name",
    "father_forename",
    "father_name",
    "mother_forename",
    "mother_name",
    "country",
    "place",
    "date_of_event",
    # UN notices.
    "un_reference",
    "un_resolution",
    "summary",
    "aliases",
    "identity_documents",
}


@dataclass(frozen=True)
class ListPage:
    """One list response: the true `total` the API reported and the items it returned.

    - `total` is the size of the whole query (it can exceed the 160 reachable items);
    - `problems` lists items that could not be read (without their names), so a caller can tell
      "fewer items than announced" from "the API sent fewer".
    """

    total: int
    items: tuple[Item, ...]
    links: Mapping[str, str]
    problems: tuple[str, ...] = ()


def entity_id_from_url_id(url_id: str) -> str:
    """`2019-114539` -> `2019/114539`; ParseError for anything else."""
    match = URL_ID.match(url_id)
    if match is None:
        raise ParseError("not an INTERPOL notice id (expected YYYY-NNNNN)")
    return f"{match[1]}/{match[2]}"


def url_id(entity_id: str) -> str:
    """`2019/114539` -> `2019-114539` (the form used in URLs); ParseError for anything else."""
    match = ENTITY_ID.match(entity_id)
    if match is None:
        raise ParseError("not an INTERPOL entity id (expected YYYY/NNNNN)")
    return f"{match[1]}-{match[2]}"


def notice_key(notice_type: NoticeType, entity_id: str) -> str:
    return f"interpol:{notice_type}:{entity_id}"


def parse_list(body: bytes, notice_type: NoticeType) -> ListPage:
    """A list/search response -> ListPage.

    - `total` must be a non-negative integer, `_embedded.notices` a list (else ParseError);
    - an item without a valid entity id is reported in `problems` and skipped;
    - each item's `raw` is its own JSON, re-serialised compactly with keys in their order.
    """
    doc = _load_object(body)
    total = doc.get("total")
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise ParseError("list response without a valid total")
    notices = _dig(doc, "_embedded", "notices")
    if not isinstance(notices, list):
        raise ParseError("list response without _embedded.notices")
    items: list[Item] = []
    problems: list[str] = []
    for index, raw_item in enumerate(notices):
        try:
            items.append(parse_list_item(raw_item, notice_type))
        except ParseError as exc:
            problems.append(f"item {index}: {exc}")
    return ListPage(
        total=total, items=tuple(items), links=_hrefs(doc.get("_links")), problems=tuple(problems)
    )


def parse_list_item(obj: object, notice_type: NoticeType) -> Item:
    """One element of `_embedded.notices` -> Item (structured fields in `data`)."""
    if not isinstance(obj, dict):
        raise ParseError("notice is not an object")
    data = _identity_fields(obj, notice_type)
    data["unknown_fields"] = sorted(set(obj) - _LIST_ITEM_FIELDS)
    return _item(notice_type, data, _compact(obj))


def parse_detail(body: bytes, notice_type: NoticeType) -> Item:
    """A detail response (`/red/{id}`...) -> Item; `raw` is the body exactly as received.

    - red: `arrest_warrants` -> `[{issuing_country, charge, charge_translation}]`;
    - sex, place and country of birth, height (m), weight (kg), eyes, hair, languages, marks;
    - linked notices from `_embedded.links` as entity ids;
    - yellow and UN extras are kept under their own names (`birth_name`, `un_reference`...).
    """
    doc = _load_object(body)
    data = _identity_fields(doc, notice_type)
    data.update(_detail_fields(doc))
    data["unknown_fields"] = sorted(set(doc) - _DETAIL_FIELDS)
    return _item(notice_type, data, body)


def parse_images(body: bytes) -> tuple[str, ...]:
    """An `/images` response -> the picture ids, in the order given (the thumbnail id differs)."""
    doc = _load_object(body)
    images = _dig(doc, "_embedded", "images")
    if not isinstance(images, list):
        raise ParseError("images response without _embedded.images")
    ids: list[str] = []
    for image in images:
        picture_id = image.get("picture_id") if isinstance(image, dict) else None
        if isinstance(picture_id, int | str) and str(picture_id).strip():
            ids.append(str(picture_id).strip())
    return tuple(ids)


def is_not_found_body(body: bytes) -> bool:
    """True for INTERPOL's 404 body (`{"status": 404, ..., "message": "Not Found"}`)."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False
    return isinstance(doc, dict) and doc.get("status") == 404


def _item(notice_type: NoticeType, data: dict[str, Any], raw: bytes) -> Item:
    return Item(
        key=notice_key(notice_type, data["entity_id"]),
        title=display_name(data.get("name"), data.get("forename")),
        url=data.get("detail_url"),
        data=data,
        raw=raw,
    )


def display_name(name: str | None, forename: str | None) -> str:
    """`NAME Forename` as INTERPOL shows it; `(no name)` when both are missing."""
    parts = [part for part in (name, forename) if part]
    return " ".join(parts) if parts else "(no name)"


def _identity_fields(obj: Mapping[str, Any], notice_type: NoticeType) -> dict[str, Any]:
    entity_id = obj.get("entity_id")
    if not isinstance(entity_id, str) or not ENTITY_ID.match(entity_id.strip()):
        raise ParseError("notice without a valid entity_id")
    entity_id = entity_id.strip()
    links = _hrefs(obj.get("_links"))
    birth_date, precision = normalise_birth_date(obj.get("date_of_birth"))
    return {
        "notice_type": notice_type,
        "entity_id": entity_id,
        "name": clean_name(obj.get("name")),
        "forename": clean_name(obj.get("forename")),
        "birth_date": birth_date,
        "birth_date_precision": precision,
        "nationalities": _codes(obj.get("nationalities")),
        "detail_url": links.get("self") or public_detail_url(notice_type, entity_id),
        "images_url": links.get("images"),
        "thumbnail_url": links.get("thumbnail"),
    }


def _detail_fields(doc: Mapping[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "sex": _text(doc.get("sex_id")),
        "place_of_birth": _text(doc.get("place_of_birth")),
        "country_of_birth": _text(doc.get("country_of_birth_id")),
        "height_m": _positive(doc.get("height")),
        "weight_kg": _positive(doc.get("weight")),
        "eyes_colors": _codes(doc.get("eyes_colors_id")),
        "hairs": _codes(doc.get("hairs_id")),
        "languages": _codes(doc.get("languages_spoken_ids")),
        "distinguishing_marks": clean_text(doc.get("distinguishing_marks")),
        "arrest_warrants": _warrants(doc.get("arrest_warrants")),
        "linked_notices": _linked(_dig(doc, "_embedded", "links")),
    }
    for extra in ("birth_name", "father_forename", "father_name", "mother_forename", "mother_name"):
        if extra in doc:
            fields[extra] = clean_name(doc.get(extra))
    for extra in ("country", "place", "date_of_event", "un_reference", "un_resolution", "summary"):
        if extra in doc:
            fields[extra] = clean_text(doc.get(extra))
    for extra in ("aliases", "identity_documents"):
        if extra in doc:
            fields[extra] = doc.get(extra)
    return fields


def _warrants(value: object) -> list[dict[str, str | None]]:
    if not isinstance(value, list):
        return []
    warrants = []
    for warrant in value:
        if isinstance(warrant, dict):
            warrants.append(
                {
                    "issuing_country": _text(warrant.get("issuing_country_id")),
                    "charge": clean_text(warrant.get("charge")),
                    "charge_translation": clean_text(warrant.get("charge_translation")),
                }
            )
    return warrants


def _linked(value: object) -> list[str]:
    if not isinstance(value, list):
        return []
    return [
        str(link["entity_id"]) for link in value if isinstance(link, dict) and link.get("entity_id")
    ]


def clean_name(value: object) -> str | None:
    """Trimmed name, at most 200 characters; None for null, empty, `-` or a non-string."""
    if not isinstance(value, str):
        return None
    # Real names are under 50 characters; a name of a million words would make matching
    # (quadratic in the number of words) run for days.
    value = " ".join(value.split())[:_NAME_LIMIT].rstrip()
    return None if value in _NO_NAME else value


def clean_text(value: object) -> str | None:
    """Free text (charges, marks): line breaks unified to `\\n`, outer blanks trimmed, or None."""
    if not isinstance(value, str):
        return None
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return value or None


def normalise_birth_date(value: object) -> tuple[str | None, str | None]:
    """`1982/12/02` -> (`1982-12-02`, "day"); `1985` -> (`1985`, "year"); else (None, None)."""
    if not isinstance(value, str):
        return None, None
    parts = value.strip().split("/")
    # isascii: "¹⁹⁶³" is digits to str.isdigit() but not to int().
    if not all(part.isascii() and part.isdigit() for part in parts) or len(parts[0]) != 4:
        return None, None
    precision = {1: "year", 2: "month", 3: "day"}.get(len(parts))
    if precision is None:
        return None, None
    return "-".join([parts[0], *(part.zfill(2) for part in parts[1:])]), precision


def _codes(value: object) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [code.strip().upper() for code in value if isinstance(code, str) and code.strip()]


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _positive(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if value > 0 else None


def _hrefs(links: object) -> dict[str, str]:
    if not isinstance(links, dict):
        return {}
    hrefs = {}
    for name, link in links.items():
        href = link.get("href") if isinstance(link, dict) else None
        # Only http(s): a "javascript:" self link became the notice's link in alert emails.
        if isinstance(href, str) and is_http_url(href):
            hrefs[str(name)] = href
    return hrefs


def public_detail_url(notice_type: NoticeType, entity_id: str) -> str:
    return f"{BASE_URL}/notices/v1/{TYPE_PATHS[notice_type]}/{url_id(entity_id)}"


def _dig(doc: Mapping[str, Any], *path: str) -> object:
    value: object = doc
    for step in path:
        if not isinstance(value, dict):
            return None
        value = value.get(step)
    return value


def _load_object(body: bytes) -> dict[str, Any]:
    try:
        # NaN, Infinity and 1e999 are read as null: no database column can hold them.
        doc = _storable(json.loads(body, parse_constant=_null, parse_float=_finite), 0)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ParseError("response is not valid JSON (truncated or not JSON)") from None
    if not isinstance(doc, dict):
        raise ParseError("response is not a JSON object")
    return doc


_MAX_DEPTH = 64
# NUL (PostgreSQL refuses it in text) and lone surrogates (no database can encode them) are
# valid JSON escapes; json.loads has already joined the surrogates that form a pair.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _null(constant: str) -> None:
    return None


def _finite(text: str) -> float | None:
    number = float(text)
    return number if math.isfinite(number) else None


def _storable(value: Any, depth: int) -> Any:
    """The decoded JSON with NUL and lone surrogates replaced by U+FFFD, and bounded depth."""
    if depth > _MAX_DEPTH:
        raise ValueError("JSON nested too deeply")
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_storable(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {_storable(k, depth): _storable(v, depth + 1) for k, v in value.items()}
    return value


def _compact(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
