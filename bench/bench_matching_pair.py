"""Matching speed of this engine and of an earlier one, side by side on the same data.

    git worktree add /tmp/old15 5d01bc4     # the engine before issue 15
    .venv/bin/python bench/bench_matching_pair.py --before /tmp/old15 [--runs 5] [--texts 20000]

Runs `bench/bench_matching.py` of each tree in turn (A B A B ...), each in its own process with
its own tree first on the path; both generate the same people, notices and texts from the same
seed. Prints, per engine, the median of the structured time (7,000 notices against 10,000
people, best of three cold passes in each run) and of free-text MB/s, and the ratio pair by pair:
this machine is shared and its speed drifts, so the ratio of neighbouring runs is the figure to
trust, the absolute ones are only this machine's.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
STRUCTURED = re.compile(r"structured: .*? best ([0-9.]+) s wall / ([0-9.]+) s CPU")
TEXT = re.compile(r"([0-9.]+) s CPU = ([0-9.]+) MB/s")


def one_run(tree: Path, texts: int) -> tuple[float, float]:
    """(structured CPU seconds, free-text MB/s on CPU time) of one run of `tree`'s bench."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, str(tree / "bench" / "bench_matching.py"), "--texts", str(texts)],
        env=env,
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    structured, text = STRUCTURED.search(out), TEXT.search(out)
    if structured is None or text is None:
        raise SystemExit(f"unexpected output of {tree}'s bench:\n{out}")
    return float(structured.group(2)), float(text.group(2))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", type=Path, required=True, help="checkout of the older engine")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--texts", type=int, default=20_000)
    args = parser.parse_args()
    now: list[tuple[float, float]] = []
    before: list[tuple[float, float]] = []
    for run in range(args.runs):
        now.append(one_run(HERE, args.texts))
        before.append(one_run(args.before.resolve(), args.texts))
        print(
            f"run {run + 1}: structured {now[-1][0]:.2f} s vs {before[-1][0]:.2f} s;"
            f" free text {now[-1][1]:.1f} vs {before[-1][1]:.1f} MB/s",
            flush=True,
        )

    def median(values: list[float]) -> float:
        return statistics.median(values)

    print(f"{'':34}{'this engine':>12}{'before':>10}{'ratio (median of pairs)':>26}")
    structured_ratio = median([a[0] / b[0] for a, b in zip(now, before, strict=True)])
    text_ratio = median([a[1] / b[1] for a, b in zip(now, before, strict=True)])
    print(
        f"{'structured, s (target <= 1)':34}{median([a for a, _ in now]):>12.2f}"
        f"{median([a for a, _ in before]):>10.2f}{structured_ratio:>26.2f}"
    )
    print(
        f"{'free text, MB/s (target >= 10)':34}{median([b for _, b in now]):>12.1f}"
        f"{median([b for _, b in before]):>10.1f}{text_ratio:>26.2f}"
    )


if __name__ == "__main__":
    main()
