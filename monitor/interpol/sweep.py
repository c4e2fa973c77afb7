"""Enumerating INTERPOL's public notices past the 160-result cap, and the fast path.

A list query returns at most 160 notices but reports its true `total`. The full sweep asks a
coarse query and splits only where `total` > 160, along a plan of dimensions (by default: the
surname's initial, then age ranges cut at estimated quantiles, then the forename's initial,
longer prefixes, sex). Splits are disjoint, so the children's totals add up to the parent's, and
probing stops as soon as they do. What a split cannot reach (no birth date, no surname...) shows
up as a shortfall; a residual search then looks for exactly that many notices, with filters it
can check against what was already collected, so each probe says whether it holds any of them.
The result is data: this module writes nothing anywhere.

Rules:
- only query forms known to work on the real API are sent: `name`/`forename` prefixes (`^A`,
  `^AB`) and lengths (`^.{7}$`), `nationality`, `sexId`, `ageMin`/`ageMax`, `page`,
  `resultPerPage`;
- a watched person's name or birth date is never sent, unless `targeted=True` (fast path);
- completeness follows from the count: a sweep whose distinct collected notices reach the
  unfiltered total announced in that same sweep, and whose sentinels and total check out, is
  complete, whatever a partition's arithmetic said (a failed probe, a short page, a notice no
  filter isolates);
- a partition that no dimension can split further is searched (residual search) before any of
  its notices is declared unreachable;
- residual searches wait until the plan is done and run largest node first, each shortfall
  counted again from everything collected so far; all stop once the count adds up; a node a
  little over the cap is first listed by sex (three requests, parts usually under the cap);
- a sweep that was blocked, missed a public sentinel, saw the total fall suspiciously or
  collected fewer notices than announced is incomplete (`complete` False);
- the list is `healthy` when it was read without a 403 burst, its total did not fall by more
  than `max_drop` and every sentinel checked out: only then may a missing notice be checked
  directly (monitor.interpol.lifecycle);
- every query whose notices were all collected (total at most 160) is kept in `enumerated`: a
  notice such a partition must contain but did not list is absent from that sweep;
- an incomplete sweep is still returned with everything it collected, never raised away.
"""

from __future__ import annotations

import json
import logging
import math
import re
import string
from collections import Counter
from collections.abc import Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import groupby
from typing import Protocol

from monitor.exc import BlockedError, MonitorError
from monitor.interpol.lifecycle import MAX_DROP, SENTINELS
from monitor.interpol.parse import ListPage, NoticeType
from monitor.items import Item

log = logging.getLogger(__name__)

CAP = 160
# No 16 letters start more than 160 names; an API that ignores its filters would otherwise
# make prefixes grow (^AAAA...) until the stack overflows.
MAX_PREFIX = 16
AGE_FLOOR, AGE_CEILING = 0, 150
Filters = Mapping[str, str]
Published = Mapping[str, object]  # a list item exactly as the API sent it (filters see raw values)


class Lister(Protocol):
    """What the sweep needs from an INTERPOL client (monitor.interpol.client.InterpolClient)."""

    async def list(self, notice_type: NoticeType, params: Mapping[str, str]) -> ListPage: ...

    async def detail_status(self, notice_type: NoticeType, entity_id: str) -> int: ...


@dataclass(frozen=True)
class SweepOptions:
    """How a full sweep partitions, and when it gives up.

    - `plan`: dimensions tried, in order, on a query over the cap (see DIMENSIONS; `age`);
    - `residual_plan`: dimensions for the residual search (`cover` = ages then sex, no names);
    - `target`: the size aimed at when cutting age ranges (headroom under the cap);
    - `max_requests`: list requests allowed in all; `residual_budget`: of which residual search;
    - `max_drop`: a root total this fraction below `previous_total` makes the sweep incomplete;
    - `max_errors`: failed requests in a row after which the sweep stops;
    - `sentinels`: how many sentinel ids are checked at most.
    """

    plan: tuple[str, ...] = ("name", "age", "forename", "name+", "forename+", "sex")
    residual_plan: tuple[str, ...] = (
        "forename",
        "forename+",
        "name+",
        "name",
        "cover",
        "name_exotic",
        "forename_exotic",
        "name_length",
        "forename_length",
    )
    target: int = 150
    max_requests: int = 2000
    residual_budget: int = 250
    max_drop: float = MAX_DROP
    max_errors: int = 3
    sentinels: int = SENTINELS
    marginals: bool = True


@dataclass(frozen=True)
class SentinelCheck:
    """A notice known to be public that a complete sweep must list."""

    entity_id: str
    listed: bool
    detail_status: int | None = None


@dataclass(frozen=True)
class Coverage:
    """How much of the public list a sweep saw, and whether it can be trusted as complete."""

    complete: bool
    reasons: tuple[str, ...]
    collected: int
    reported_total: int | None
    unresolved: int
    short_pages: int
    list_requests: int
    residual_requests: int
    detail_requests: int
    blocked: bool
    sentinels: tuple[SentinelCheck, ...] = ()
    healthy: bool = False

    @property
    def ratio(self) -> float:
        """Collected over the root total the API reported (0.0 when there was none)."""
        return self.collected / self.reported_total if self.reported_total else 0.0


