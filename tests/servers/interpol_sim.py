"""A local INTERPOL public-notices API for tests and benchmarks (see the shared API.md).

    sim = InterpolSim.from_fixtures()           # the 6,934 red notices of 16 May 2023
    with sim.serve() as server:                 # an HttpTestServer on 127.0.0.1
        base_url = server.base_url              # use as the source's base_url
        sim.block(5)                            # the next 5 requests get Akamai-style 403s
        sim.add(red_item(...), sex="M")         # a new notice, newest of all
        ...

What it does like the real API (each point from API.md):
- `/notices/v1/{red,yellow}` lists: at most 160 notices per query however it is paged, `total`
  is the true count, `resultPerPage` is capped at 160, a page past the last reachable one snaps
  back to it, `_links` self/first/next/last, newest first;
- filters: `name` and `forename` as patterns, `nationality`, `arrestWarrantCountryId` (red),
  `sexId` (M/F/U), `ageMin`/`ageMax` (notices without a birth date match no age filter);
- details `/{type}/{YYYY-NNNNN}`, `/images`, `/images/{picture_id}`; unknown ids get the
  404 body `{"status": 404, "name": "NotFoundError", "message": "Not Found"}`.

What is simulated because the real data does not say (deliberate, documented choices):
- patterns: only `^` + literal text (a case-insensitive prefix, e.g. `^AB`) and `^.{n}$`
  (length n) are understood; any other form, an unknown parameter or `freeText` answers 400,
  so a client cannot depend on regex powers the real API may not have;
- order: the snapshot has no upload times, so "newest" is the entity id order (year, then
  number, descending); notices added with `add()` are newer than all of them;
- sex: list items carry none. A notice with a recorded detail uses its `sex_id`; every other
  notice gets a seeded, deterministic sex from SHA-256(seed:entity id): F below 0.16 (33 of the
  204 recorded details are F), U below 0.17, else M;
- ages are computed at `today` (default 2023-05-16, the snapshot's date); a year-only birth date
  counts as born on 1 January;
- details: the 204 recorded details are served as recorded; the others are built from the list
  item plus the simulated sex and one warrant (issuing country = first nationality, else "XX",
  charge "Simulated charge"); pictures: a notice with a thumbnail has one picture whose id is the
  thumbnail id minus one (as in the recorded images response), image bytes are a fake JPEG.

Faults, each for `times` matching requests (`endpoints` narrows them; `after` lets that many pass
first, to strike mid-sweep): `fail()` (5xx or 429 with an optional Retry-After), `block()` (403
bursts), `slow()`, `truncate()` (a JSON body cut in half); `short_pages(n)` drops n items from every list page while `total` stays; `hide(ids)`
silently removes notices from lists and totals while their details still answer 200 (a list that
shrinks). `add()`, `change()`, `remove()` edit the published data between cycles.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tests.servers.http_server import HttpTestServer, RecordedRequest, Reply

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "interpol"
SNAPSHOT = "interpol_red_list_items_bulk_2023-05-16_antontsiklop.json"
DETAILS = "interpol_red_detail_antontsiklop.json"
YELLOW = "interpol_yellow_list_items_first_array_antontsiklop.json"
SNAPSHOT_DATE = date(2023, 5, 16)
REAL_BASE = "https://ws-public.interpol.int"
CAP = 160
NOT_FOUND = {"status": 404, "name": "NotFoundError", "message": "Not Found"}
AKAMAI_403 = b"<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY>Access Denied</BODY></HTML>"
ENDPOINTS = frozenset({"list", "detail", "images", "image"})
_PREFIX = re.compile(r"^\^([^.^$*+?{}\[\]|()\\]+)$")
_LENGTH = re.compile(r"^\^\.\{(\d{1,3})\}\$$")
_LIST_PARAMS = frozenset(
    {"page", "resultPerPage", "name", "forename", "nationality", "sexId", "ageMin", "ageMax"}
)
_PATH = re.compile(r"^/notices/v1/(red|yellow)(?:/(\d{4}-\d{1,9})(?:/images(?:/(\w+))?)?)?/?$")


class BadQuery(ValueError):
    """A query the simulated API refuses with 400."""


@dataclass
class SimNotice:
    """One published notice: its list item JSON, its detail JSON, and what lists filter on."""

    notice_type: str
    item: dict[str, Any]
    detail: dict[str, Any]
    sex: str
    warrant_countries: tuple[str, ...]
    picture_ids: tuple[str, ...]
    order: int

    @property
    def entity_id(self) -> str:
        return str(self.item["entity_id"])


@dataclass
class _Fault:
    kind: str
    remaining: int
    endpoints: frozenset[str]
    status: int = 503
    retry_after: str | None = None
    seconds: float = 0.0
    after: int = 0


@dataclass
class InterpolSim:
    """The simulated API's state; `handle()` answers one request (thread-safe)."""

    notices: dict[tuple[str, str], SimNotice] = field(default_factory=dict)
    today: date = SNAPSHOT_DATE
    seed: str = "redwatch"
    counts: Counter[str] = field(default_factory=Counter)
    _faults: list[_Fault] = field(default_factory=list)
    _hidden: set[str] = field(default_factory=set)
    _short_by: int = 0
    _lies: dict[tuple[str, str], int] = field(default_factory=dict)
    _next_order: int = 0
    _lock: threading.RLock = field(default_factory=threading.RLock)

    # Loading ----------------------------------------------------------------------------------
    @classmethod
    def from_fixtures(cls, *, yellow: bool = True, today: date = SNAPSHOT_DATE) -> InterpolSim:
        """The red snapshot (6,934 notices, 204 recorded details) and a slice of yellow notices."""
        sim = cls(today=today)
        details = {d["entity_id"]: d for d in _load(DETAILS)}
        red = _unique(item for page in _load(SNAPSHOT) for item in page)
        sim._load_type("red", red, details)
        if yellow:
            sim._load_type("yellow", _unique(_load(YELLOW)), {})
        return sim

    def _load_type(
        self, notice_type: str, items: list[dict[str, Any]], details: Mapping[str, Any]
    ) -> None:
        for item in sorted(items, key=_id_order):  # oldest first, so `order` grows with newness
            self._publish(
                notice_type, item, details.get(item["entity_id"]), sex=None, warrants=None
            )

    # Editing between cycles -------------------------------------------------------------------
    def add(
        self,
        item: dict[str, Any],
        *,
        notice_type: str = "red",
        sex: str | None = None,
        warrants: Iterable[tuple[str, str]] | None = None,
        detail: dict[str, Any] | None = None,
        oldest: bool = False,
    ) -> SimNotice:
        """Publish a notice, newest of all (or `oldest`, so no newest-first page shows it).

        - `warrants` are (issuing country, charge) pairs for the made-up detail.
        """
        with self._lock:
            notice = self._publish(notice_type, item, detail, sex=sex, warrants=warrants)
            if oldest:
                notice.order = min(n.order for n in self.notices.values()) - 1
            return notice

    def change(self, entity_id: str, *, notice_type: str = "red", **detail_fields: Any) -> None:
        """Change published fields (list item fields follow the detail), e.g. `arrest_warrants=`."""
        with self._lock:
            notice = self.notices[(notice_type, entity_id)]
            notice.detail.update(copy.deepcopy(detail_fields))
            for key in ("name", "forename", "date_of_birth", "nationalities"):
                if key in detail_fields:
                    notice.item[key] = copy.deepcopy(detail_fields[key])
            if "sex_id" in detail_fields:
                notice.sex = str(detail_fields["sex_id"])
            if "arrest_warrants" in detail_fields:
                notice.warrant_countries = _warrant_countries(notice.detail)

    def remove(self, entity_id: str, *, notice_type: str = "red") -> None:
        """Take a notice off the public list: lists forget it and its detail answers 404."""
        with self._lock:
            del self.notices[(notice_type, entity_id)]

    def hide(self, entity_ids: Iterable[str]) -> None:
        """Silently drop notices from lists and totals; their details still answer 200."""
        with self._lock:
            self._hidden.update(entity_ids)

    # Faults -----------------------------------------------------------------------------------
    def fail(
        self,
        times: int,
        status: int = 503,
        *,
        retry_after: str | None = None,
        endpoints: Iterable[str] = ENDPOINTS,
        after: int = 0,
    ) -> None:
        """`times` matching requests, once `after` more have passed, answer `status`."""
        fault = _Fault("status", times, frozenset(endpoints), status, retry_after, after=after)
        self._add_fault(fault)

    def block(self, times: int, *, endpoints: Iterable[str] = ENDPOINTS, after: int = 0) -> None:
        """`times` matching requests, once `after` more have passed, get bot protection's 403."""
        self._add_fault(_Fault("status", times, frozenset(endpoints), status=403, after=after))

    def slow(
        self, times: int, seconds: float, *, endpoints: Iterable[str] = ENDPOINTS, after: int = 0
    ) -> None:
        """`times` matching requests, once `after` more have passed, wait `seconds` to answer."""
        self._add_fault(_Fault("slow", times, frozenset(endpoints), seconds=seconds, after=after))

    def truncate(self, times: int, *, endpoints: Iterable[str] = ENDPOINTS, after: int = 0) -> None:
        """`times` matching requests, once `after` more have passed, get half of the JSON body."""
        self._add_fault(_Fault("truncate", times, frozenset(endpoints), after=after))

    def short_pages(self, dropped: int) -> None:
        """Every list page returns `dropped` fewer notices than it should; `total` is unchanged."""
        with self._lock:
            self._short_by = dropped

    def overcount(self, param: str, value: str, by: int) -> None:
        """Queries filtered by exactly `param=value` announce `by` more notices than they hold."""
        with self._lock:
            self._lies[(param, value)] = by

    def reset_faults(self) -> None:
        with self._lock:
            self._lies.clear()
            self._faults.clear()
            self._hidden.clear()
            self._short_by = 0

    def _add_fault(self, fault: _Fault) -> None:
        unknown = fault.endpoints - ENDPOINTS
        if unknown:
            raise ValueError(f"unknown endpoints {sorted(unknown)}")
        with self._lock:
            self._faults.append(fault)

    # Serving ----------------------------------------------------------------------------------
    @contextmanager
    def serve(self) -> Iterator[HttpTestServer]:
        """Run the simulator on an HttpTestServer bound to 127.0.0.1 (an ephemeral port)."""
        with HttpTestServer() as server:
            server.route_prefix("/notices/v1/", self.handle)
            yield server

    def handle(self, request: RecordedRequest) -> Reply:
        """Answer one request: route it, apply the pending fault, build the JSON."""
        match = _PATH.match(request.path)
        if match is None:
            return Reply.json(NOT_FOUND, status=404)
        notice_type, url_id, picture = match.groups()
        endpoint = _endpoint(url_id, request.path, picture)
        with self._lock:
            self.counts[endpoint] += 1
            fault = self._take_fault(endpoint)
            if fault is not None and fault.kind == "status":
                return _fault_reply(fault)
            reply = self._answer(request, notice_type, endpoint, url_id, picture)
        return _apply(fault, reply)

    def _take_fault(self, endpoint: str) -> _Fault | None:
        for fault in self._faults:
            if endpoint not in fault.endpoints:
                continue
            if fault.after > 0:
                fault.after -= 1
                continue
            if fault.remaining > 0:
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _answer(
        self,
        request: RecordedRequest,
        notice_type: str,
        endpoint: str,
        url_id: str | None,
        picture: str | None,
    ) -> Reply:
        base = "http://" + request.headers.get("host", "127.0.0.1")
        if endpoint == "list":
            try:
                return Reply.json(self.list_response(notice_type, request.query, base))
            except BadQuery as exc:
                return Reply.json(
                    {"status": 400, "name": "BadRequest", "message": str(exc)}, status=400
                )
        assert url_id is not None
        notice = self.notices.get((notice_type, url_id.replace("-", "/", 1)))
        if notice is None:
            return Reply.json(NOT_FOUND, status=404)
        if endpoint == "detail":
            return Reply.json(_rebase(notice.detail, base))
        if endpoint == "images":
            return Reply.json(_images_body(notice, base))
        if picture not in notice.picture_ids:
            return Reply.json(NOT_FOUND, status=404)
        return Reply.raw(
            b"\xff\xd8\xff\xe0" + picture.encode() + b"\xff\xd9", content_type="image/jpeg"
        )

    # The list query ---------------------------------------------------------------------------
    def list_response(self, notice_type: str, args: Mapping[str, str], base: str) -> dict[str, Any]:
        """The JSON of one list query (raises BadQuery for what the API would refuse)."""
        allowed = _LIST_PARAMS | ({"arrestWarrantCountryId"} if notice_type == "red" else set())
        unknown = set(args) - allowed
        if unknown:
            raise BadQuery(f"unsupported parameter {sorted(unknown)[0]}")
        page, per_page = (
            _int(args, "page", 1, low=1),
            min(_int(args, "resultPerPage", 20, low=1), CAP),
        )
        matches = self.query(notice_type, args)
        visible = [n for n in matches if n.entity_id not in self._hidden]
        last = max(1, math.ceil(min(len(visible), CAP) / per_page))
        page = min(page, last)  # pages past the cap snap back to the last reachable one
        start = (page - 1) * per_page
        chosen = visible[start : min(start + per_page, CAP)]
        chosen = chosen[: max(0, len(chosen) - self._short_by)]
        filters = {k: v for k, v in args.items() if k not in ("page", "resultPerPage")}
        lie = sum(by for (param, value), by in self._lies.items() if args.get(param) == value)
        return {
            "total": len(visible) + lie,
            "query": {"page": page, "resultPerPage": per_page, **_echo(filters)},
            "_embedded": {"notices": [_rebase(n.item, base) for n in chosen]},
            "_links": _page_links(
                f"{base}/notices/v1/{notice_type}", filters, page, per_page, last
            ),
        }

    def query(self, notice_type: str, args: Mapping[str, str]) -> list[SimNotice]:
        """Every notice of the type matching the filters, newest first (before the cap)."""
        tests = _filters(args, self.today)
        found = [
            n
            for (kind, _), n in self.notices.items()
            if kind == notice_type and all(t(n) for t in tests)
        ]
        return sorted(found, key=lambda n: -n.order)

    def _publish(
        self,
        notice_type: str,
        item: dict[str, Any],
        detail: dict[str, Any] | None,
        *,
        sex: str | None,
        warrants: Iterable[tuple[str, str]] | None,
    ) -> SimNotice:
        item = copy.deepcopy(item)
        entity_id = item["entity_id"]
        if detail is None:
            detail = self._made_up_detail(notice_type, item, sex, warrants)
        notice = SimNotice(
            notice_type=notice_type,
            item=item,
            detail=copy.deepcopy(detail),
            sex=sex or detail.get("sex_id") or self.seeded_sex(entity_id),
            warrant_countries=_warrant_countries(detail),
            picture_ids=_picture_ids(item),
            order=self._next_order,
        )
        self._next_order += 1
        self.notices[(notice_type, entity_id)] = notice
        return notice

    def _made_up_detail(
        self,
        notice_type: str,
        item: Mapping[str, Any],
        sex: str | None,
        warrants: Iterable[tuple[str, str]] | None,
    ) -> dict[str, Any]:
        nationalities = item.get("nationalities") or []
        pairs = (
            list(warrants)
            if warrants is not None
            else [(nationalities[0] if nationalities else "XX", "Simulated charge")]
        )
        detail: dict[str, Any] = {
            "weight": 0,
            "forename": item.get("forename"),
            "date_of_birth": item.get("date_of_birth"),
            "entity_id": item["entity_id"],
            "languages_spoken_ids": None,
            "nationalities": item.get("nationalities"),
            "height": 0,
            "sex_id": sex or self.seeded_sex(item["entity_id"]),
            "country_of_birth_id": None,
            "name": item.get("name"),
            "distinguishing_marks": None,
            "eyes_colors_id": None,
            "hairs_id": None,
            "place_of_birth": None,
            "_embedded": {"links": []},
            "_links": copy.deepcopy(item.get("_links", {})),
        }
        if notice_type == "red":
            detail["arrest_warrants"] = [
                {"issuing_country_id": country, "charge": charge, "charge_translation": None}
                for country, charge in pairs
            ]
        return detail

    def seeded_sex(self, entity_id: str) -> str:
        """The simulated sex of a notice without a recorded detail (see the module docstring)."""
        digest = hashlib.sha256(f"{self.seed}:{entity_id}".encode()).digest()
        draw = int.from_bytes(digest[:8], "big") / 2**64
        return "F" if draw < 0.16 else "U" if draw < 0.17 else "M"

    def public_ids(self, notice_type: str = "red") -> set[str]:
        """The ids a complete sweep must find (published and not hidden)."""
        with self._lock:
            return {
                eid
                for (kind, eid) in self.notices
                if kind == notice_type and eid not in self._hidden
            }


