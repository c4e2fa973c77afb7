"""The state of one INTERPOL sweep, and the one way it asks a list query.

Rules:
- every query asks page 1 at the cap (160 per page): one request tells the true `total` and
  lists the newest 160 notices the query holds;
- a query already answered in this sweep is not sent again: its answer is reused;
- a page with fewer notices than it should hold is asked once more, then counted as short;
- `max_requests` list requests at most; `residual_budget` of them while a residual search runs
  (`residual()`); `max_errors` failed requests in a row stop the sweep; a 403 burst stops it
  as blocked;
- every query whose notices were all collected (total at most 160) is kept in `enumerated`;
- a sentinel not listed gets one detail request: 200 means the lists left it out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from monitor.exc import BlockedError, MonitorError
from monitor.interpol.ages import CAP
from monitor.interpol.coverage import Coverage, SentinelCheck, Tally, verdict
from monitor.interpol.filters import Filters, Published, locally_in, must_contain, published
from monitor.interpol.lifecycle import MAX_DROP, SENTINELS
from monitor.interpol.parse import ListPage, NoticeType
from monitor.items import Item


class Lister(Protocol):
    """What the sweep needs from an INTERPOL client (monitor.interpol.client.InterpolClient)."""

    async def list(self, notice_type: NoticeType, params: Mapping[str, str]) -> ListPage: ...

    async def detail_status(self, notice_type: NoticeType, entity_id: str) -> int: ...


@dataclass(frozen=True)
class SweepOptions:
    """How a full sweep partitions, and when it gives up.

    - `plan`: dimensions tried, in order, on a query over the cap (see DIMENSIONS; `age`);
    - `residual_plan`: dimensions for the residual search (`cover` = ages then sex, no names);
    - `locate`: whether the residual search first locates hidden notices by counts
      (monitor.interpol.locate: routes, forename initials, ages); False where lists filter by
      name only (UN);
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
    locate: bool = True
    target: int = 150
    max_requests: int = 2000
    residual_budget: int = 250
    max_drop: float = MAX_DROP
    max_errors: int = 3
    sentinels: int = SENTINELS


@dataclass
class Node:
    """One query: its filters, the total the API reported, the ids known to be in it."""

    filters: dict[str, str]
    total: int = 0
    ids: set[str] = field(default_factory=set)


class Abort(Exception):
    """Stop the sweep (blocked, out of budget, too many errors); the message is the reason."""


class ResidualSpent(Exception):
    """The residual search used its budget; what it did not find stays unresolved."""


_Answer = tuple[int, frozenset[str]]


class SweepState:
    """What one sweep collected, asked and left: shared by the partition and residual search."""

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
        self.tally = Tally()
        self.enumerated: list[dict[str, str]] = []
        # Nodes the plan could not cover, and the dimension that left them short.
        self.deferred: list[tuple[Node, str | None]] = []
        self.residual_depth = 0
        self._errors_in_a_row = 0
        self._answers: dict[tuple[tuple[str, str], ...], _Answer] = {}

    def counted(self) -> bool:
        """Whether the distinct notices collected reach the root total: nothing is left to find."""
        total = self.tally.root_total
        return total is not None and len(self.items) >= total

    def certainly_in(self, filters: Filters) -> set[str]:
        """Collected notices that a query with `filters` certainly lists."""
        return {i for i, item in self.items.items() if must_contain(filters, item.data, self.today)}

    def inside(self, filters: Filters, pool: Iterable[str] | None = None) -> set[str]:
        """Collected notices (of `pool`) that seem to match `filters` (an estimate)."""
        ids = self.items if pool is None else pool
        return {i for i in ids if locally_in(self.items[i], self.published[i], filters, self.today)}

    @contextmanager
    def residual(self) -> Iterator[None]:
        """Requests asked inside count against the residual budget."""
        self.residual_depth += 1
        try:
            yield
        finally:
            self.residual_depth -= 1

    def unreachable(self, count: int) -> None:
        if count > 0 and self.residual_depth == 0:  # nested searches report to their parent
            self.tally.unresolved += count
            self.tally.reasons.append(
                f"{count} notices could not be reached with the supported filters"
            )

    # Asking ---------------------------------------------------------------------------------
    async def ask(self, node: Node) -> bool:
        """Query one node (page 1, at the cap); False if the query failed."""
        key = tuple(sorted(node.filters.items()))
        if key in self._answers:
            node.total, ids = self._answers[key]
            node.ids = set(ids)
            return True
        if self.tally.requests >= self.options.max_requests:
            raise Abort(f"the budget of {self.options.max_requests} list requests was spent")
        if self.residual_depth:
            if self.tally.residual_requests >= self.options.residual_budget:
                raise ResidualSpent
            self.tally.residual_requests += 1
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
        self.tally.requests += 1
        params = {**filters, "page": "1", "resultPerPage": str(CAP)}
        try:
            page = await self.lister.list(self.notice_type, params)
        except BlockedError:
            self.tally.blocked = True
            raise Abort("blocked by the source (403 burst)") from None
        except MonitorError as exc:
            self._failed(exc)
            return None
        self._errors_in_a_row = 0
        return page

    def _failed(self, exc: MonitorError) -> None:
        self._errors_in_a_row += 1
        self.tally.reasons.append(f"a list request failed: {exc}")
        if self._errors_in_a_row >= self.options.max_errors:
            raise Abort(f"{self._errors_in_a_row} list requests failed in a row")

    def _keep(self, page: ListPage | None) -> set[str]:
        ids = set()
        for item in page.items if page else ():
            entity_id = str(item.data["entity_id"])
            if entity_id not in self.items:
                self.items[entity_id] = item
                self.published[entity_id] = published(item)
            ids.add(entity_id)
        return ids

    async def _retry_short(self, node: Node) -> set[str]:
        """A page with fewer notices than announced: ask once more, then count the shortfall."""
        ids = self._keep(await self._list(node.filters))
        missing = min(node.total, CAP) - len(ids | node.ids)
        if missing > 0:
            self.tally.short_pages += 1
            self.tally.unresolved += missing
        return ids

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
        if self.tally.blocked:
            return None
        self.tally.detail_requests += 1
        try:
            return await self.lister.detail_status(self.notice_type, entity_id)
        except BlockedError:
            self.tally.blocked = True
        except MonitorError:
            pass
        return None

    def coverage(
        self, sentinels: tuple[SentinelCheck, ...], previous_total: int | None, *, full: bool
    ) -> Coverage:
        """The sweep's coverage (monitor.interpol.coverage.verdict)."""
        return verdict(
            self.tally,
            len(self.items),
            sentinels,
            previous_total,
            max_drop=self.options.max_drop,
            full=full,
        )