@dataclass(frozen=True)
class SweepResult:
    """What a sweep (full or fast) collected: items by entity id, and its coverage."""

    notice_type: NoticeType
    kind: str
    items: Mapping[str, Item]
    coverage: Coverage
    started_at: datetime
    finished_at: datetime
    # Queries whose every notice was collected (at most 160): the partitions proven complete.
    enumerated: tuple[Mapping[str, str], ...] = ()


# Dimensions ---------------------------------------------------------------------------------------
_EXOTIC_INITIALS = (*string.digits, "'", "-", " ", *"ÀÁÂÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞŠŽŞĞİ")
_EXTENSIONS = (*string.ascii_uppercase, " ", "-", "'", *string.digits)
_PREFIX = re.compile(r"^\^([^.^$*+?{}\[\]|()\\]+)$")


@dataclass(frozen=True)
class Dimension:
    """One way to split a query along one API parameter.

    - `children(filters, sample)`: the children's filters, likeliest first (from `sample`);
    - `local(item, child)`: whether a published item matches a child query, exactly as the API
      would, on its raw published value (a forename `-` has length 1);
    - `checkable` is False when list items do not show the field (sex); `disjoint` is False
      when a notice can match several values (nationality).
    """

    name: str
    param: str
    checkable: bool = True
    disjoint: bool = True

    def applies(self, filters: Filters) -> bool:
        return self.param not in filters

    def values(self, filters: Filters) -> tuple[str, ...]:
        raise NotImplementedError

    def key(self, item: Published, filters: Filters) -> str | None:
        """The value of the child of `filters` that `item` falls in (None: no child)."""
        raise NotImplementedError

    def pattern(self, value: str) -> str:
        return value

    def children(self, filters: Filters, sample: Iterable[Published]) -> list[dict[str, str]]:
        domain = self.values(filters)
        seen = Counter(self.key(item, filters) for item in sample)
        ordered = sorted(domain, key=lambda value: (-seen[value], domain.index(value)))
        return [{**filters, self.param: self.pattern(value)} for value in ordered]

    def local(self, item: Published, child: Filters) -> bool:
        raise NotImplementedError


@dataclass(frozen=True)
class _Prefix(Dimension):
    """`^A`..`^Z`; `extend`: `^AB` under `^A`; `exotic`: digits, punctuation, accented capitals."""

    extend: bool = False
    exotic: bool = False

    def applies(self, filters: Filters) -> bool:
        if self.extend:
            prefix = _prefix(filters.get(self.param))
            return prefix is not None and len(prefix) < MAX_PREFIX
        return self.param not in filters

    def values(self, filters: Filters) -> tuple[str, ...]:
        stem = _prefix(filters.get(self.param)) or ""
        if stem:
            return tuple(stem + letter for letter in _EXTENSIONS)
        return _EXOTIC_INITIALS if self.exotic else tuple(string.ascii_uppercase)

    def key(self, item: Published, filters: Filters) -> str | None:
        value = item.get(self.param)
        size = len(_prefix(filters.get(self.param)) or "") + 1
        return value[:size].upper() if isinstance(value, str) and len(value) >= size else None

    def pattern(self, value: str) -> str:
        return f"^{value}"

    def local(self, item: Published, child: Filters) -> bool:
        value, stem = item.get(self.param), _prefix(child.get(self.param))
        return isinstance(value, str) and stem is not None and value.upper().startswith(stem)


@dataclass(frozen=True)
class _Length(Dimension):
    def values(self, filters: Filters) -> tuple[str, ...]:
        return tuple(str(n) for n in range(1, 61))

    def key(self, item: Published, filters: Filters) -> str | None:
        value = item.get(self.param)
        return str(len(value)) if isinstance(value, str) else None

    def pattern(self, value: str) -> str:
        return f"^.{{{value}}}$"

    def local(self, item: Published, child: Filters) -> bool:
        return self.pattern(self.key(item, child) or "") == child.get(self.param)


@dataclass(frozen=True)
class _Sex(Dimension):
    def values(self, filters: Filters) -> tuple[str, ...]:
        return ("M", "F", "U")

    def key(self, item: Published, filters: Filters) -> str | None:
        return None  # list items carry no sex

    def local(self, item: Published, child: Filters) -> bool:
        raise TypeError("sex is not in list items")


@dataclass(frozen=True)
class _Nationality(Dimension):
    def values(self, filters: Filters) -> tuple[str, ...]:
        return COUNTRIES

    def key(self, item: Published, filters: Filters) -> str | None:
        codes = _codes(item)
        return codes[0] if codes else None

    def local(self, item: Published, child: Filters) -> bool:
        return child.get(self.param) in _codes(item)


def _prefix(pattern: str | None) -> str | None:
    match = _PREFIX.match(pattern or "")
    return match[1].upper() if match else None


def _codes(item: Published) -> list[str]:
    codes = item.get("nationalities")
    return [code for code in codes if isinstance(code, str)] if isinstance(codes, list) else []


