"""Instructions the matching engine spends, counted by callgrind: a speed figure that does not move
with the machine's load, for this engine and an earlier one on the same data.

    apt-get install valgrind                 # not in the project's dependencies
    git worktree add /tmp/old15 5d01bc4      # the engine before issue 15
    .venv/bin/python bench/bench_matching_instructions.py --before /tmp/old15

Each tree's own `bench/bench_matching.py` generates the people, notices and texts (same seed, so
the same data); the process runs under `valgrind --tool=callgrind --instr-atstart=no` and switches
counting on (`callgrind_control -i on`) only around the matching loop, so building the index and
the data is not counted. Prints millions of instructions for the records and for the texts, per
tree, and the ratio. A run takes about a minute per figure: the people are fewer than in
bench_matching.py (3,000 by default) because valgrind runs Python some fifty times slower.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent
COLLECTED = re.compile(r"Collected : (\d+)")


def count(tree: Path, mode: str, people: int, items: int) -> int:
    """Instructions of one matching loop (`mode`: records or texts) of `tree`'s engine."""
    with tempfile.TemporaryDirectory() as scratch:
        out = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={scratch}/callgrind.out",
                sys.executable,
                __file__,
                "--inside",
                str(tree),
                mode,
                str(people),
                str(items),
            ],
            env={**os.environ, "PYTHONPATH": str(tree)},
            cwd=tree,
            capture_output=True,
            text=True,
            check=True,
        ).stderr
    found = COLLECTED.search(out)
    if found is None:
        raise SystemExit(f"callgrind counted nothing for {tree} ({mode}):\n{out[-2000:]}")
    return int(found.group(1))


def inside(tree: Path, mode: str, people: int, items: int) -> None:
    """The measured process: build the data and the index, then count the loop only."""
    sys.path[:0] = [str(tree), str(tree / "bench")]
    import bench_matching as data  # the tree's own generator and engine

    rng = random.Random(20260325)
    watched = data.make_people(people, rng)
    data.clear_caches()
    index = data.MatchIndex.build(watched)
    notices = data.make_notices(items if mode == "records" else 2000, watched, rng)
    texts: list[Any] = data.make_texts(items, watched, rng) if mode == "texts" else []
    for text in texts[:20]:
        index.match_text(text)  # warm the data files a running service keeps loaded
    data.clear_caches(data_too=False)
    index._resolved.clear()
    toggle = ["callgrind_control", "-i"]
    subprocess.run([*toggle, "on", str(os.getpid())], capture_output=True, check=False)
    if mode == "records":
        for record in notices:
            index.match_record(record)
    else:
        for text in texts:
            index.match_text(text)
    subprocess.run([*toggle, "off", str(os.getpid())], capture_output=True, check=False)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--inside":
        tree, mode, people, items = sys.argv[2:6]
        inside(Path(tree), mode, int(people), int(items))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", type=Path, help="a checkout of an earlier engine")
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--texts", type=int, default=300)
    args = parser.parse_args()
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    trees = [("this engine", HERE)] + ([("before", args.before)] if args.before else [])
    print(
        f"{'':12}"
        + "".join(f"{name:>16}" for name, _ in trees)
        + ("   ratio" if args.before else "")
    )
    for mode, items in (("records", args.records), ("texts", args.texts)):
        figures = [count(tree.resolve(), mode, args.people, items) for _, tree in trees]
        row = f"{items:>5} {mode:<6}" + "".join(f"{n / 1e6:>14.1f} M" for n in figures)
        print(row + (f"   {figures[0] / figures[1]:.3f}" if len(figures) == 2 else ""))


if __name__ == "__main__":
    main()