def red_item(
    entity_id: str,
    name: str | None,
    forename: str | None,
    date_of_birth: str | None,
    nationalities: list[str] | None,
) -> dict[str, Any]:
    """A list item shaped like the real ones, for notices a test publishes."""
    url_id = entity_id.replace("/", "-")
    href = f"{REAL_BASE}/notices/v1/red/{url_id}"
    return {
        "forename": forename,
        "date_of_birth": date_of_birth,
        "entity_id": entity_id,
        "nationalities": nationalities,
        "name": name,
        "_links": {
            "self": {"href": href},
            "images": {"href": f"{href}/images"},
            "thumbnail": {"href": f"{href}/images/{70000000 + int(entity_id.split('/')[1])}"},
        },
    }


# Filters ----------------------------------------------------------------------------------------
def _filters(args: Mapping[str, str], today: date) -> list[Any]:
    tests: list[Any] = []
    for param, field_name in (("name", "name"), ("forename", "forename")):
        if param in args:
            tests.append(_pattern_test(field_name, args[param]))
    if "nationality" in args:
        code = args["nationality"].upper()
        tests.append(lambda n: code in (n.item.get("nationalities") or []))
    if "arrestWarrantCountryId" in args:
        country = args["arrestWarrantCountryId"].upper()
        tests.append(lambda n: country in n.warrant_countries)
    if "sexId" in args:
        sex = args["sexId"].upper()
        if sex not in ("M", "F", "U"):
            raise BadQuery("sexId must be M, F or U")
        tests.append(lambda n: n.sex == sex)
    if "ageMin" in args or "ageMax" in args:
        low, high = _int(args, "ageMin", 0, low=0), _int(args, "ageMax", 10_000, low=0)
        tests.append(
            lambda n: (
                (age := _age(n.item.get("date_of_birth"), today)) is not None and low <= age <= high
            )
        )
    return tests