# ISO 3166-1 alpha-2 plus the codes INTERPOL also uses for nationalities (UNK, XK).
_COUNTRY_CODES = (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ "
    "BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM "
    "DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS "
    "GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN "
    "KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ "
    "MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM "
    "PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV "
    "SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI "
    "VN VU WF WS YE YT ZA ZM ZW XK UNK"
)
COUNTRIES = tuple(_COUNTRY_CODES.split())
AGE, COVER = "age", "cover"
DIMENSIONS: Mapping[str, Dimension] = {
    "name": _Prefix("name", "name"),
    "forename": _Prefix("forename", "forename"),
    "name+": _Prefix("name+", "name", extend=True),
    "forename+": _Prefix("forename+", "forename", extend=True),
    "name_exotic": _Prefix("name_exotic", "name", exotic=True),
    "forename_exotic": _Prefix("forename_exotic", "forename", exotic=True),
    "name_length": _Length("name_length", "name"),
    "forename_length": _Length("forename_length", "forename"),
    "sex": _Sex("sex", "sexId", checkable=False),
    "nationality": _Nationality("nationality", "nationality", disjoint=False),
}


# UN notices: `name` is the only filter the UN lists take (bundesAPI openapi.yaml).
UN_OPTIONS = SweepOptions(
    plan=("name", "name+"), residual_plan=("name_exotic", "name_length"), marginals=False
)


# The full sweep -----------------------------------------------------------------------------------
async def full_sweep(
    lister: Lister,
    notice_type: NoticeType = "red",
    *,
    options: SweepOptions | None = None,
    prior: Iterable[Item] = (),
    sentinels: Sequence[str] = (),
    previous_total: int | None = None,
    today: date | None = None,
) -> SweepResult:
    """Collect every public notice of `notice_type` with as few list requests as it can.

    - `prior`: items of an earlier sweep, only used to choose where to cut age ranges (never
      trusted as present now);
    - `sentinels`: entity ids known to be public; one missing from the lists while its detail
      still answers 200 makes the sweep incomplete (the list shrank);
    - `previous_total`: the root total of the last complete sweep, to catch a silent collapse;
    - UN lists only filter by name, so their default plan uses name patterns alone;
    - never raises for fetch failures or blocking: they make the coverage incomplete.
    """
    started = datetime.now(UTC)
    options = options or (UN_OPTIONS if notice_type.startswith("un_") else SweepOptions())
    sweep = _Sweep(lister, notice_type, options, prior, today or started.date())
    await sweep.run()
    checks = await sweep.check_sentinels(sentinels)
    coverage = sweep.coverage(checks, previous_total, full=True)
    _log_coverage("full", notice_type, coverage)
    return SweepResult(
        notice_type,
        "full",
        dict(sweep.items),
        coverage,
        started,
        datetime.now(UTC),
        tuple(sweep.enumerated),
    )


@dataclass
class _Node:
    """One query: its filters, the total the API reported, the ids known to be in it."""

    filters: dict[str, str]
    total: int = 0
    ids: set[str] = field(default_factory=set)


class _Abort(Exception):
    """Stop the sweep (blocked, out of budget, too many errors); the message is the reason."""


class _ResidualSpent(Exception):
    """The residual search used its budget; what it did not find stays unresolved."""


