"""Compiles the matching engine's hot modules to C with mypyc when REDWATCH_COMPILE=1.

Everything else about the package is in pyproject.toml. The modules compiled are listed there
(`[tool.redwatch] compiled`); they behave the same either way (tests/test_matching_compiled.py
compares the two on the labelled data); compiled, structured records are matched about 1.4 times
as fast and free text about as fast (`bench/bench_matching_pair.py --compiled`). Without the
variable nothing is compiled, and an editable install refuses it: a compiled module in a checkout
would shadow every later edit of its source.
"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path
from typing import Any

from setuptools import setup


def compiled_modules() -> list[Any]:
    """The compiled extension modules, for a wheel built with REDWATCH_COMPILE=1; none otherwise.

    Only the wheel build itself compiles (`bdist_wheel`): the hooks that ask for requirements,
    metadata or an sdist need nothing compiled. An editable install is refused: setuptools would
    put the compiled modules into the checkout, where they would shadow every later edit.
    """
    if os.environ.get("REDWATCH_COMPILE", "") != "1":
        return []
    if "editable_wheel" in sys.argv:
        raise SystemExit(
            "REDWATCH_COMPILE=1 builds a compiled wheel, not an editable install (its compiled"
            " modules would shadow your edits): unset it, or install with `pip install .`"
        )
    if "bdist_wheel" not in sys.argv:
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        raise SystemExit(
            "REDWATCH_COMPILE=1 compiles with mypyc, and mypy is not in this build environment"
            " (pip installs it for an isolated build; with --no-build-isolation: pip install mypy)"
        ) from None
    pyproject = tomllib.loads(Path(__file__).with_name("pyproject.toml").read_text("utf-8"))
    config = Path(__file__).with_name("build_backend") / "mypyc.ini"
    modules = pyproject["tool"]["redwatch"]["compiled"]
    return list(mypycify(["--config-file", str(config), *modules], opt_level="3"))


setup(ext_modules=compiled_modules())