def _pattern_test(field_name: str, pattern: str) -> Any:
    prefix, length = _PREFIX.match(pattern), _LENGTH.match(pattern)
    if prefix is not None:
        wanted = prefix[1].upper()
        return lambda n: (
            isinstance(value := n.item.get(field_name), str) and value.upper().startswith(wanted)
        )
    if length is not None:
        size = int(length[1])
        return lambda n: isinstance(value := n.item.get(field_name), str) and len(value) == size
    raise BadQuery(f"unsupported {field_name} pattern")


def _age(date_of_birth: object, today: date) -> int | None:
    if not isinstance(date_of_birth, str) or not date_of_birth:
        return None
    parts = [int(part) for part in date_of_birth.split("/")]
    year, month, day = [*parts, 1, 1][:3]
    return today.year - year - ((today.month, today.day) < (month, day))


def _int(args: Mapping[str, str], name: str, default: int, *, low: int) -> int:
    if name not in args:
        return default
    try:
        value = int(args[name])
    except ValueError:
        raise BadQuery(f"{name} must be an integer") from None
    if value < low:
        raise BadQuery(f"{name} must be at least {low}")
    return value


# JSON shapes ------------------------------------------------------------------------------------
def _page_links(
    endpoint: str, filters: Mapping[str, str], page: int, per_page: int, last: int
) -> dict[str, dict[str, str]]:
    def href(number: int) -> str:
        return f"{endpoint}?&{urlencode({**filters, 'resultPerPage': per_page, 'page': number})}"

    links = {"self": {"href": href(page)}, "first": {"href": href(1)}}
    if page < last:
        links["next"] = {"href": href(page + 1)}
    links["last"] = {"href": href(last)}
    return links