class _Sweep:
    """The state of one sweep: what was collected, what was asked, what went wrong."""

    def __init__(
        self,
        lister: Lister,
        notice_type: NoticeType,
        options: SweepOptions,
        prior: Iterable[Item],
        today: date,
    ) -> None:
        self.lister, self.notice_type, self.options = lister, notice_type, options
        self.prior = [(item, published(item)) for item in prior]
        self.today = today
        self.items: dict[str, Item] = {}
        self.published: dict[str, Published] = {}
        self.requests = self.residual_requests = self.detail_requests = 0
        self.unresolved = self.short_pages = 0
        self.reasons: list[str] = []
        self.blocked = False
        self.root_total: int | None = None
        self.enumerated: list[dict[str, str]] = []
        self._errors_in_a_row = 0
        self._residual_depth = 0
        self._deferred: list[tuple[_Node, str | None]] = []
        self._answers: dict[tuple[tuple[str, str], ...], tuple[int, frozenset[str]]] = {}

    async def run(self) -> None:
        root = _Node({})
        try:
            if await self.ask(root):
                self.root_total = root.total
                await self._explore(root)
                await self._residuals()
        except _Abort as exc:
            self.reasons.append(str(exc))

    def counted(self) -> bool:
        """Whether the distinct notices collected reach the root total: nothing is left to find."""
        return self.root_total is not None and len(self.items) >= self.root_total

    async def _residuals(self) -> None:
        """The residual searches the plan left, smallest node first, while the count falls short.

        - a notice found by any query counts for every node that must contain it, so a node's
          shortfall is computed again, just before its search, from everything collected.
        """
        self._residual_depth += 1
        try:
            await self._routes()
            if self.options.marginals:
                await self._marginals()
        except _ResidualSpent:
            pass
        finally:
            self._residual_depth -= 1
        for node, exclude in sorted(self._deferred, key=lambda deferred: -deferred[0].total):
            if self.counted():
                return
            node.ids |= self._certainly_in(node.filters)
            if node.total > len(node.ids):
                await self._find_missing(node, node.total - len(node.ids), exclude=exclude)

    # Locating by counts ----------------------------------------------------------------------
    async def _routes(self) -> None:
        """Ask, for each earlier notice the plan did not reach, a small query that holds it."""
        for filters in self._route_queries():
            if self.counted():
                return
            await self.ask(_Node(filters))

    def _route_queries(self) -> list[dict[str, str]]:
        missing = [
            item
            for item, _ in self.prior
            if str(item.data.get("entity_id", "")) not in self.items
            and not any(must_contain(f, item.data, self.today) for f in self.enumerated)
        ]
        queries: list[dict[str, str]] = []
        for item in missing:
            if any(must_contain(f, item.data, self.today) for f in queries):
                continue
            route = self._route(item)
            if route is not None:
                queries.append(route)
        return queries

    def _route(self, item: Item) -> dict[str, str] | None:
        for filters in _route_candidates(item.data, self.today):
            if not must_contain(filters, item.data, self.today):
                continue
            size = self._known_count(filters, self.items)
            if size <= self.options.target:
                return filters  # the candidates come likeliest-to-be-ordinary first
        return None

    def _known_count(self, filters: Filters, pool: Iterable[str]) -> int:
        return sum(
            1 for i in pool if _locally_in(self.items[i], self.published[i], filters, self.today)
        )

    async def _marginals(self) -> None:
        """Forename initials over the whole list: each one's total, minus the notices collected
        that have it, is how many are still hidden there; only those are followed."""
        dimension = DIMENSIONS["forename"]
        for filters in dimension.children({}, self.published.values()):
            if self.counted():
                return
            known = {i for i in self.items if dimension.local(self.published[i], filters)}
            node = _Node(filters)
            if not await self.ask(node) or node.total <= CAP:
                continue
            hidden = node.total - len(known | node.ids)
            if hidden > 0:
                await self._follow(filters, hidden, known | node.ids)

    async def _follow(self, filters: dict[str, str], hidden: int, pool: set[str]) -> None:
        """Split a forename initial's hidden notices into those with an age and the others."""
        aged_filters = {**filters, "ageMin": str(AGE_FLOOR), "ageMax": str(AGE_CEILING)}
        known_aged = self._known_count(aged_filters, pool)
        aged = _Node(aged_filters)
        if not await self.ask(aged):
            return
        with_age = aged.total - len(self._in(aged_filters, pool) | aged.ids)
        if with_age > 0 and aged.total > CAP:
            await self._bisect(aged_filters, with_age)
        without_age = hidden - max(0, aged.total - known_aged)
        if without_age > 0:
            await self._cells(filters, without_age)

    def _in(self, filters: Filters, pool: Iterable[str]) -> set[str]:
        return {
            i for i in pool if _locally_in(self.items[i], self.published[i], filters, self.today)
        }

    async def _bisect(self, filters: dict[str, str], hidden: int) -> None:
        """Halve an age range over the cap that hides `hidden` notices, following only halves
        whose total exceeds the notices collected in them (a half known to hold none is skipped,
        and a half whose count follows from its sibling's is not asked, only split)."""
        halves = self._halves(filters)
        if halves is None:
            return  # one year still over the cap: the residual search takes it
        for half in halves:
            if hidden <= 0 or self.counted():
                return
            known = self._in(half, self.items)
            if half is halves[1] and len(known) + hidden > CAP:
                await self._bisect(half, hidden)  # its count is known: split it unasked
                return
            node = _Node(half)
            if not await self.ask(node):
                return
            inside = node.total - len(known)
            left = node.total - len(known | node.ids)
            if left > 0 and node.total > CAP:
                await self._bisect(half, left)
            hidden -= max(0, inside)

    def _halves(self, filters: Filters) -> tuple[dict[str, str], dict[str, str]] | None:
        low, high = _age_range(filters)
        if high <= low:
            return None
        ages = [a for i in self._in(filters, self.items) if (a := _age(self.items[i], self.today))]
        cut = _age_cuts(low, high, 2, ages, target=1)[0][1]
        return (
            {**filters, "ageMin": str(low), "ageMax": str(cut)},
            {**filters, "ageMin": str(cut + 1), "ageMax": str(high)},
        )

    async def _cells(self, filters: dict[str, str], hidden: int) -> None:
        """Notices of a forename initial without an age: each lies in a surname node whose age
        split fell short; the node x forename cells are small, and only those are asked."""
        for node, _ in sorted(self._deferred, key=lambda deferred: -deferred[0].total):
            if hidden <= 0 or self.counted():
                return
            if not node.filters or "forename" in node.filters:
                continue
            node.ids |= self._certainly_in(node.filters)
            if node.total <= len(node.ids):
                continue
            cell = {**node.filters, **filters}
            known = self._in(cell, self.items)
            child = _Node(cell)
            if not await self.ask(child):
                continue
            node.ids |= child.ids
            hidden -= max(0, child.total - len(known))
        if hidden > 0:  # then the surname is missing or starts with no letter A-Z
            await self._exotic_cells(filters, hidden)

    async def _exotic_cells(self, filters: dict[str, str], hidden: int) -> None:
        dimension = DIMENSIONS["name_exotic"]
        for cell in dimension.children(filters, self.published.values()):
            if hidden <= 0 or self.counted():
                return
            known = self._in(cell, self.items)
            child = _Node(cell)
            if await self.ask(child):
                hidden -= max(0, child.total - len(known))

    def _certainly_in(self, filters: Filters) -> set[str]:
        return {i for i, item in self.items.items() if must_contain(filters, item.data, self.today)}

    # Asking ---------------------------------------------------------------------------------
    async def ask(self, node: _Node) -> bool:
        """Query one node (page 1, at the cap); False if the query failed.

        - a query already answered in this sweep is not sent again: its answer is reused.
        """
        key = tuple(sorted(node.filters.items()))
        if key in self._answers:
            node.total, ids = self._answers[key]
            node.ids = set(ids)
            return True
        if self.requests >= self.options.max_requests:
            raise _Abort(f"the budget of {self.options.max_requests} list requests was spent")
        if self._residual_depth:
            if self.residual_requests >= self.options.residual_budget:
                raise _ResidualSpent
            self.residual_requests += 1
        page = await self._list(node.filters)
        if page is None:
            return False
        node.total, node.ids = page.total, self._keep(page)
        if len(node.ids) < min(page.total, CAP):
            node.ids |= await self._retry_short(node)
        if node.total <= CAP and len(node.ids) >= node.total:
            self.enumerated.append(dict(node.filters))
        self._answers[key] = (node.total, frozenset(node.ids))
        return True

    async def _list(self, filters: Filters) -> ListPage | None:
        self.requests += 1
        params = {**filters, "page": "1", "resultPerPage": str(CAP)}
        try:
            page = await self.lister.list(self.notice_type, params)
        except BlockedError:
            self.blocked = True
            raise _Abort("blocked by the source (403 burst)") from None
        except MonitorError as exc:
            self._failed(exc)
            return None
        self._errors_in_a_row = 0
        return page

    def _failed(self, exc: MonitorError) -> None:
        self._errors_in_a_row += 1
        self.reasons.append(f"a list request failed: {exc}")
        if self._errors_in_a_row >= self.options.max_errors:
            raise _Abort(f"{self._errors_in_a_row} list requests failed in a row")

    def _keep(self, page: ListPage | None) -> set[str]:
        ids = set()
        for item in page.items if page else ():
            entity_id = str(item.data["entity_id"])
            if entity_id not in self.items:
                self.items[entity_id] = item
                self.published[entity_id] = published(item)
            ids.add(entity_id)
        return ids

    async def _retry_short(self, node: _Node) -> set[str]:
        """A page with fewer notices than announced: ask once more, then count the shortfall."""
        ids = self._keep(await self._list(node.filters))
        missing = min(node.total, CAP) - len(ids | node.ids)
        if missing > 0:
            self.short_pages += 1
            self.unresolved += missing
        return ids

    # Exploring ------------------------------------------------------------------------------
    async def _explore(self, node: _Node) -> None:
        """Collect every notice of an asked node: split it while it is over the cap."""
        if node.total <= CAP:
            return
        dimension = self._next_dimension(node.filters)
        if dimension is None:  # no split left: search it before calling anything unreachable
            self._deferred.append((node, None))
            return
        accounted, failures = await self._split(node, dimension)
        covered = len(node.ids) >= node.total
        shortfall = node.total - (accounted if _disjoint(dimension) else len(node.ids))
        if shortfall > 0 and not covered and not failures:
            self._deferred.append((node, dimension))  # searched once the plan is done

    def _next_dimension(self, filters: Filters) -> str | None:
        for name in self.options.plan:
            if name == AGE and _age_splittable(filters):
                return name
            if name in DIMENSIONS and DIMENSIONS[name].applies(filters):
                return name
        return None

    async def _split(self, node: _Node, dimension: str) -> tuple[int, int]:
        """Ask and explore the children along `dimension`: (sum of their totals, failures).

        - stops once the parent is covered: all its notices collected, or (disjoint
          dimensions) the children's totals adding up to the parent's.
        """
        accounted = failures = 0
        disjoint = _disjoint(dimension)
        children = self._age_children(node) if dimension == AGE else self._children(node, dimension)
        for filters in children:
            if len(node.ids) >= node.total or (disjoint and accounted >= node.total):
                break
            child = _Node(filters)
            if not await self.ask(child):
                failures += 1
                self.unresolved += 1  # at least one notice may hide behind a failed query
                continue
            await self._explore(child)
            node.ids |= child.ids
            accounted += child.total
            if dimension == AGE:
                children.send(child.total)  # type: ignore[attr-defined]
        return accounted, failures

    def _age_children(self, node: _Node) -> Generator[dict[str, str], int | None, None]:
        """Age ranges cut one after the other, youngest first, each from what is left.

        - each cut is placed so that the range should hold about `target` notices, from the
          sampled ages above the previous cut, scaled to the notices not yet accounted for:
          a sample that over-represents the young (the newest page) is corrected as it goes;
        - once what is left fits under the cap, the last range runs to the node's upper age.
        """
        low, high = _age_range(node.filters)
        target = self.options.target
        ages = sorted(age for age in self._ages(node) if low <= age <= high)
        start, left = low, node.total
        while start <= high:
            rest = [age for age in ages if age >= start]
            end = _next_cut(start, high, rest, left, target)
            total = yield {**node.filters, "ageMin": str(start), "ageMax": str(end)}
            yield {}  # answers send(); the next range follows on the next iteration
            left -= total or 0
            start = end + 1

    def _children(self, node: _Node, dimension: str) -> list[dict[str, str]]:
        if dimension == AGE:
            low, high = _age_range(node.filters)
            cuts = _age_cuts(low, high, node.total, self._ages(node), self.options.target)
            return [{**node.filters, "ageMin": str(a), "ageMax": str(b)} for a, b in cuts]
        return DIMENSIONS[dimension].children(node.filters, (self.published[i] for i in node.ids))

    def _ages(self, node: _Node) -> list[int]:
        """Ages known in the node: an earlier sweep's if given, else the node's own first page."""
        prior = [
            item for item, raw in self.prior if _locally_in(item, raw, node.filters, self.today)
        ]
        sample = prior or [self.items[i] for i in node.ids]
        return [age for item in sample if (age := _age(item, self.today)) is not None]

    # Residual search ------------------------------------------------------------------------
    async def _find_missing(self, node: _Node, missing: int, exclude: str | None = None) -> None:
        """Reach `missing` notices of `node` that are not in `node.ids` (its split missed them).

        - checkable dimensions first: a child holds unknown notices when its total exceeds the
          collected notices that match it; only such children are followed;
        - `cover` (ages, then sex) for notices no name filter can reach;
        - stops when they are found, or when the residual budget is spent (then unresolved).
        """
        before = len(node.ids)
        self._residual_depth += 1
        try:
            if _sex_splits_it(node):
                await self._by_sex(node)
            for name in self.options.residual_plan:
                if len(node.ids) - before >= missing or self.counted():
                    break
                if name == exclude:
                    continue
                await self._residual_step(node, name, missing - (len(node.ids) - before))
        except _ResidualSpent:
            if self._residual_depth == 1:
                self.reasons.append("the residual search budget was spent")
            else:
                raise
        finally:
            self._residual_depth -= 1
        self._unreachable(missing - (len(node.ids) - before))

    async def _by_sex(self, node: _Node) -> None:
        """List a node a little over the cap by sex: its parts are likely under the cap."""
        for filters in DIMENSIONS["sex"].children(node.filters, ()):
            if self.counted():
                return
            child = _Node(filters)
            if await self.ask(child):
                node.ids |= child.ids

    async def _residual_step(self, node: _Node, name: str, missing: int) -> None:
        if name == COVER:
            await self._cover(node)
            return
        dimension = DIMENSIONS[name]
        if dimension.checkable and dimension.applies(node.filters):
            await self._search(node, dimension, missing)

    async def _search(self, node: _Node, dimension: Dimension, missing: int) -> None:
        found = 0
        for filters in dimension.children(node.filters, (self.published[i] for i in node.ids)):
            if found >= missing or self.counted():
                return
            known = {i for i in node.ids if dimension.local(self.published[i], filters)}
            child = _Node(filters)
            if not await self.ask(child) or child.total <= len(known):
                continue
            unknown, new = child.total - len(known), child.ids - node.ids
            if child.total > CAP and len(new) < unknown:
                child.ids |= known
                await self._find_missing(child, unknown - len(new))
                new = child.ids - node.ids
            node.ids |= new
            found += len(new)

    async def _cover(self, node: _Node) -> None:
        """Notices of `node` no name filter reaches: by ages then sex, never by name.

        - age ranges are halved, and only a half whose total is more than the collected notices
          that may be in it is followed (the others hide nothing); parts still over the cap stay;
        - sex is not in list items: each sex part is listed, and followed no further.
        """
        if node.total <= CAP:
            return
        filters = node.filters
        if _age_splittable(filters):
            low, high = _age_range(filters)
            ages = [age for item in self.items.values() if (age := _age(item, self.today))]
            cuts = _age_cuts(low, high, node.total, ages, target=math.ceil(node.total / 2))
            children = [{**filters, "ageMin": str(a), "ageMax": str(b)} for a, b in cuts]
        elif "sexId" not in filters:
            children = DIMENSIONS["sex"].children(filters, ())
        else:
            return
        for child_filters in children:
            if self.counted():
                return
            child = _Node(child_filters)
            if await self.ask(child) and self._may_hide(child):
                await self._cover(child)
            node.ids |= child.ids

    def _may_hide(self, node: _Node) -> bool:
        """Whether an asked node seems to hold notices not collected yet.

        - a heuristic (ages estimated as the sweep cuts them): it only decides where to look;
          completeness is still decided by the count.
        """
        if "sexId" in node.filters:
            return node.total > len(node.ids)
        inside = sum(
            1
            for i, item in self.items.items()
            if _locally_in(item, self.published[i], node.filters, self.today)
        )
        return node.total > inside

    def _unreachable(self, count: int) -> None:
        if count > 0 and self._residual_depth == 0:  # nested searches report to their parent
            self.unresolved += count
            self.reasons.append(f"{count} notices could not be reached with the supported filters")

    # Checks ---------------------------------------------------------------------------------
    async def check_sentinels(self, sentinels: Sequence[str]) -> tuple[SentinelCheck, ...]:
        """Each sentinel not listed gets a detail request: 200 means the lists left it out."""
        checks = []
        for entity_id in list(sentinels)[: self.options.sentinels]:
            if entity_id in self.items:
                checks.append(SentinelCheck(entity_id, listed=True))
                continue
            status = await self._detail_status(entity_id)
            checks.append(SentinelCheck(entity_id, listed=False, detail_status=status))
        return tuple(checks)

    async def _detail_status(self, entity_id: str) -> int | None:
        if self.blocked:
            return None
        self.detail_requests += 1
        try:
            return await self.lister.detail_status(self.notice_type, entity_id)
        except BlockedError:
            self.blocked = True
        except MonitorError:
            pass
        return None

    def coverage(
        self, sentinels: tuple[SentinelCheck, ...], previous_total: int | None, *, full: bool
    ) -> Coverage:
        """The sweep's coverage; see the module rules (the count decides, sentinels veto)."""
        counted = full and self.root_total is not None and len(self.items) >= self.root_total
        reasons = [] if counted else self._shortfall_reasons()
        list_reasons = _sentinel_reasons(sentinels) + _drop_reasons(
            self.root_total, previous_total, self.options.max_drop
        )
        reasons += list_reasons
        if self.root_total is None and not reasons:
            reasons.append("the root query failed")
        healthy = full and self.root_total is not None and not self.blocked and not list_reasons
        return Coverage(
            complete=not reasons and not self.blocked,
            reasons=tuple(reasons),
            collected=len(self.items),
            reported_total=self.root_total,
            unresolved=0 if counted else self.unresolved,
            short_pages=self.short_pages,
            list_requests=self.requests,
            residual_requests=self.residual_requests,
            detail_requests=self.detail_requests,
            blocked=self.blocked,
            sentinels=sentinels,
            healthy=healthy,
        )

    def _shortfall_reasons(self) -> list[str]:
        reasons = list(dict.fromkeys(self.reasons))
        if self.short_pages:
            reasons.append(f"{self.short_pages} pages held fewer notices than announced")
        if self.root_total is not None and len(self.items) < self.root_total:
            reasons.append(f"collected {len(self.items)} of {self.root_total} announced notices")
        return reasons


