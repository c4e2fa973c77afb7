"""The residual search of a full INTERPOL sweep: what the partition plan could not reach.

What a split cannot reach (no birth date, no surname, an initial outside A-Z...) shows up as a
shortfall of the node it split. Notices are first located by counting (monitor.interpol.locate);
what is still missing is searched node by node, with filters checkable against what was
already collected, so each probe says whether it holds any of the missing notices.

Rules:
- residual searches wait until the plan is done and run largest node first, each shortfall
  counted again from everything collected so far; all stop once the count adds up;
- checkable dimensions first: a child holds unknown notices when its total exceeds the
  collected notices that match it; only such children are followed;
- a node a little over the cap is first listed by sex (three requests, parts usually under the
  cap); `cover` (ages, then sex, never names) reaches notices no name filter can;
- a search that cannot find them all, or spends the residual budget, counts the rest as
  unresolved: they were not reached, which the coverage says (monitor.interpol.coverage).
"""

from __future__ import annotations

import math

from monitor.interpol.ages import CAP, age_cuts, age_of, age_range, age_splittable
from monitor.interpol.filters import COVER, DIMENSIONS, Dimension
from monitor.interpol.locate import marginals, routes
from monitor.interpol.state import Node, ResidualSpent, SweepState

# Men are about 84 % of the red list: a node up to this size usually splits by sex into parts
# under the cap, three requests that list all of it, whatever its notices lack.
SEX_SPLIT_MAX = 240


async def residuals(state: SweepState) -> None:
    """Locate by counts, then search each deferred node while the count falls short."""
    if state.options.locate:  # lists that take forename, nationality and age filters
        with state.residual():
            try:
                await routes(state)
                await marginals(state)
            except ResidualSpent:
                pass  # the node searches below say so
    for node, exclude in sorted(state.deferred, key=lambda deferred: -deferred[0].total):
        if state.counted():
            return
        node.ids |= state.certainly_in(node.filters)
        if node.total > len(node.ids):
            await find_missing(state, node, node.total - len(node.ids), exclude=exclude)


async def find_missing(
    state: SweepState, node: Node, missing: int, exclude: str | None = None
) -> None:
    """Reach `missing` notices of `node` that are not in `node.ids` (its split missed them)."""
    before = len(node.ids)
    try:
        with state.residual():
            if CAP < node.total <= SEX_SPLIT_MAX and "sexId" not in node.filters:
                await _by_sex(state, node)
            for name in state.options.residual_plan:
                if len(node.ids) - before >= missing or state.counted():
                    break
                if name != exclude:
                    await _step(state, node, name, missing - (len(node.ids) - before))
    except ResidualSpent:
        if state.residual_depth:
            raise
        state.tally.reasons.append("the residual search budget was spent")
    state.unreachable(missing - (len(node.ids) - before))


async def _by_sex(state: SweepState, node: Node) -> None:
    """List a node a little over the cap by sex: its parts are likely under the cap."""
    for filters in DIMENSIONS["sex"].children(node.filters, ()):
        if state.counted():
            return
        child = Node(filters)
        if await state.ask(child):
            node.ids |= child.ids


async def _step(state: SweepState, node: Node, name: str, missing: int) -> None:
    if name == COVER:
        await _cover(state, node)
        return
    dimension = DIMENSIONS[name]
    if dimension.checkable and dimension.applies(node.filters):
        await _search(state, node, dimension, missing)


async def _search(state: SweepState, node: Node, dimension: Dimension, missing: int) -> None:
    found = 0
    sample = (state.published[i] for i in node.ids)
    for filters in dimension.children(node.filters, sample):
        if found >= missing or state.counted():
            return
        known = {i for i in node.ids if dimension.local(state.published[i], filters)}
        child = Node(filters)
        if not await state.ask(child) or child.total <= len(known):
            continue
        unknown, new = child.total - len(known), child.ids - node.ids
        if child.total > CAP and len(new) < unknown:
            child.ids |= known
            await find_missing(state, child, unknown - len(new))
            new = child.ids - node.ids
        node.ids |= new
        found += len(new)


async def _cover(state: SweepState, node: Node) -> None:
    """Notices of `node` no name filter reaches: by ages then sex, never by name.

    - age ranges are halved, and only a half whose total is more than the collected notices
      that may be in it is followed (the others hide nothing); parts still over the cap stay;
    - sex is not in list items: each sex part is listed, and followed no further.
    """
    if node.total <= CAP:
        return
    filters = node.filters
    if age_splittable(filters):
        low, high = age_range(filters)
        ages = [age for item in state.items.values() if (age := age_of(item, state.today))]
        cuts = age_cuts(low, high, node.total, ages, target=math.ceil(node.total / 2))
        children = [{**filters, "ageMin": str(a), "ageMax": str(b)} for a, b in cuts]
    elif "sexId" not in filters:
        children = DIMENSIONS["sex"].children(filters, ())
    else:
        return
    for child_filters in children:
        if state.counted():
            return
        child = Node(child_filters)
        if await state.ask(child) and _may_hide(state, child):
            await _cover(state, child)
        node.ids |= child.ids


def _may_hide(state: SweepState, node: Node) -> bool:
    """Whether an asked node seems to hold notices not collected yet.

    - a heuristic (ages estimated as the sweep cuts them): it only decides where to look;
      completeness is still decided by the count.
    """
    if "sexId" in node.filters:
        return node.total > len(node.ids)
    return node.total > len(state.inside(node.filters))