def _echo(filters: Mapping[str, str]) -> dict[str, Any]:
    return {k: int(v) if k in ("ageMin", "ageMax") else v for k, v in filters.items()}


def _images_body(notice: SimNotice, base: str) -> dict[str, Any]:
    own = f"{base}/notices/v1/{notice.notice_type}/{notice.entity_id.replace('/', '-')}"
    body: dict[str, Any] = {
        "_embedded": {
            "images": [
                {"picture_id": pid, "_links": {"self": {"href": f"{own}/images/{pid}"}}}
                for pid in notice.picture_ids
            ]
        },
        "_links": {"self": {"href": f"{own}/images"}, "notice": {"href": own}},
    }
    thumbnail = notice.item.get("_links", {}).get("thumbnail")
    if thumbnail:
        body["_links"]["thumbnail"] = {"href": thumbnail["href"].replace(REAL_BASE, base)}
    return body


def _rebase(obj: Mapping[str, Any], base: str) -> Any:
    """A copy whose links point at the simulator instead of ws-public.interpol.int."""
    return json.loads(json.dumps(obj).replace(REAL_BASE, base))


def _fault_reply(fault: _Fault) -> Reply:
    headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
    if fault.status == 403:
        return Reply(status=403, body=AKAMAI_403, content_type="text/html", headers=headers)
    body = {"status": fault.status, "name": "ServerError", "message": "Simulated failure"}
    return Reply.json(body, status=fault.status, headers=headers)