# Men are about 84 % of the red list: a node up to this size usually splits by sex into parts
# under the cap, three requests that list all of it, whatever its notices lack.
SEX_SPLIT_MAX = 240


def _sex_splits_it(node: _Node) -> bool:
    return CAP < node.total <= SEX_SPLIT_MAX and "sexId" not in node.filters


def _disjoint(dimension: str) -> bool:
    return dimension == AGE or DIMENSIONS[dimension].disjoint


def _sentinel_reasons(checks: Iterable[SentinelCheck]) -> list[str]:
    reasons = []
    for check in checks:
        if check.listed or check.detail_status == 404:
            continue  # listed, or left the public list: both agree with a full sweep
        state = "still public" if check.detail_status == 200 else "not verifiable"
        reasons.append(f"sentinel {check.entity_id} was not listed and is {state}")
    return reasons


def _drop_reasons(total: int | None, previous: int | None, max_drop: float) -> list[str]:
    if total is None or not previous or total >= previous * (1 - max_drop):
        return []
    return [f"the total fell from {previous} to {total}, more than {max_drop:.0%} at once"]


def published(item: Item) -> Published:
    """The item as the API published it (its raw JSON), falling back on the parsed data."""
    try:
        raw = json.loads(item.raw)
    except ValueError:
        return item.data
    return raw if isinstance(raw, dict) else item.data


