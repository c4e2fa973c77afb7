"""Locating the few notices a partition missed, by counting (the first residual searches).

A query's total, minus the collected notices that match it, is how many notices it still hides.
After the plan, almost every notice is collected, so that difference is exact for the filters
a list item shows (names, nationalities, ages): a query that hides nothing need not be followed,
and a query's count often follows from its sibling's without asking it.

Rules:
- routes first: each notice of an earlier sweep that the plan did not reach, and that no fully
  read partition must contain (it would have been listed), gets one small query that must hold
  it, built from its public fields: single initials, a nationality, an age range, and as a last
  resort a forename or surname prefix of two or three letters; one query serves every notice it
  holds, and routes stop once the count adds up;
- then forename initials over the whole list (`marginals`): an initial whose total exceeds the
  collected notices with it hides that many; only those initials are followed:
  - its notices with an age are found by halving its age range, following only halves that
    hide some (a half whose count follows from its sibling's is split without being asked);
  - its notices without an age lie in surname nodes whose age split fell short: only those
    surname x forename cells are asked, then surnames starting outside A-Z;
- the values sent come from the public list itself (letters, countries, ages), never from the
  watchlist;
- whatever this leaves is searched by monitor.interpol.residual, and only the count decides.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import date

from monitor.interpol.ages import AGE_CEILING, AGE_FLOOR, CAP, age_cuts, age_of, age_range
from monitor.interpol.filters import DIMENSIONS, must_contain, prefix_of
from monitor.interpol.state import Node, SweepState
from monitor.items import Item


async def routes(state: SweepState) -> None:
    """Ask, for each earlier notice the plan did not reach, a small query that holds it."""
    for filters in _route_queries(state):
        if state.counted():
            return
        await state.ask(Node(filters))


def _route_queries(state: SweepState) -> list[dict[str, str]]:
    today = state.today
    missing = [
        item
        for item, _ in state.prior
        if str(item.data.get("entity_id", "")) not in state.items
        and not any(must_contain(f, item.data, today) for f in state.enumerated)
    ]
    queries: list[dict[str, str]] = []
    for item in missing:
        if any(must_contain(f, item.data, today) for f in queries):
            continue  # an earlier route holds it too
        route = _route(state, item)
        if route is not None:
            queries.append(route)
    return queries


def _route(state: SweepState, item: Item) -> dict[str, str] | None:
    """The first candidate that certainly holds the notice and seems to fit under the target."""
    for filters in route_candidates(item.data, state.today):
        fits = len(state.inside(filters)) <= state.options.target
        if fits and must_contain(filters, item.data, state.today):
            return filters
    return None


def route_candidates(data: Mapping[str, object], today: date) -> list[dict[str, str]]:
    """Queries that may hold a notice with these stored fields, the most ordinary first.

    - single filters (an initial, a nationality, an age range a year either side), then pairs
      of them, then forename or surname prefixes of two and three letters.
    """
    parts: list[dict[str, str]] = []
    for param in ("name", "forename"):
        value = data.get(param)
        if isinstance(value, str) and value[:1].upper() in string.ascii_uppercase:
            parts.append({param: f"^{value[0].upper()}"})
    codes = data.get("nationalities")
    if isinstance(codes, list | tuple):
        parts += [{"nationality": str(code)} for code in codes]
    age = age_of(Item(key="", title="", data=dict(data)), today)
    if age is not None:
        parts.append({"ageMin": str(max(AGE_FLOOR, age - 1)), "ageMax": str(age + 1)})
    pairs = [
        {**a, **b} for n, a in enumerate(parts) for b in parts[n + 1 :] if not a.keys() & b.keys()
    ]
    longer = [
        {param: f"^{value[:size].upper()}"}
        for param in ("forename", "name")
        if isinstance(value := data.get(param), str) and prefix_of(f"^{value[:3]}") is not None
        for size in (2, 3)
        if len(value) >= size
    ]
    return parts + pairs + longer


async def marginals(state: SweepState) -> None:
    """Forename initials over the whole list; only those that hide notices are followed."""
    dimension = DIMENSIONS["forename"]
    for filters in dimension.children({}, state.published.values()):
        if state.counted():
            return
        known = {i for i in state.items if dimension.local(state.published[i], filters)}
        node = Node(filters)
        if not await state.ask(node) or node.total <= CAP:
            continue  # failed (the residual search follows), or listed whole
        hidden = node.total - len(known | node.ids)
        if hidden > 0:
            await _follow(state, filters, hidden, known | node.ids)


async def _follow(state: SweepState, filters: dict[str, str], hidden: int, pool: set[str]) -> None:
    """Split an initial's hidden notices into those with an age and those without."""
    aged_filters = {**filters, "ageMin": str(AGE_FLOOR), "ageMax": str(AGE_CEILING)}
    known_aged = len(state.inside(aged_filters, pool))
    aged = Node(aged_filters)
    if not await state.ask(aged):
        return
    with_age = aged.total - len(state.inside(aged_filters, pool) | aged.ids)
    if with_age > 0 and aged.total > CAP:
        await _bisect(state, aged_filters, with_age)
    without_age = hidden - max(0, aged.total - known_aged)
    if without_age > 0:
        await _cells(state, filters, without_age)


async def _bisect(state: SweepState, filters: dict[str, str], hidden: int) -> None:
    """Halve an age range over the cap that hides `hidden` notices (see the module rules)."""
    halves = _halves(state, filters)
    if halves is None:
        return  # one year still over the cap: the residual search takes it
    for n, half in enumerate(halves):
        if hidden <= 0 or state.counted():
            return
        known = state.inside(half)
        if n == 1 and len(known) + hidden > CAP:
            await _bisect(state, half, hidden)  # its count is known: split it unasked
            return
        node = Node(half)
        if not await state.ask(node):
            return
        left = node.total - len(known | node.ids)
        if left > 0 and node.total > CAP:
            await _bisect(state, half, left)
        hidden -= max(0, node.total - len(known))


def _halves(state: SweepState, filters: dict[str, str]) -> list[dict[str, str]] | None:
    low, high = age_range(filters)
    if high <= low:
        return None
    ages = [a for i in state.inside(filters) if (a := age_of(state.items[i], state.today))]
    cut = age_cuts(low, high, 2, ages, target=1)[0][1]
    return [
        {**filters, "ageMin": str(low), "ageMax": str(cut)},
        {**filters, "ageMin": str(cut + 1), "ageMax": str(high)},
    ]


async def _cells(state: SweepState, filters: dict[str, str], hidden: int) -> None:
    """An initial's notices without an age: surname nodes that fell short x this initial."""
    for node, _ in sorted(state.deferred, key=lambda deferred: -deferred[0].total):
        if hidden <= 0 or state.counted():
            return
        if not node.filters or "forename" in node.filters:
            continue
        node.ids |= state.certainly_in(node.filters)
        if node.total <= len(node.ids):
            continue  # its shortfall is found
        cell = Node({**node.filters, **filters})
        known = state.inside(cell.filters)
        if await state.ask(cell):
            node.ids |= cell.ids
            hidden -= max(0, cell.total - len(known))
    if hidden > 0:  # then their surname is missing or starts outside A-Z
        await _exotic_cells(state, filters, hidden)


async def _exotic_cells(state: SweepState, filters: dict[str, str], hidden: int) -> None:
    for cell_filters in DIMENSIONS["name_exotic"].children(filters, state.published.values()):
        if hidden <= 0 or state.counted():
            return
        known = state.inside(cell_filters)
        cell = Node(cell_filters)
        if await state.ask(cell):
            hidden -= max(0, cell.total - len(known))
