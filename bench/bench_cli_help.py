"""Issue 7 figure: how fast `monitor --help` answers (target <= 0.5 s: imports must be lazy).

    .venv/bin/python bench/bench_cli_help.py [--runs 20]

Runs the installed console script as a new process each time (interpreter start included, as an
admin experiences it) and prints the median and worst wall time, then the modules the help path
imports that it should not need (from `python -X importtime`).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

SCRIPT = Path(sys.executable).with_name("monitor")
HEAVY = ("sqlalchemy", "apscheduler", "httpx", "pydantic", "rich", "monitor.matching", "alembic")


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def heavy_imports() -> list[str]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "monitor", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    modules = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    return sorted(m for m in modules if m.split(".")[0] in HEAVY or m.startswith(HEAVY))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    timed([str(SCRIPT), "--help"])  # warm the file cache and the bytecode
    script = [timed([str(SCRIPT), "--help"]) for _ in range(args.runs)]
    module = [timed([sys.executable, "-m", "monitor", "--help"]) for _ in range(args.runs)]
    print(f"monitor --help, {args.runs} runs each (target <= 0.5 s)")
    print(
        f"  console script   median {statistics.median(script):.3f} s   worst {max(script):.3f} s"
    )
    print(
        f"  python -m        median {statistics.median(module):.3f} s   worst {max(module):.3f} s"
    )
    heavy = heavy_imports()
    print(f"  heavy modules imported for --help: {', '.join(heavy) if heavy else 'none'}")


if __name__ == "__main__":
    main()