def _route_candidates(data: Mapping[str, object], today: date) -> list[dict[str, str]]:
    """Small queries that must hold a notice with these fields: pairs of its initials, its
    nationalities and its age (one letter at most, as the partition sends)."""
    parts: list[dict[str, str]] = []
    for param in ("name", "forename"):
        value = data.get(param)
        if isinstance(value, str) and value[:1].upper() in string.ascii_uppercase:
            parts.append({param: f"^{value[0].upper()}"})
    codes = data.get("nationalities")
    for code in codes if isinstance(codes, list | tuple) else ():
        parts.append({"nationality": str(code)})
    age = _age(Item(key="", title="", data=dict(data)), today)
    if age is not None:
        parts.append({"ageMin": str(max(AGE_FLOOR, age - 1)), "ageMax": str(age + 1)})
    pairs = [
        {**a, **b} for n, a in enumerate(parts) for b in parts[n + 1 :] if not a.keys() & b.keys()
    ]
    longer = [
        {param: f"^{value[:size].upper()}"}
        for param in ("forename", "name")
        if isinstance(value := data.get(param), str) and _prefix(f"^{value[:3]}") is not None
        for size in (2, 3)
        if len(value) >= size
    ]
    return parts + pairs + longer


# Ages -------------------------------------------------------------------------------------------
def _age_range(filters: Filters) -> tuple[int, int]:
    return int(filters.get("ageMin", AGE_FLOOR)), int(filters.get("ageMax", AGE_CEILING))


