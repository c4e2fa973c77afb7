"""The partition plan of a full INTERPOL sweep: split every query over the 160 cap.

A list query lists at most 160 notices but reports its true `total`. The plan splits only where
`total` > 160, along its dimensions in order (by default: the surname's initial, then age
ranges, then the forename's initial, longer prefixes, sex). Splits are disjoint, so the
children's totals add up to the parent's, and probing stops as soon as they do.

Rules:
- a node whose split leaves a shortfall (notices the dimension cannot see: no birth date, no
  surname, an initial outside A-Z) is deferred to the residual search, with that dimension;
- a node no dimension can split further is deferred too, before anything is called unreachable;
- a failed child query counts one notice as unresolved (at least one may hide behind it);
- age ranges are cut one after the other, youngest first, each placed from the sampled ages
  above the previous cut scaled to the notices not yet accounted for (monitor.interpol.ages);
  the sample is an earlier sweep's ages in the node when given, else the node's own first page.
"""

from __future__ import annotations

from collections.abc import Iterator

from monitor.interpol.ages import CAP, age_of, age_range, age_splittable, next_cut
from monitor.interpol.filters import AGE, DIMENSIONS, locally_in
from monitor.interpol.state import Node, SweepState


async def explore(state: SweepState, node: Node) -> None:
    """Collect every notice of an asked node: split it while it is over the cap."""
    if node.total <= CAP:
        return
    dimension = _next_dimension(state, node.filters)
    if dimension is None:  # no split left: search it before calling anything unreachable
        state.deferred.append((node, None))
        return
    accounted, failures = await _split(state, node, dimension)
    covered = len(node.ids) >= node.total
    shortfall = node.total - (accounted if _disjoint(dimension) else len(node.ids))
    if shortfall > 0 and not covered and not failures:
        state.deferred.append((node, dimension))  # searched once the plan is done


def _next_dimension(state: SweepState, filters: dict[str, str]) -> str | None:
    for name in state.options.plan:
        if name == AGE and age_splittable(filters):
            return name
        if name in DIMENSIONS and DIMENSIONS[name].applies(filters):
            return name
    return None


def _disjoint(dimension: str) -> bool:
    return dimension == AGE or DIMENSIONS[dimension].disjoint


async def _split(state: SweepState, node: Node, dimension: str) -> tuple[int, int]:
    """Ask and explore the children along `dimension`: (sum of their totals, failures).

    - stops once the parent is covered: all its notices collected, or (disjoint
      dimensions) the children's totals adding up to the parent's.
    """
    accounted = failures = 0
    disjoint = _disjoint(dimension)
    ranges = _AgeRanges(state, node) if dimension == AGE else None
    children = iter(ranges) if ranges else iter(_children(state, node, dimension))
    for filters in children:
        if len(node.ids) >= node.total or (disjoint and accounted >= node.total):
            break
        child = Node(filters)
        if not await state.ask(child):
            failures += 1
            state.tally.unresolved += 1  # at least one notice may hide behind a failed query
            continue
        await explore(state, child)
        node.ids |= child.ids
        accounted += child.total
        if ranges:
            ranges.left -= child.total
    return accounted, failures


def _children(state: SweepState, node: Node, dimension: str) -> list[dict[str, str]]:
    sample = (state.published[i] for i in node.ids)
    return DIMENSIONS[dimension].children(node.filters, sample)


class _AgeRanges:
    """A node's age ranges, each cut once the totals of the ranges before it are known.

    - `left` is lowered by the caller after each range is asked (its total);
    - the ranges are contiguous and end at the node's upper age, so no age is skipped.
    """

    def __init__(self, state: SweepState, node: Node) -> None:
        self.filters = node.filters
        self.low, self.high = age_range(node.filters)
        self.left = node.total
        self.target = state.options.target
        self.ages = sorted(a for a in _ages(state, node) if self.low <= a <= self.high)

    def __iter__(self) -> Iterator[dict[str, str]]:
        start = self.low
        while start <= self.high:
            rest = [age for age in self.ages if age >= start]
            end = next_cut(start, self.high, rest, self.left, self.target)
            yield {**self.filters, "ageMin": str(start), "ageMax": str(end)}
            start = end + 1


def _ages(state: SweepState, node: Node) -> list[int]:
    """Ages known in the node: an earlier sweep's if given, else the node's own first page."""
    prior = [item for item, raw in state.prior if locally_in(item, raw, node.filters, state.today)]
    sample = prior or [state.items[i] for i in node.ids]
    return [age for item in sample if (age := age_of(item, state.today)) is not None]
