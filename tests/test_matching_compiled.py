"""The compiled matching engine (REDWATCH_COMPILE=1, as the Docker image builds it, setup.py)
finds exactly what the pure Python engine finds, on every labelled name and text we hold."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from tests.paths import ROOT
from tests.wheels import build_wheel, plain_env, run, venv_with_wheel

pytestmark = pytest.mark.slow
DUMP = ROOT / "tests" / "matching_dump.py"


def _need_a_compiler() -> None:
    if shutil.which("cc") or shutil.which("gcc"):
        return
    reason = "no C compiler (cc) to build the compiled engine with (apt-get install -y gcc)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _dump(python: Path | str, home: Path) -> list[str]:
    done = run(python, DUMP, cwd=home, env=plain_env(home))
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.splitlines()


def test_the_compiled_engine_makes_the_same_matches_as_the_pure_one(tmp_path: Path) -> None:
    _need_a_compiler()
    venv = venv_with_wheel(tmp_path, build_wheel(tmp_path, compile_engine=True))
    compiled = _dump(venv / "bin" / "python", tmp_path)
    pure = _dump(sys.executable, tmp_path)
    # the compiled run really ran compiled modules, the pure one the sources
    assert compiled[0].endswith('.so"}') and pure[0] == '{"engine": "score.py"}'
    assert len(compiled) == len(pure) > 40_000
    assert sum('"found": []' not in line for line in pure) > 500  # matches, not only misses
    differ = [(c, p) for c, p in zip(compiled[1:], pure[1:], strict=True) if c != p]
    assert not differ, (
        f"{len(differ)} differ; the first:\ncompiled {differ[0][0]}\npure     {differ[0][1]}"
    )
