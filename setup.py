"""Compiles the matching engine's hot modules to C with mypyc when REDWATCH_COMPILE=1.

Everything else about the package is in pyproject.toml. The modules compiled are listed there
(`[tool.redwatch] compiled`); they behave the same either way (tests/test_matching_compiled.py
compares the two on the labelled data); compiled, structured records are matched about 1.4 times
as fast and free text about as fast (`bench/bench_matching_pair.py --compiled`). Without the variable nothing is compiled: an editable
install for development never shadows an edited module with a stale compiled one.
"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path
from typing import Any

from setuptools import setup


def compiled_modules() -> list[Any]:
    if os.environ.get("REDWATCH_COMPILE", "") != "1":
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        if "egg_info" in sys.argv:  # setuptools asking what the build needs: mypy comes next
            return []
        raise SystemExit(
            "REDWATCH_COMPILE=1 compiles with mypyc, and mypy is not in this build environment"
            " (pip installs it for an isolated build; with --no-build-isolation: pip install mypy)"
        ) from None

    pyproject = tomllib.loads(Path(__file__).with_name("pyproject.toml").read_text("utf-8"))
    config = Path(__file__).with_name("build_backend") / "mypyc.ini"
    modules = pyproject["tool"]["redwatch"]["compiled"]
    return list(mypycify(["--config-file", str(config), *modules], opt_level="3"))


setup(ext_modules=compiled_modules())
