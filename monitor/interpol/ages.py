"""Age ranges for INTERPOL list queries (`ageMin`/`ageMax`): where to cut them, and a notice's age.

Rules:
- ages are whole years, as the API filters on them; a notice without a birth date matches no
  age filter, and a year-only birth date counts as born on 1 January;
- a split's ranges are contiguous and cover the parent's range exactly, so no age is skipped;
- ages computed here only choose where to cut: what a query holds is decided by its total.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from itertools import groupby

from monitor.items import Item

CAP = 160  # notices any one list query yields, however it is paged
AGE_FLOOR, AGE_CEILING = 0, 150
Filters = Mapping[str, str]


def age_range(filters: Filters) -> tuple[int, int]:
    """The (lowest, highest) age a query allows."""
    return int(filters.get("ageMin", AGE_FLOOR)), int(filters.get("ageMax", AGE_CEILING))


def age_splittable(filters: Filters) -> bool:
    low, high = age_range(filters)
    return high > low


def age_cuts(
    low: int, high: int, total: int, ages: Sequence[int], target: int
) -> list[tuple[int, int]]:
    """Cut [low, high] into about total/target ranges holding similar numbers of notices.

    - the cut points are quantiles of the sampled ages; without a sample the range is halved.
    """
    inside = sorted(age for age in ages if low <= age <= high)
    parts = max(2, math.ceil(total / target))
    cuts = {inside[(len(inside) * i) // parts] for i in range(1, parts)} if inside else set()
    starts = sorted({low} | {cut for cut in cuts if low < cut <= high})
    if len(starts) == 1:
        starts.append((low + high + 1) // 2)
    ends = [start - 1 for start in starts[1:]] + [high]
    return list(zip(starts, ends, strict=True))


def next_cut(start: int, high: int, rest: Sequence[int], left: int, target: int) -> int:
    """The upper age of the next range, cut one after the other from the youngest.

    - `rest`: the sampled ages from `start` up, sorted; `left`: notices not yet accounted for;
    - the range should hold about `target` notices, each sampled age standing for
      left / len(rest) of them: a sample that over-represents some ages (the newest page) is
      corrected as the ranges before it report their true totals;
    - once what is left fits under the cap, the range runs to `high`.
    """
    if left <= CAP or start >= high:
        return high
    if not rest:
        return (start + high) // 2
    scale = left / len(rest)
    end, count = start, 0
    for age, group in groupby(rest):
        count += len(list(group))
        if count * scale > target:
            return min(high, max(start, end))
        end = age
    return high


def age_of(item: Item, today: date) -> int | None:
    """Age at `today` as the filters likely compute it (None without a birth year)."""
    value = item.data.get("birth_date")
    if not isinstance(value, str) or not value[:4].isdigit():
        return None
    year, month, day = [*(int(part) for part in value.split("-")), 1, 1][:3]
    return today.year - year - ((today.month, today.day) < (month, day))
