"""Run the fuzz harnesses for a bounded time each and report executions and findings.

    .venv/bin/python -m fuzz.run                       # every harness, 60 s each
    .venv/bin/python -m fuzz.run --seconds 300 feeds pages
    .venv/bin/python -m fuzz.run --work /tmp/redwatch-fuzz --seconds 600

Rules:
- each harness (fuzz/fuzz_<name>.py) is seeded with the test fixtures of its kind (real feeds,
  pages, INTERPOL answers, watchlists, and the hostile corpus), copied into `--work`, where the
  corpus it grows and its findings (crash-*, timeout-*, oom-* files) are kept between runs;
- an input slower than 10 s or taking over 2 GB is a finding, like a crash;
- after a finding, libFuzzer stops: the harness is started again on the same corpus until its
  time is spent, so one bug does not hide the rest of the run;
- prints one line per harness: executions, executions per second, findings; exits 1 if any.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SEEDS: dict[str, list[tuple[Path, str]]] = {
    "feeds": [(FIXTURES / "feeds", "*.xml"), (FIXTURES / "hostile" / "feeds", "*")],
    "pages": [
        (FIXTURES / "pages", "*.html"),
        (FIXTURES / "hostile" / "pages", "*"),
        (FIXTURES / "hostile" / "watch", "*"),
    ],
    "interpol": [(FIXTURES / "interpol", "*.json"), (FIXTURES / "hostile" / "interpol", "*")],
    "watchlist": [
        (FIXTURES / "watchlists", "*.yaml"),
        (FIXTURES / "hostile" / "watchlists", "*"),
        (ROOT, "watchlist.yaml"),
    ],
}
LIBFUZZER = ["-max_len=65536", "-timeout=10", "-rss_limit_mb=2048", "-print_final_stats=1"]
_EXECUTED = re.compile(r"stat::number_of_executed_units:\s*(\d+)")
_PROGRESS = re.compile(r"^#(\d+)\s", re.MULTILINE)


@dataclass
class Report:
    name: str
    seconds: float = 0.0
    executions: int = 0
    starts: int = 0
    findings: tuple[str, ...] = ()

    def line(self) -> str:
        rate = self.executions / self.seconds if self.seconds else 0.0
        found = ", ".join(self.findings) or "none"
        return (
            f"{self.name:<10} {self.seconds:7.0f} s {self.executions:>10,} executions "
            f"{rate:>8,.0f}/s  findings: {found}"
        )


def seed(name: str, folder: Path) -> Path:
    """A folder holding copies of the fixtures that seed harness `name`."""
    seeds = folder / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    for base, pattern in SEEDS[name]:
        for path in base.rglob(pattern):
            if path.is_file() and ".expected." not in path.name and path.suffix != ".md":
                shutil.copyfile(path, seeds / f"{path.parent.name}-{path.name}")
    return seeds


def run_harness(name: str, seconds: float, work: Path) -> Report:
    folder = work / name
    corpus, artifacts = folder / "corpus", folder / "findings"
    corpus.mkdir(parents=True, exist_ok=True)
    artifacts.mkdir(parents=True, exist_ok=True)
    seeds = seed(name, folder)
    report, deadline = Report(name), time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 1:
        report.starts += 1
        started = time.monotonic()
        output = _fuzz(name, int(left), artifacts, corpus, seeds)
        report.seconds += time.monotonic() - started
        report.executions += _executions(output)
    report.findings = tuple(sorted(p.name for p in artifacts.iterdir()))
    return report


def _fuzz(name: str, seconds: int, artifacts: Path, corpus: Path, seeds: Path) -> str:
    command = [
        sys.executable,
        "-m",
        f"fuzz.fuzz_{name}",
        f"-max_total_time={seconds}",
        f"-artifact_prefix={artifacts}/",
        *LIBFUZZER,
        str(corpus),
        str(seeds),
    ]
    done = subprocess.run(  # noqa: S603 (our own harness, arguments we built)
        command, cwd=ROOT, capture_output=True, text=True, errors="replace", check=False
    )
    return done.stderr + done.stdout


def _executions(output: str) -> int:
    stats = _EXECUTED.findall(output)
    if stats:
        return int(stats[-1])
    progress = _PROGRESS.findall(output)
    return int(progress[-1]) if progress else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzz.run", description=__doc__.split("\n")[0])
    parser.add_argument("harnesses", nargs="*", help=f"some of {', '.join(SEEDS)} (default all)")
    parser.add_argument("--seconds", type=float, default=60.0, help="per harness (default 60)")
    parser.add_argument("--work", type=Path, help="corpus and findings (default: a temp folder)")
    args = parser.parse_args(argv)
    unknown = set(args.harnesses) - set(SEEDS)
    if unknown:
        parser.error(f"no harness {', '.join(sorted(unknown))}; choose from {', '.join(SEEDS)}")
    args.harnesses = args.harnesses or list(SEEDS)
    work = args.work or Path(tempfile.mkdtemp(prefix="redwatch-fuzz-"))
    print(f"fuzzing {', '.join(args.harnesses)} for {args.seconds:.0f} s each in {work}")
    reports = []
    for name in args.harnesses:
        reports.append(run_harness(name, args.seconds, work))
        print(reports[-1].line(), flush=True)
    return 1 if any(report.findings for report in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
