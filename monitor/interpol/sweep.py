"""Enumerating INTERPOL's public notices past the 160-result cap, and the fast path.

A list query returns at most 160 notices but reports its true `total`. A full sweep asks the
unfiltered list, splits every query over the cap along a plan (monitor.interpol.partition),
then searches what the plan could not reach (monitor.interpol.locate, then
monitor.interpol.residual), and checks a few sentinels; its verdict follows from the count
(monitor.interpol.coverage). The fast path reads only the newest notices. The result is data:
these modules write nothing anywhere.

Rules:
- only query forms known to work on the real API are sent (monitor.interpol.filters);
- a watched person's name or birth date is never sent, unless `targeted=True` (fast path);
  the residual search sends letters, countries and ages learned from the public list itself;
- a sweep that was blocked, missed a public sentinel, saw the total fall suspiciously or
  collected fewer notices than announced is incomplete (`complete` False);
- every query whose notices were all collected (total at most 160) is kept in `enumerated`: a
  notice such a partition must contain but did not list is absent from that sweep;
- an incomplete sweep is still returned with everything it collected, never raised away.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime

from monitor.interpol.coverage import Coverage, SentinelCheck, SweepResult, log_coverage
from monitor.interpol.filters import must_contain, published
from monitor.interpol.parse import NoticeType
from monitor.interpol.partition import explore
from monitor.interpol.residual import residuals
from monitor.interpol.state import Abort, Lister, Node, SweepOptions, SweepState
from monitor.items import Item

__all__ = [
    "UN_OPTIONS",
    "Coverage",
    "Lister",
    "SentinelCheck",
    "SweepOptions",
    "SweepResult",
    "fast_path",
    "full_sweep",
    "must_contain",
    "published",
]

# UN notices: `name` is the only filter the UN lists take (bundesAPI openapi.yaml).
UN_OPTIONS = SweepOptions(
    plan=("name", "name+"), residual_plan=("name_exotic", "name_length"), locate=False
)


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

    - `prior`: items of an earlier sweep, used to choose where to cut age ranges and to route
      the residual search to notices the plan does not reach (never trusted as present now);
    - `sentinels`: entity ids known to be public; one missing from the lists while its detail
      still answers 200 makes the sweep incomplete (the list shrank);
    - `previous_total`: the root total of the last complete sweep, to catch a silent collapse;
    - UN lists only filter by name, so their default plan uses name patterns alone;
    - never raises for fetch failures or blocking: they make the coverage incomplete.
    """
    started = datetime.now(UTC)
    options = options or (UN_OPTIONS if notice_type.startswith("un_") else SweepOptions())
    state = SweepState(lister, notice_type, options, prior, today or started.date())
    root = Node({})
    try:
        if await state.ask(root):
            state.tally.root_total = root.total
            await explore(state, root)
            await residuals(state)
    except Abort as exc:
        state.tally.reasons.append(str(exc))
    checks = await state.check_sentinels(sentinels)
    coverage = state.coverage(checks, previous_total, full=True)
    log_coverage("full", notice_type, coverage)
    return _result(state, "full", coverage, started)


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
    state = SweepState(lister, notice_type, SweepOptions(), (), started.date())
    queries: list[dict[str, str]] = [{}]
    queries += [{"nationality": code.upper()} for code in dict.fromkeys(nationalities)]
    queries += [{"name": f"^{prefix}"} for prefix in _prefixes(surnames)]
    try:
        for filters in queries:
            node = Node(filters)
            if await state.ask(node) and not filters:
                state.tally.root_total = node.total
    except Abort as exc:
        state.tally.reasons.append(str(exc))
    state.tally.reasons.append("fast path: only the newest notices were read")
    coverage = state.coverage((), None, full=False)
    log_coverage("fast", notice_type, coverage)
    return _result(state, "fast", coverage, started)


def _result(state: SweepState, kind: str, coverage: Coverage, started: datetime) -> SweepResult:
    return SweepResult(
        state.notice_type,
        kind,
        dict(state.items),
        coverage,
        started,
        datetime.now(UTC),
        tuple(state.enumerated),
    )


def _prefixes(surnames: Iterable[str]) -> list[str]:
    prefixes = []
    for surname in surnames:
        letters = "".join(ch for ch in surname.upper() if ch in string.ascii_uppercase)
        if len(letters) >= 3:
            prefixes.append(letters[:3])
    return list(dict.fromkeys(prefixes))
