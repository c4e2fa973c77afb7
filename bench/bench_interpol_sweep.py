"""Issue 4's sweep figures, printed (never a timed test).

    .venv/bin/python bench/bench_interpol_sweep.py [--rate 0] [--skip-awkward]

Runs against the local INTERPOL simulator (tests/servers/interpol_sim.py: the 6,934 red notices
of 16 May 2023, the 160 cap, real HTTP on 127.0.0.1), through the real client stack
(monitor.http -> monitor.interpol.client -> monitor.interpol.sweep), each sweep's list requests
split into the plan's (monitor.interpol.partition) and the residual search's (locate, residual):
1. a first full sweep (no prior): coverage, list / residual / detail requests, time;
2. a second full sweep with the first as prior and five sentinels;
3. the order the issue suggests (nationality, then sex, age, names) for comparison;
4. the cost of awkward notices (no surname, both names null...) placed where only an isolating
   query can reach them;
5. a fast-path cycle's request count for the nationalities of the sample watchlist;
6. issue 14: twenty awkward notices (no birth date, no nationality, several nationalities, null
   names, odd first characters) scattered over the list: a first and a second full sweep.
`--rate` is the client's requests per second (0: unlimited; the service default is 2, so the
printed time at 2 req/s is list requests / 2).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.servers

from monitor.http import HttpClient, HttpPolicy, RetryPolicy
from monitor.interpol.client import InterpolClient, InterpolOptions
from monitor.interpol.sweep import SweepOptions, SweepResult, fast_path, full_sweep
from tests.servers.interpol_sim import SNAPSHOT_DATE, InterpolSim, add_awkward, red_item

BRIEF_ORDER = ("nationality", "sex", "age", "name", "forename", "name+", "forename+")
AWKWARD = {
    "no surname": (None, "ELLIA", "1980/01/01", ["RU"]),
    "forename '-'": ("ARBONO", "-", "1980/01/01", ["RU"]),
    "surname starting with an apostrophe": ("'T HOOFT", "ANNA", "1980/01/01", ["NL"]),
    "digit initial, no birth date, no nationality": ("1ST", "ANNA", None, None),
    "accented initial, year-only birth date": ("ÖZTÜRK", "ALI", "1975", ["TR"]),
    "both names null": (None, None, "1980/01/01", ["RU"]),
    "nothing but sex (unreachable)": (None, None, None, None),
}
WATCHED_NATIONALITIES = ["KZ", "RU", "UA", "BY", "TJ", "UZ", "KG", "TM", "AZ"]


def line(label: str, result: SweepResult, seconds: float, expected: int) -> None:
    c = result.coverage
    found = len(result.items)
    print(
        f"{label:<44} {found:>5}/{expected:<5} {100 * found / expected:6.2f}%  "
        f"complete={c.complete!s:<5}  list={c.list_requests:>4} "
        f"(plan {c.list_requests - c.residual_requests:>3}, residual {c.residual_requests:>3})  "
        f"detail={c.detail_requests}  {seconds:6.2f}s  at 2 req/s: {c.list_requests / 2:5.0f}s"
    )
    for reason in c.reasons:
        print(f"{'':<44} - {reason}")


async def run(sim: InterpolSim, base_url: str, rate: float, awkward: bool) -> None:
    async with HttpClient(HttpPolicy(), RetryPolicy(backoff=0.05)) as http:
        client = InterpolClient(http, InterpolOptions(base_url=base_url, rate=rate, backoff=0.05))
        expected = len(sim.public_ids())
        print(
            f"snapshot: {expected} public red notices; cap 160 per query; lower bound ceil(N/160) = {-(-expected // 160)}"
        )
        print()
        started = time.perf_counter()
        first = await full_sweep(client, "red", today=SNAPSHOT_DATE)
        line("1. full sweep, first (no prior)", first, time.perf_counter() - started, expected)

        sentinels = sorted(first.items)[::1400][:5]
        started = time.perf_counter()
        second = await full_sweep(
            client, "red", today=SNAPSHOT_DATE, prior=first.items.values(), sentinels=sentinels,
            previous_total=first.coverage.reported_total,
        )  # fmt: skip
        line(
            "2. full sweep, with prior and 5 sentinels",
            second,
            time.perf_counter() - started,
            expected,
        )

        started = time.perf_counter()
        options = SweepOptions(plan=BRIEF_ORDER, residual_budget=2000)  # what 100% would cost
        brief = await full_sweep(client, "red", today=SNAPSHOT_DATE, options=options)
        line(
            "3. issue's order: nationality, sex, age, names",
            brief,
            time.perf_counter() - started,
            expected,
        )

        if awkward:
            print()
            print(
                "4. one awkward notice added as the OLDEST notice (no newest-first page shows it):"
            )
            for label, fields in AWKWARD.items():
                await awkward_case(sim, client, label, fields)

        print()
        before = client.counter.list
        started = time.perf_counter()
        fast = await fast_path(client, "red", nationalities=WATCHED_NATIONALITIES)
        seconds = time.perf_counter() - started
        print(
            f"5. fast path, newest page + {len(WATCHED_NATIONALITIES)} nationalities: "
            f"{client.counter.list - before} list requests, {len(fast.items)} notices read, {seconds:.2f}s"
        )
        print()
        print(f"client counter over the whole run: {client.counter}")


async def twenty_awkward(base_url: str) -> None:
    """Section 6, on a simulator of its own (the 20 notices stay for both sweeps)."""
    sim = InterpolSim.from_fixtures(yellow=False)
    ids = add_awkward(sim)
    expected = len(sim.public_ids())
    with sim.serve() as server:
        async with HttpClient(HttpPolicy(), RetryPolicy(backoff=0.05)) as http:
            options = InterpolOptions(base_url=server.base_url, rate=0, backoff=0.05)
            client = InterpolClient(http, options)
            print()
            print(f"6. twenty awkward notices scattered over the list ({expected} notices):")
            started = time.perf_counter()
            first = await full_sweep(client, "red", today=SNAPSHOT_DATE)
            line("   first full sweep", first, time.perf_counter() - started, expected)
            started = time.perf_counter()
            second = await full_sweep(
                client, "red", today=SNAPSHOT_DATE, prior=first.items.values(),
                sentinels=sorted(first.items)[::1400][:5],
                previous_total=first.coverage.reported_total,
            )  # fmt: skip
            line(
                "   second full sweep (first as prior)",
                second,
                time.perf_counter() - started,
                expected,
            )
            missed = [i for i in ids if i not in first.items or i not in second.items]
            print(f"   awkward notices missed: {missed or 'none'}")
            print(
                f"   list requests: first {first.coverage.list_requests}, "
                f"second {second.coverage.list_requests} (target: at most 160, second <= first)"
            )


async def awkward_case(
    sim: InterpolSim,
    client: InterpolClient,
    label: str,
    fields: tuple[str | None, str | None, str | None, list[str] | None],
) -> None:
    entity_id = "2001/99999"
    sim.add(red_item(entity_id, *fields), sex="M", oldest=True)
    try:
        started = time.perf_counter()
        result = await full_sweep(client, "red", today=SNAPSHOT_DATE)
        line(f"   {label}", result, time.perf_counter() - started, len(sim.public_ids()))
        print(
            f"{'':<44}   the awkward notice was {'FOUND' if entity_id in result.items else 'NOT found'}"
        )
    finally:
        sim.remove(entity_id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=0.0, help="requests per second (0: no limit)")
    parser.add_argument("--skip-awkward", action="store_true", help="skip the awkward-notice runs")
    args = parser.parse_args()
    sim = InterpolSim.from_fixtures(yellow=False)
    with sim.serve() as server:
        asyncio.run(run(sim, server.base_url, args.rate, not args.skip_awkward))
    print(f"simulator answered: {dict(sim.counts)}")
    asyncio.run(twenty_awkward(""))


if __name__ == "__main__":
    main()