def _apply(fault: _Fault | None, reply: Reply) -> Reply:
    if fault is None:
        return reply
    if fault.kind == "slow":
        return replace(reply, delay=fault.seconds)
    return replace(reply, truncate_to=len(reply.body) // 2)


def _endpoint(url_id: str | None, path: str, picture: str | None) -> str:
    if url_id is None:
        return "list"
    if picture is not None:
        return "image"
    return "images" if path.rstrip("/").endswith("/images") else "detail"


def _warrant_countries(detail: Mapping[str, Any]) -> tuple[str, ...]:
    warrants = detail.get("arrest_warrants") or []
    return tuple(str(w.get("issuing_country_id")) for w in warrants if w.get("issuing_country_id"))


def _picture_ids(item: Mapping[str, Any]) -> tuple[str, ...]:
    thumbnail = item.get("_links", {}).get("thumbnail")
    if not thumbnail:
        return ()
    return (str(int(thumbnail["href"].rsplit("/", 1)[-1]) - 1),)


def _id_order(item: Mapping[str, Any]) -> tuple[int, int]:
    year, number = str(item["entity_id"]).split("/")
    return int(year), int(number)


def _unique(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for item in items:
        seen.setdefault(item["entity_id"], item)
    return list(seen.values())


def _load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


# Twenty awkward notices (issue 14): what public crawlers miss, scattered over the list --------
AWKWARD_NOTICES: tuple[tuple[str | None, str | None, str | None, list[str] | None], ...] = (
    ("PETROV", "IVAN", None, ["RU"]),  # no birth date, inside a nationality of more than 160
    ("GARCIA", "JOSE", None, ["MX"]),
    ("SMITH", "JOHN", None, ["US"]),
    ("KHAN", "ALI", None, ["PK"]),
    ("MORALES", "ANA", "1980/02/03", None),  # no nationality
    ("NGUYEN", "VAN", "1975/05/05", None),
    ("ABDULLAH", "OMAR", "1990/01/01", None),
    ("LOPEZ", "MARIA", "1985/07/07", []),
    ("IVANOV", "PETR", "1970/03/03", ["RU", "UA", "KZ"]),  # several nationalities
    ("HASSAN", "ADEN", "1988/08/08", ["SO", "KE"]),
    ("SILVA", "PEDRO", "1979/09/09", ["BR", "PT"]),
    (None, "ELLIA", "1980/01/01", ["RU"]),  # null names
    ("ARBONO", None, "1981/01/01", ["SV"]),
    (None, None, "1982/01/01", ["GT"]),
    ("KARIMOV", "-", "1983/01/01", ["UZ"]),  # odd first characters
    ("'T HOOFT", "ANNA", "1980/01/01", ["NL"]),
    ("ÖZTÜRK", "ALI", "1975", ["TR"]),
    ("1ST", "ANNA", None, None),
    ("-DASH", "OLEG", "1984/04/04", ["RU"]),
    ("ÇELIK", "EMRE", "1987/07/07", ["TR"]),
)


def add_awkward(sim: InterpolSim, *, seed: int = 14) -> list[str]:
    """Publish AWKWARD_NOTICES at seeded places among the notices (oldest, newest, between)."""
    import random

    chooser = random.Random(seed)
    orders = sorted(n.order for n in sim.notices.values())
    ids = []
    for number, fields in enumerate(AWKWARD_NOTICES):
        entity_id = f"2001/{90000 + number}"
        notice = sim.add(red_item(entity_id, *fields))
        if number == 0:
            notice.order = orders[0] - 1  # the oldest of all
        elif number > 1:  # number 1 stays the newest
            notice.order = chooser.choice(orders)
        ids.append(entity_id)
    return ids
