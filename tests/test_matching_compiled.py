"""The compiled matching engine (REDWATCH_COMPILE=1, as the Docker image builds it, setup.py)
finds exactly what the pure Python engine finds, on every labelled name and text we hold."""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.paths import ROOT
from tests.wheels import (
    build_wheel,
    copy_source,
    fresh_venv,
    plain_env,
    run,
    venv_with_wheel,
)

pytestmark = pytest.mark.slow
DUMP = ROOT / "tests" / "matching_dump.py"


def _need_a_compiler() -> None:
    headers = Path(sysconfig.get_paths()["include"]) / "Python.h"
    if (shutil.which("cc") or shutil.which("gcc")) and headers.is_file():
        return
    reason = (
        f"no C compiler (cc) or no {headers} to build the compiled engine with"
        " (apt-get install -y gcc python3-dev)"
    )
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


def test_the_checkout_holds_no_compiled_module_that_would_shadow_its_sources() -> None:
    # the suite, `make run` and every edit run the .py sources; a wheel compiles into build/
    assert sorted((ROOT / "monitor").rglob("*.so")) == []
    assert sorted(ROOT.glob("*__mypyc*")) == []


def test_a_compiled_editable_install_is_refused_with_the_reason(tmp_path: Path) -> None:
    source = copy_source(tmp_path)
    python = fresh_venv(tmp_path) / "bin" / "python"
    env = {**plain_env(tmp_path), "REDWATCH_COMPILE": "1"}
    done = run(
        sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-e", source,
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert done.returncode != 0
    assert "builds a compiled wheel, not an editable install" in done.stdout + done.stderr
    assert sorted(source.rglob("*.so")) == []
