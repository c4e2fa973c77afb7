"""The fuzz harnesses under fuzz/ run, and find nothing in their seeds.

Every seed is a real feed, page, INTERPOL answer or watchlist of the test fixtures or a hostile
input of tests/fixtures/hostile/: a harness that crashes on one of them, or that no longer
starts, would make `python -m fuzz.run` report noise instead of new bugs. The long runs whose
figures are in docs/hostile.md are run by hand (`python -m fuzz.run --seconds 300`).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("atheris") is None,
        reason="atheris is not installed (it is in the dev extras on Linux only)",
    ),
]
ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.timeout(300)
@pytest.mark.parametrize("harness", ["feeds", "pages", "interpol", "watchlist"])
def test_each_harness_runs_on_its_seeds_and_finds_nothing(
    harness: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sys.path.insert(0, str(ROOT))
    try:
        from fuzz.run import run_harness
    finally:
        sys.path.remove(str(ROOT))
    report = run_harness(harness, seconds=8, work=tmp_path)
    assert report.executions > 0, f"the {harness} harness did not run"
    assert report.findings == (), report.line()