def _age_splittable(filters: Filters) -> bool:
    low, high = _age_range(filters)
    return high > low


def _age_cuts(
    low: int, high: int, total: int, ages: Sequence[int], target: int
) -> list[tuple[int, int]]:
    """Cut [low, high] into about total/target ranges holding similar numbers of notices.

    - the cut points are quantiles of the sampled ages (the node's own first page, or an
      earlier sweep); without a sample the range is halved;
    - the ranges are contiguous and cover [low, high] exactly, so no age is skipped.
    """
    inside = sorted(age for age in ages if low <= age <= high)
    parts = max(2, math.ceil(total / target))
    cuts = {inside[(len(inside) * i) // parts] for i in range(1, parts)} if inside else set()
    starts = sorted({low} | {cut for cut in cuts if low < cut <= high})
    if len(starts) == 1:
        starts.append((low + high + 1) // 2)
    ends = [start - 1 for start in starts[1:]] + [high]
    return list(zip(starts, ends, strict=True))


def _next_cut(start: int, high: int, rest: Sequence[int], left: int, target: int) -> int:
    """The upper age of the range starting at `start` (see _Sweep._age_children)."""
    if left <= CAP or not rest:
        return high if left <= CAP or start >= high else (start + high) // 2
    scale = left / len(rest)  # notices each sampled age stands for
    end, count = start, 0
    for age, group in groupby(rest):
        count += len(list(group))
        if count * scale > target:
            return min(high, max(start, end))
        end = age
    return high


def _age(item: Item, today: date) -> int | None:
    """Age at `today` as the filters likely compute it; only used to choose where to cut."""
    value = item.data.get("birth_date")
    if not isinstance(value, str) or not value[:4].isdigit():
        return None
    year, month, day = [*(int(part) for part in value.split("-")), 1, 1][:3]
    return today.year - year - ((today.month, today.day) < (month, day))


def _locally_in(item: Item, raw: Published, filters: Filters, today: date) -> bool:
    """Whether an item seems to match every filter (sex is unknown: never; ages: estimated)."""
    if "sexId" in filters:
        return False
    if "ageMin" in filters or "ageMax" in filters:
        age, (low, high) = _age(item, today), _age_range(filters)
        if age is None or not low <= age <= high:
            return False
    for param in ("name", "forename"):
        value = raw.get(param)
        if param in filters and not (isinstance(value, str) and _matches(filters[param], value)):
            return False
    return "nationality" not in filters or filters["nationality"] in _codes(raw)


def _matches(pattern: str, value: str) -> bool:
    return re.match(pattern, value, re.IGNORECASE) is not None


def must_contain(filters: Filters, data: Mapping[str, object], today: date) -> bool:
    """Whether a query with `filters` certainly lists a notice with these stored (parsed) fields.

    - sex is not in list items: a query filtered by sex is never certain;
    - ages only with a full birth date, and not on a birthday (a day either way keeps its age);
    - names by prefix or length as the API matches them; nationalities by code.
    """
    return "sexId" not in filters and all(_certain(p, filters, data, today) for p in filters)


def _certain(param: str, filters: Filters, data: Mapping[str, object], today: date) -> bool:
    if param in ("ageMin", "ageMax"):
        return _certain_age(filters, data.get("birth_date"), today)
    if param == "nationality":
        codes = data.get("nationalities")
        return isinstance(codes, list | tuple) and filters[param] in codes
    if param in ("name", "forename"):
        value = data.get(param)
        return isinstance(value, str) and _matches(filters[param], value)
    return False  # a parameter this rule does not know: never certain


def _certain_age(filters: Filters, birth_date: object, today: date) -> bool:
    if not isinstance(birth_date, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", birth_date):
        return False
    low, high = _age_range(filters)
    item = Item(key="", title="", data={"birth_date": birth_date})
    ages = {_age(item, today.fromordinal(today.toordinal() + shift)) for shift in (-1, 0, 1)}
    return all(age is not None and low <= age <= high for age in ages)


# The fast path ----------------------------------------------------------------------------------
async def fast_path(
    lister: Lister,
    notice_type: NoticeType = "red",
    *,
    nationalities: Iterable[str] = (),
    targeted_surnames: Iterable[str] = (),
    targeted: bool = False,
) -> SweepResult:
    """The 160 newest notices (one request) and the 160 newest per watched nationality.

    - a few requests per cycle, so a new notice on a watched person is seen within minutes;
    - `targeted_surnames` are only sent when `targeted` is True (it tells INTERPOL who is
      watched); each becomes a 3-letter prefix query, so other spellings are caught too;
    - never complete: a fast path never shows that a notice left the list.
    """
    surnames = tuple(targeted_surnames)
    if surnames and not targeted:
        raise ValueError("targeted queries need targeted=True (they reveal who is watched)")
    started = datetime.now(UTC)
    sweep = _Sweep(lister, notice_type, SweepOptions(), (), started.date())
    queries: list[dict[str, str]] = [{}]
    queries += [{"nationality": code.upper()} for code in dict.fromkeys(nationalities)]
    queries += [{"name": f"^{prefix}"} for prefix in _prefixes(surnames)]
    try:
        for filters in queries:
            node = _Node(filters)
            if await sweep.ask(node) and not filters:
                sweep.root_total = node.total
    except _Abort as exc:
        sweep.reasons.append(str(exc))
    sweep.reasons.append("fast path: only the newest notices were read")
    coverage = sweep.coverage((), None, full=False)
    _log_coverage("fast", notice_type, coverage)
    return SweepResult(
        notice_type,
        "fast",
        dict(sweep.items),
        coverage,
        started,
        datetime.now(UTC),
        tuple(sweep.enumerated),
    )


def _prefixes(surnames: Iterable[str]) -> list[str]:
    prefixes = []
    for surname in surnames:
        letters = "".join(ch for ch in surname.upper() if ch in string.ascii_uppercase)
        if len(letters) >= 3:
            prefixes.append(letters[:3])
    return list(dict.fromkeys(prefixes))


def _log_coverage(kind: str, notice_type: str, coverage: Coverage) -> None:
    log.info(
        "interpol sweep finished",
        extra={
            "sweep": kind,
            "notice_type": notice_type,
            "complete": coverage.complete,
            "collected": coverage.collected,
            "reported_total": coverage.reported_total,
            "list_requests": coverage.list_requests,
            "blocked": coverage.blocked,
        },
    )
