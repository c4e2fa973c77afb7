"""Matching speed of this engine and of an earlier one, side by side on the same data.

    git worktree add /tmp/old15 5d01bc4     # the engine before issue 15
    .venv/bin/python bench/bench_matching_pair.py --before /tmp/old15 [--compiled] [--runs 5]

`--compiled` adds this engine as the Docker image builds it (REDWATCH_COMPILE=1: mypyc compiles
the hot modules, setup.py), installed in a temporary venv.

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
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
STRUCTURED = re.compile(r"structured: .*? best ([0-9.]+) s wall / ([0-9.]+) s CPU")
TEXT = re.compile(r"([0-9.]+) s CPU = ([0-9.]+) MB/s")


@dataclass(frozen=True)
class Engine:
    name: str
    python: Path
    bench: Path  # the bench_matching.py to run
    path: Path | None  # the tree put first on the import path (None: the python's own install)


def one_run(engine: Engine, texts: int) -> tuple[float, float]:
    """(structured CPU seconds, free-text MB/s on CPU time) of one run of an engine's bench."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if engine.path is not None:
        env["PYTHONPATH"] = str(engine.path)
    out = subprocess.run(
        [str(engine.python), str(engine.bench), "--texts", str(texts)],
        env=env,
        cwd=engine.bench.parent,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    structured, text = STRUCTURED.search(out), TEXT.search(out)
    if structured is None or text is None:
        raise SystemExit(f"unexpected output of {engine.name}'s bench:\n{out}")
    return float(structured.group(2)), float(text.group(2))


def compiled_engine(folder: Path) -> Engine:
    """This tree's engine built as the Docker image builds it (REDWATCH_COMPILE=1), in a venv."""
    sys.path.insert(0, str(HERE))
    from tests.wheels import build_wheel, venv_with_wheel

    print("building the compiled engine (about a minute)...", flush=True)
    venv = venv_with_wheel(folder, build_wheel(folder, compile_engine=True))
    return Engine("compiled", venv / "bin" / "python", HERE / "bench" / "bench_matching.py", None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", type=Path, required=True, help="checkout of the older engine")
    parser.add_argument("--compiled", action="store_true", help="this engine compiled (mypyc) too")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--texts", type=int, default=20_000)
    args = parser.parse_args()
    before = args.before.resolve()
    engines = [
        Engine("this engine", Path(sys.executable), HERE / "bench" / "bench_matching.py", HERE),
        Engine("before", Path(sys.executable), before / "bench" / "bench_matching.py", before),
    ]
    with tempfile.TemporaryDirectory() as folder:
        if args.compiled:
            engines.append(compiled_engine(Path(folder)))
        figures: dict[str, list[tuple[float, float]]] = {e.name: [] for e in engines}
        for run in range(args.runs):
            for engine in engines:
                figures[engine.name].append(one_run(engine, args.texts))
            print(
                f"run {run + 1}: "
                + "; ".join(
                    f"{name} {got[-1][0]:.2f} s, {got[-1][1]:.1f} MB/s"
                    for name, got in figures.items()
                ),
                flush=True,
            )
    report(figures)


def report(figures: dict[str, list[tuple[float, float]]]) -> None:
    """Medians per engine, and each engine's ratio to the previous one, median of pairs."""
    base = figures["before"]
    print(f"{'':34}" + "".join(f"{name:>14}" for name in figures))
    for label, k, fmt in (
        ("structured, s (target <= 1)", 0, ".2f"),
        ("free text, MB/s (target >= 10)", 1, ".1f"),
    ):
        print(
            f"{label:34}"
            + "".join(f"{median(v[k] for v in got):>14{fmt}}" for got in figures.values())
        )
        ratios = "".join(
            f"{median(a[k] / b[k] for a, b in zip(got, base, strict=True)):>14.2f}"
            for got in figures.values()
        )
        print(f"{'  ratio to before (median of pairs)':34}{ratios}")


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


if __name__ == "__main__":
    main()
